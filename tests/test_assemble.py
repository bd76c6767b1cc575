"""Assembly: pure timeline arithmetic (table-tested, no ffmpeg), clip trimming and
levelling, and the encoded MP3 decoded back and compared with the timeline."""

from __future__ import annotations

import itertools
import subprocess
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiobook import tools
from audiobook.audio import assemble as assemble_module
from audiobook.audio import clips as clips_module
from audiobook.audio import pieces as pieces_module
from audiobook.audio.assemble import BookAudio, assemble
from audiobook.audio.clips import prepare_clip, trim_bounds
from audiobook.audio.engines.fake import FakeEngine, tone_samples
from audiobook.audio.loudness import integrated_loudness
from audiobook.audio.mp3_frames import JOIN_GAP, join, read_piece
from audiobook.audio.pieces import whole_frames
from audiobook.audio.timeline import Entry, build_timeline, ms_to_samples
from audiobook.config import SAMPLE_RATE, AudioSettings, Pauses
from audiobook.errors import AssemblyError
from audiobook.models import ChapterMark, Clip, Cue, Utterance, VoiceProfile
from tests.conftest import HEROINE, NARRATOR, FakeSource, decode

# Timeline tables use 1000 samples per second, so samples read as milliseconds.
TIMELINE_CASES = [
    pytest.param(
        ["A"], [Entry(0, 0, 100), Entry(0, 50, 200)], 300, 1000,
        [(300, 400), (450, 650)], [("A", 0, 1650)],
        id="one-chapter-lead-in-and-tail",
    ),
    pytest.param(
        ["A"], [Entry(0, 500, 100)], 300, 0,
        [(500, 600)], [("A", 0, 600)],
        id="first-pause-longer-than-lead-in-wins",
    ),
    pytest.param(
        ["A", "B"], [Entry(0, 0, 100), Entry(1, 2500, 100), Entry(1, 250, 100)], 300, 1000,
        [(300, 400), (2900, 3000), (3250, 3350)], [("A", 0, 400), ("B", 400, 4350)],
        id="chapter-starts-at-its-pause",
    ),
    pytest.param(
        ["A", "B", "C"], [Entry(0, 0, 100), Entry(2, 900, 100)], 0, 10,
        [(0, 100), (1000, 1100)], [("A", 0, 100), ("C", 100, 1110)],
        id="chapter-without-clips-has-no-mark",
    ),
    pytest.param(
        ["Front", "One"], [Entry(1, 0, 100)], 300, 0,
        [(300, 400)], [("One", 0, 400)],
        id="first-heard-chapter-starts-at-zero",
    ),
    pytest.param(
        ["A"], [Entry(0, 0, 0), Entry(0, 20, 5)], 0, 0,
        [(0, 0), (20, 25)], [("A", 0, 25)],
        id="empty-clip-keeps-its-place",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("titles", "entries", "lead_in", "tail", "cues", "chapters"), TIMELINE_CASES
)
def test_timeline_arithmetic(
    titles: list[str],
    entries: list[Entry],
    lead_in: int,
    tail: int,
    cues: list[tuple[int, int]],
    chapters: list[tuple[str, int, int]],
) -> None:
    timeline = build_timeline(entries, titles, 1000, lead_in, tail)
    assert [(c.start, c.end) for c in timeline.cues] == cues
    assert timeline.chapters == tuple(ChapterMark(*mark) for mark in chapters)
    assert timeline.total == chapters[-1][2]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "nothing to read aloud"),
        ([Entry(1, 0, 10), Entry(0, 0, 10)], "chapter 1 came after chapter 2"),
        ([Entry(5, 0, 10)], "chapter 6, but the book has 2 chapters"),
        ([Entry(0, -1, 10)], "negative"),
    ],
)
def test_timeline_rejects_impossible_input(entries: list[Entry], message: str) -> None:
    with pytest.raises(AssemblyError, match=message):
        build_timeline(entries, ["A", "B"], 1000)


def test_timeline_ms_rounds_once_at_the_end() -> None:
    timeline = build_timeline([Entry(0, 0, 11025), Entry(0, 1, 1)], ["A"], SAMPLE_RATE)
    assert [(c.start, c.end) for c in timeline.cues] == [(0, 11025), (11026, 11027)]
    assert timeline.ms(11025) == 500 and timeline.ms(11026) == 500 and timeline.ms(11037) == 501


