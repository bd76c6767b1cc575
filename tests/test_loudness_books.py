"""Loudness and quality of finished books, measured on the files with ffmpeg's
ebur128 filter (fake engine: voices of very different level and pitch)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode
from mutagen.mp4 import MP4

from audiobook import tools
from audiobook.audio.loudness import ebur128
from tests.conftest import run, vtt_cues

LINE = "every word of this line is spoken at the same steady pace by its voice"
STORY = "\n\n".join(
    ["Chapter 1: Morning", f"The narrator begins, and {LINE}."]
    + [f'"{LINE}," Anna said.', f'"{LINE}," Boris said.', f"The narrator adds that {LINE}."] * 3
    + ["Chapter 2: Evening", f"The narrator again, {LINE}."]
    + [f'"{LINE}," Boris said.', f'"{LINE}," Anna said.'] * 3
) + "\n"

VOICES = {
    "narrator": 'voice = "en-us+m3"\nrole = "narrator"\nvolume = 1.0\npitch = 40\n',
    "whisper": 'voice = "en-us+f3"\nvolume = 0.08\npitch = 90\ngender = "female"\n',
    "shout": 'voice = "en-us+m7"\nvolume = 1.0\npitch = 10\ngender = "male"\n',
}
CAST = (
    'narrator = "narrator"\n\n[[characters]]\nname = "Anna"\nvoice = "whisper"\n\n'
    '[[characters]]\nname = "Boris"\nvoice = "shout"\n'
)


def make(tmp_path: Path, *options: str) -> Path:
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    voices = tmp_path / "voices"
    voices.mkdir(exist_ok=True)
    for name, body in VOICES.items():
        (voices / f"{name}.toml").write_text(body, encoding="utf-8")
    cast = tmp_path / "cast.toml"
    cast.write_text(CAST, encoding="utf-8")
    out = tmp_path / "out"
    result = run("generate", str(story), "-o", str(out), "--engine", "fake", "--voices",
                 str(voices), "--cast", str(cast), "--cache", str(tmp_path / "cache"),
                 *options)  # fmt: skip
    assert result.exit_code == 0, result.output
    return next(p for p in out.iterdir() if p.suffix in (".mp3", ".m4b"))


def pcm_of(path: Path, rate: int) -> np.ndarray:
    raw = subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2")


def voice_loudness(book: Path, rate: int) -> dict[str, float]:
    """Integrated loudness of the audio under each speaker's cues, joined."""
    pcm = pcm_of(book, rate)
    spans: dict[str, list[np.ndarray]] = {}
    for start, end, who, _ in vtt_cues(book.with_suffix(".vtt")):
        spans.setdefault(who, []).append(pcm[start * rate // 1000 : end * rate // 1000])
    raw = ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
    return {
        who: ebur128(raw, np.concatenate(parts).tobytes()).integrated_lufs
        for who, parts in spans.items()
    }


def test_default_book_is_at_minus_19_lufs_with_true_peak_under_minus_1_5(tmp_path: Path) -> None:
    book = make(tmp_path)
    measured = ebur128(["-i", str(book)])
    assert -20.0 <= measured.integrated_lufs <= -18.0
    assert measured.true_peak_dbtp <= -1.5
    voices = voice_loudness(book, 22050)
    assert set(voices) == {"Narrator", "Anna", "Boris"}
    # Anna's voice is 22 dB quieter in the engine than Boris's: matched, it is not.
    assert max(voices.values()) - min(voices.values()) <= 2.0, voices


def test_loudness_and_true_peak_options_reach_the_file(tmp_path: Path) -> None:
    book = make(tmp_path, "--loudness", "-16", "--true-peak", "-3")
    measured = ebur128(["-i", str(book)])
    assert -17.0 <= measured.integrated_lufs <= -15.0
    assert measured.true_peak_dbtp <= -3.0


def test_high_quality_is_44100_hz_192_kbps_cbr_with_chapters_on_the_audio(tmp_path: Path) -> None:
    book = make(tmp_path, "--quality", "high")
    info = MP3(book).info
    assert (info.sample_rate, info.bitrate, info.bitrate_mode) == (44100, 192000, BitrateMode.CBR)
    pcm = pcm_of(book, 44100)
    chapters = sorted(ID3(book).getall("CHAP"), key=lambda c: c.start_time)
    titles = [c.sub_frames["TIT2"].text[0] for c in chapters]
    assert titles == ["Chapter 1: Morning", "Chapter 2: Evening"]
    assert abs(len(pcm) * 1000 // 44100 - chapters[-1].end_time) <= 30
    # Each cue holds sound, and between the chapters is the chapter pause, silent.
    cues = vtt_cues(book.with_suffix(".vtt"))
    for start, end, _, _ in cues:
        assert np.abs(pcm[start * 44100 // 1000 : end * 44100 // 1000]).max() > 1000
    last_of_first = max(c[1] for c in cues if c[1] <= chapters[1].start_time)
    first_of_second = min(c[0] for c in cues if c[0] >= chapters[1].start_time)
    assert 2500 - 2 <= first_of_second - last_of_first <= 2500 + 30  # a frame where pieces meet
    gap = pcm[(last_of_first + 50) * 44100 // 1000 : (first_of_second - 50) * 44100 // 1000]
    assert np.abs(gap.astype(np.int32)).max() < 50
    measured = ebur128(["-i", str(book)])
    assert -20.0 <= measured.integrated_lufs <= -18.0 and measured.true_peak_dbtp <= -1.5


@pytest.mark.parametrize(("quality", "rate"), [("compact", 22050), ("high", 44100)])
def test_m4b_follows_the_quality_preset(tmp_path: Path, quality: str, rate: int) -> None:
    book = make(tmp_path, "--format", "m4b", "--quality", quality)
    assert MP4(book).info.sample_rate == rate
    measured = ebur128(["-i", str(book)])
    assert -20.0 <= measured.integrated_lufs <= -18.0 and measured.true_peak_dbtp <= -1.5
