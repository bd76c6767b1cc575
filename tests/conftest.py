"""Shared fixtures: voice profiles and fake-engine clips written in-process (no worker pool)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from audiobook import tools
from audiobook.engines.fake import FakeEngine
from audiobook.models import Clip, Utterance, VoiceProfile

NARRATOR = VoiceProfile("narrator", "en-us+m3", rate=180)
HEROINE = VoiceProfile("heroine", "en-us+f3", rate=200, pitch=60)


@pytest.fixture
def fake_clips(tmp_path: Path) -> Callable[[Sequence[Utterance]], list[Clip]]:
    """Write each utterance with the fake engine straight into tmp_path; return the clips."""

    def make(utterances: Sequence[Utterance]) -> list[Clip]:
        engine = FakeEngine()
        clips = []
        for index, utterance in enumerate(utterances):
            path = tmp_path / f"clip-{index:04d}.wav"
            engine.synthesize(utterance.text, utterance.profile, path)
            clips.append(Clip(utterance, path))
        return clips

    return make


def decode(mp3: Path) -> bytes:
    """The MP3 decoded by ffmpeg to mono 16-bit PCM; fails the test on any decoder message."""
    result = subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr, result.stderr.decode(errors="replace")
    return result.stdout