entry_lists = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 3000), st.integers(0, 5000)),
    min_size=1,
    max_size=30,
).map(lambda raw: [Entry(c, p, n) for c, p, n in sorted(raw, key=lambda item: item[0])])


@given(entry_lists, st.integers(0, 1000), st.integers(0, 1000))
def test_timeline_invariants(entries: list[Entry], lead_in: int, tail: int) -> None:
    timeline = build_timeline(entries, ["A", "B", "C", "D"], SAMPLE_RATE, lead_in, tail)
    marks = timeline.chapters
    assert marks[0].start == 0 and marks[-1].end == timeline.total
    assert all(a.end == b.start for a, b in itertools.pairwise(marks))
    assert [m.title for m in marks] == [
        ["A", "B", "C", "D"][c] for c in sorted({e.chapter for e in entries})
    ]
    expected_total = sum(e.pause + e.length for e in entries) + tail
    expected_total += max(0, lead_in - entries[0].pause)
    assert timeline.total == expected_total
    assert all(a.end <= b.start for a, b in itertools.pairwise(timeline.cues))
    for cue, entry in zip(timeline.cues, entries, strict=True):
        assert cue.end - cue.start == entry.length
        mark = next(m for m in marks if m.title == "ABCD"[entry.chapter])
        assert mark.start <= cue.start <= cue.end <= mark.end


# --- clip processing -----------------------------------------------------------


def read_wav_samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def test_trimming_a_fake_clip_keeps_exactly_the_tone_and_the_kept_edges(tmp_path: Path) -> None:
    settings = AudioSettings()
    keep = ms_to_samples(settings.keep_edge_ms, SAMPLE_RATE)
    assert keep == 330
    path = tmp_path / "c.wav"
    FakeEngine().synthesize("four words are here", NARRATOR, path)
    samples = prepare_clip(path, settings)
    assert len(samples) == tone_samples("four words are here", NARRATOR.rate) + 2 * keep
    assert not samples[:keep].any() and not samples[-keep:].any() and samples[keep] != 0


def test_trim_bounds_of_silence_is_empty_and_of_edges_is_clamped() -> None:
    assert trim_bounds(np.zeros(100, dtype=np.int16), -50.0, 10) == (0, 0)
    loud = np.full(100, 20000, dtype=np.int16)
    assert trim_bounds(loud, -50.0, 10) == (0, 100)


def test_prepared_clips_of_different_voices_come_out_equally_loud(tmp_path: Path) -> None:
    settings = AudioSettings()
    quiet = VoiceProfile("quiet", "en-us+m3", rate=175, pitch=20, volume=0.1)
    bright = VoiceProfile("bright", "en-us+f3", rate=175, pitch=90, volume=1.0)
    raw, measured = [], []
    for profile in (quiet, bright):
        path = tmp_path / f"{profile.name}.wav"
        FakeEngine().synthesize("several words spoken here in one voice", profile, path)
        raw.append(integrated_loudness(read_wav_samples(path), SAMPLE_RATE))
        measured.append(integrated_loudness(prepare_clip(path, settings), SAMPLE_RATE))
    assert raw[1] - raw[0] > 15  # as the engine spoke them
    target = settings.loudness_lufs + clips_module.LOUDNESS_OFFSET_LU
    assert measured == pytest.approx([target, target], abs=0.05)


@given(
    st.lists(st.integers(-32768, 32767), max_size=60).map(lambda v: np.array(v, dtype=np.int16)),
    st.integers(1, 8),
)
def test_chunked_trimming_equals_the_whole_array_arithmetic(
    samples: np.ndarray, chunk: int
) -> None:
    threshold = 32768 * 10 ** (-30 / 20)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    whole = (0, 0) if loud.size == 0 else (max(0, loud[0] - 3), min(len(samples), loud[-1] + 4))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clips_module, "CHUNK", chunk)
        assert trim_bounds(samples, -30.0, 3) == whole


