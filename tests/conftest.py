"""Shared fixtures: voice profiles, and fake-engine clips and clip sources written
in-process (no worker pool)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from audiobook import tools
from audiobook.audio.engines.fake import FakeEngine
from audiobook.audio.synthesize import clip_key, clip_path
from audiobook.models import Clip, Utterance, VoiceProfile

NARRATOR = VoiceProfile("narrator", "en-us+m3", rate=180)
HEROINE = VoiceProfile("heroine", "en-us+f3", rate=200, pitch=60)


class FakeSource:
    """A clip source for assembly: fake-engine clips made in this process, cached in
    ``folder``; ``asked`` records the utterances it was asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[Utterance] = []

    def key(self, utterance: Utterance) -> str:
        return clip_key("fake-1", utterance.profile, utterance.text)

    def clips(self, utterances: Sequence[Utterance]) -> Iterator[Clip]:
        engine = FakeEngine()
        for utterance in utterances:
            self.asked.append(utterance)
            path = clip_path(self.folder, self.key(utterance))
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                engine.synthesize(utterance.text, utterance.profile, path)
            yield Clip(utterance, path)


@pytest.fixture
def fake_source(tmp_path: Path) -> FakeSource:
    return FakeSource(tmp_path / "clips")


def decode(mp3: Path) -> bytes:
    """The MP3 decoded by ffmpeg to mono 16-bit PCM; fails the test on any decoder message."""
    result = subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr, result.stderr.decode(errors="replace")
    return result.stdout


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of espeak-ng itself run where it is pyttsx3's driver (Linux); on Windows
    and macOS the ``engine`` tests exercise SAPI5 and NSSS instead. Tests of POSIX
    processes, permissions and device files do not run on Windows."""
    import sys

    from audiobook.audio.engines import driver_name

    skips = {}
    if driver_name("pyttsx3") != "espeak":
        skips["espeak"] = pytest.mark.skip(reason="pyttsx3's driver here is not espeak")
    if sys.platform == "win32":
        skips["posix"] = pytest.mark.skip(reason="POSIX only")
    for item in items:
        for marker, skip in skips.items():
            if item.get_closest_marker(marker):
                item.add_marker(skip)


DRIVERS = Path(__file__).resolve().parent / "drivers"
TEST_DRIVERS = {"sapi5_like.py": "sapi5_like.py", "nsss_like.py": "nsss_like.py",
                "_tone.py": "_audiobook_tone.py"}  # fmt: skip


@pytest.fixture(scope="session")
def test_drivers() -> Iterator[Path]:
    """The SAPI5-like and NSSS-like drivers, copied into this environment's
    ``pyttsx3/drivers/`` so pyttsx3 imports them by name, in spawned workers too."""
    import shutil

    import pyttsx3

    folder = Path(pyttsx3.__file__).resolve().parent / "drivers"
    placed = []
    for source, name in TEST_DRIVERS.items():
        target = folder / name
        shutil.copyfile(DRIVERS / source, target)
        placed.append(target)
    try:
        yield folder
    finally:
        for target in placed:
            target.unlink(missing_ok=True)

