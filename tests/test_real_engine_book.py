"""A seed story through the whole pipeline with the real engine (espeak-ng via pyttsx3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from audiobook.audio.loudness import ebur128
from audiobook.config import SAMPLE_RATE, Config
from audiobook.pipeline import generate
from tests.conftest import SEED0, decode, f0_hz, vtt_cues


@pytest.mark.engine
@pytest.mark.espeak
def test_seed_story_with_real_voices(tmp_path: Path) -> None:
    cast = tmp_path / "cast.toml"
    cast.write_text(
        'narrator = "narrator"\n\n[[characters]]\nname = "Sasuke"\ngender = "male"\n'
        'voice = "young_woman"\n\n[[characters]]\nname = "Naruto"\ngender = "male"\n',
        encoding="utf-8",
    )
    config = Config(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", cast_file=cast, jobs=2)
    result = generate(SEED0, config)
    pcm = np.frombuffer(decode(result.mp3), dtype=np.int16)
    chapters = sorted(ID3(result.mp3).getall("CHAP"), key=lambda c: c.start_time)
    assert len(chapters) == 3
    assert abs(len(pcm) * 1000 // SAMPLE_RATE - chapters[-1].end_time) <= 60

    def pitch(start_ms: int, end_ms: int) -> float:
        return f0_hz(pcm[start_ms * SAMPLE_RATE // 1000 : end_ms * SAMPLE_RATE // 1000])

    cues = vtt_cues(result.vtt)
    narration = [pitch(s, e) for s, e, who, text in cues if who == "Narrator" and len(text) > 60]
    love = next((s, e) for s, e, who, text in cues if text == "I love you, dobe.")
    assert next(who for _, _, who, text in cues if text == "I love you, dobe.") == "Sasuke"
    # Sasuke is cast with a female voice here, so his line must sound clearly higher
    # than the male narrator: the profile really reached the engine.
    assert pitch(*love) > 1.5 * float(np.median(narration))
    assert 70 < float(np.median(narration)) < 130

    # Loudness of the finished file, by ffmpeg: the book at -19 LUFS with true peaks
    # under -1.5 dBTP, and the narrator and the characters' voices level with each other.
    measured = ebur128(["-i", str(result.mp3)])
    assert -20.0 <= measured.integrated_lufs <= -18.0, measured
    assert measured.true_peak_dbtp <= -1.5, measured
    raw = ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]

    def voice(names: set[str]) -> float:
        parts = [pcm[s * SAMPLE_RATE // 1000 : e * SAMPLE_RATE // 1000]
                 for s, e, name, _ in cues if name in names]  # fmt: skip
        return ebur128(raw, np.concatenate(parts).tobytes()).integrated_lufs

    narrator = voice({"Narrator"})
    characters = voice({name for _, _, name, _ in cues} - {"Narrator"})
    assert abs(narrator - characters) <= 2.0, (narrator, characters)