def test_clips_are_read_from_any_well_formed_wav(tmp_path: Path) -> None:
    pcm = (np.arange(1000, dtype=np.int16) * 30).tobytes()
    fmt = (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + SAMPLE_RATE.to_bytes(4, "little")
    fmt += (2 * SAMPLE_RATE).to_bytes(4, "little") + (2).to_bytes(2, "little")
    fmt += (16).to_bytes(2, "little")
    chunks = [(b"fmt ", fmt), (b"LIST", b"INFOabc"), (b"data", pcm)]
    body = b"WAVE" + b"".join(
        name + len(data).to_bytes(4, "little") + data + b"\0" * (len(data) & 1)
        for name, data in chunks
    )
    path = tmp_path / "extra-chunks.wav"
    path.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    assert np.array_equal(clips_module.load_clip(path, SAMPLE_RATE), np.frombuffer(pcm, "<i2"))
    path.write_bytes(b"RIFF\0\0\0\0WAVEjunk")
    with pytest.raises(AssemblyError, match=r"cannot be read .*delete it to redo it"):
        clips_module.load_clip(path, SAMPLE_RATE)


# --- encoding ------------------------------------------------------------------


def story() -> list[Utterance]:
    return [
        Utterance("Chapter one.", NARRATOR, None, 0, 0),
        Utterance("It was a dark night.", NARRATOR, None, 0, 250),
        Utterance("Who goes there?", HEROINE, "Ann", 0, 450),
        Utterance("Chapter two.", NARRATOR, None, 1, 2500),
        Utterance("Morning came.", NARRATOR, None, 1, 900),
    ]


def joined(audio: BookAudio, path: Path) -> np.ndarray:
    with path.open("wb") as file:
        join(audio.pieces, file)
    return np.frombuffer(decode(path), dtype="<i2")


KEEP = 330  # samples of silence kept at each trimmed clip edge (15 ms)


def test_assembled_pieces_decode_to_the_timeline(tmp_path: Path, fake_source: FakeSource) -> None:
    audio = assemble(story(), ["One", "Two"], fake_source, tmp_path / "pieces",
                     AudioSettings(), Pauses())
    assert len(audio.pieces) == 2 and audio.encoded == 2
    one, _ = audio.pieces
    lengths = [tone_samples(u.text, u.profile.rate) + 2 * KEEP for u in story()]
    # lead-in 300 ms first; chapter two's own pause is shortened by the least gap the
    # join adds, and starts at the first sample after chapter one's piece.
    starts = [6615]
    starts.append(starts[-1] + lengths[0] + 5512)
    starts.append(starts[-1] + lengths[1] + 9922)
    starts.append(one.samples + 55125 - JOIN_GAP)
    starts.append(starts[-1] + lengths[3] + 19845)
    cues = tuple(
        Cue(start, start + length, u.speaker, u.text)
        for start, length, u in zip(starts, lengths, story(), strict=True)
    )
    assert audio.timeline.cues == cues
    total = whole_frames(cues[-1].end + 22050 - one.samples, SAMPLE_RATE) + one.samples
    assert audio.timeline.total == total
    assert audio.timeline.chapters == (
        ChapterMark("One", 0, cues[2].end),
        ChapterMark("Two", cues[2].end, total),
    )
    # Chapter one's PCM was padded to whole frames; between the chapters is the
    # chapter pause and that padding, less than one frame more.
    assert 55125 <= cues[3].start - cues[2].end < 55125 + 576

    pcm = joined(audio, tmp_path / "book.mp3")
    assert len(pcm) == total, "the Info frame's delay and padding make the length exact"
    for cue in cues:
        onset = cue.start + KEEP
        assert np.abs(pcm[onset - 1500 : onset - 150]).max() < 300, cue.text
        assert np.abs(pcm[onset + 150 : onset + 1500]).max() > 1000, cue.text


def test_long_chapters_are_encoded_in_parts_that_join_exactly(
    tmp_path: Path, fake_source: FakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pieces_module, "PIECE_CHARS", 10)
    pieces = tmp_path / "pieces"
    audio = assemble(story(), ["One", "Two"], fake_source, pieces, AudioSettings(), Pauses())
    # parts begin at paragraphs (pauses of 450 and 900 ms), not at the 250 ms sentence pause
    runs = pieces_module.plan_runs(story(), fake_source.key, AudioSettings(), Pauses())
    assert [len(run.utterances) for run in runs] == [2, 1, 1, 1] and len(audio.pieces) == 4
    cues = audio.timeline.cues
    assert [m.title for m in audio.timeline.chapters] == ["One", "Two"]
    assert audio.timeline.chapters[1].start == cues[2].end
    for before, after, pause in ((cues[1], cues[2], 9922), (cues[3], cues[4], 19845)):
        assert pause <= after.start - before.end < pause + 576
    pcm = joined(audio, tmp_path / "book.mp3")
    assert len(pcm) == audio.timeline.total
    for cue in cues:
        onset = cue.start + KEEP
        assert np.abs(pcm[onset - 1500 : onset - 150]).max() < 300, cue.text
        assert np.abs(pcm[onset + 150 : onset + 1500]).max() > 1000, cue.text

    louder = VoiceProfile("heroine", "en-us+f3", rate=200, pitch=60, volume=0.5)
    changed = [replace(u, profile=louder) if u.speaker == "Ann" else u for u in story()]
    again = assemble(changed, ["One", "Two"], fake_source, pieces, AudioSettings(), Pauses())
    assert again.encoded == 1 and again.pieces[0] == audio.pieces[0]


@pytest.mark.parametrize("samples", [1, 46, 575, 576, 577, 1151, 44444])
def test_pieces_padded_to_whole_frames_meet_with_exactly_the_join_gap(
    tmp_path: Path, samples: int
) -> None:
    piece = tmp_path / "p.mp3"
    padded = whole_frames(samples, SAMPLE_RATE)
    assert padded % 576 == 0 and 0 <= padded - samples < 576
    subprocess.run(
        assemble_module._encoder_command(tools.ffmpeg_exe(), piece, AudioSettings()),
        input=bytes(2 * padded), check=True,
    )  # fmt: skip
    found = read_piece(piece)
    assert found.pcm_samples == padded and found.samples - padded == JOIN_GAP
    assert len(decode(piece)) == 2 * padded


def test_encoded_chapters_are_cached_and_only_changed_ones_encoded_again(
    tmp_path: Path, fake_source: FakeSource
) -> None:
    pieces = tmp_path / "pieces"
    first = assemble(story(), ["One", "Two"], fake_source, pieces, AudioSettings(), Pauses())
    fake_source.asked.clear()
    again = assemble(story(), ["One", "Two"], fake_source, pieces, AudioSettings(), Pauses())
    assert again == BookAudio(first.pieces, first.timeline, encoded=0)
    assert fake_source.asked == []

    louder = VoiceProfile("heroine", "en-us+f3", rate=200, pitch=60, volume=0.5)
    changed = [replace(u, profile=louder) if u.speaker == "Ann" else u for u in story()]
    progress: list[tuple[int, int]] = []
    third = assemble(changed, ["One", "Two"], fake_source, pieces, AudioSettings(), Pauses(),
                     progress=lambda done, total: progress.append((done, total)))
    assert third.encoded == 1 and fake_source.asked == changed[:3]
    assert third.pieces[1] == first.pieces[1] and third.pieces[0] != first.pieces[0]
    assert progress == [(2, 5), (3, 5), (4, 5), (5, 5)]

    other = assemble(story(), ["One", "Two"], fake_source, pieces, AudioSettings(bitrate_kbps=32),
                     Pauses())
    assert other.encoded == 2
    assert leftovers(pieces) == []


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".mp3", ".json")]


