"""Timeline -> the WebVTT transcript: one cue per clip, ``<v Speaker>`` naming who speaks."""

from __future__ import annotations

from pathlib import Path

from audiobook.models import Timeline

NARRATOR = "Narrator"
"""The speaker shown in the transcript for narration."""


def vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_vtt(timeline: Timeline) -> str:
    """The WebVTT transcript: one cue per clip, ``<v Speaker>`` naming who speaks.

    Text is put on one line (a blank line would end the cue); empty cues are left out.
    """
    lines = ["WEBVTT", ""]
    for cue in timeline.cues:
        start, end = timeline.ms(cue.start), timeline.ms(cue.end)
        text = " ".join(cue.text.split())
        if end <= start or not text:
            continue
        speaker = " ".join((cue.speaker or NARRATOR).split())
        lines += [
            f"{vtt_time(start)} --> {vtt_time(end)}",
            f"<v {vtt_escape(speaker)}>{vtt_escape(text)}",
            "",
        ]
    return "\n".join(lines)


def write_vtt(path: Path, timeline: Timeline) -> None:
    path.write_text(format_vtt(timeline), encoding="utf-8")