def test_a_damaged_piece_in_the_cache_is_encoded_again(
    tmp_path: Path, fake_source: FakeSource
) -> None:
    pieces = tmp_path / "pieces"
    first = assemble(story(), ["One", "Two"], fake_source, pieces, AudioSettings(), Pauses())
    damaged = first.pieces[1].path
    damaged.write_bytes(damaged.read_bytes()[:-100])
    first.pieces[0].path.with_suffix(".json").write_text("{not json")
    again = assemble(story(), ["One", "Two"], fake_source, pieces, AudioSettings(), Pauses())
    assert again.encoded == 2 and again.timeline == first.timeline


def test_ffmpeg_failure_is_an_assembly_error_naming_the_chapter(
    tmp_path: Path, fake_source: FakeSource
) -> None:
    with pytest.raises(AssemblyError, match=r'ffmpeg (could not encode|stopped while encoding) '
                                            r'chapter 1 \("One"\) \(exit status 1\)'):
        assemble(story(), ["One", "Two"], fake_source, tmp_path / "p", AudioSettings(),
                 Pauses(), ffmpeg="false")
    assert leftovers(tmp_path / "p") == []


def test_a_clip_in_the_wrong_format_is_an_assembly_error(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(b"\x00\x00" * 200)

    class Stereo(FakeSource):
        def clips(self, utterances):
            return iter([Clip(u, path) for u in utterances])

    with pytest.raises(AssemblyError, match="2-channel 16-bit 22050 Hz audio, not mono"):
        assemble([Utterance("x", VoiceProfile("p", "en-us"), None, 0, 0)], ["One"],
                 Stereo(tmp_path), tmp_path / "p", AudioSettings(), Pauses())
    assert leftovers(tmp_path / "p") == []
