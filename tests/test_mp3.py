"""MP3 frames and the Info tag: header parsing, CRC-16 and its combination, and pieces
joined into one stream whose Info frame and decoded length are exact."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiobook import tools
from audiobook.audio.assemble import _encoder_command
from audiobook.audio.mp3_frames import (
    JOIN_GAP,
    crc16,
    crc16_combine,
    frame_samples,
    join,
    parse_header,
    read_piece,
)
from audiobook.config import QUALITIES, AudioSettings
from audiobook.errors import AssemblyError
from tests.conftest import decode


def test_crc16_is_crc16_arc() -> None:
    assert crc16(b"123456789") == 0xBB3D  # the catalogue check value of CRC-16/ARC
    assert crc16(b"") == 0


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc16_combine_equals_the_crc_of_the_concatenation(a: bytes, b: bytes) -> None:
    assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)


def test_crc16_combine_over_a_long_run() -> None:
    a, b = b"\x01\x02\x03", bytes(range(256)) * 200
    assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)


@pytest.mark.parametrize(
    ("header", "fields"),
    [
        ("fff380c0", (False, 22050, 64, True, 208, 576, 13)),  # our own output
        ("fff382c0", (False, 22050, 64, True, 209, 576, 13)),  # with a padding byte
        ("fffb9064", (True, 44100, 128, False, 417, 1152, 36)),  # MPEG-1 stereo
    ],
)
def test_parse_header(header: str, fields: tuple) -> None:
    found = parse_header(bytes.fromhex(header))
    assert found is not None
    assert (found.mpeg1, found.sample_rate, found.bitrate_kbps, found.mono, found.size,
            found.samples, found.tag_offset) == fields  # fmt: skip


@pytest.mark.parametrize("header", ["00000000", "fff180c0", "fff3f0c0", "fff38cc0", "fff3"])
def test_parse_header_rejects_what_is_not_a_layer_3_frame(header: str) -> None:
    assert parse_header(bytes.fromhex(header)) is None


def encode(path: Path, pcm: np.ndarray, settings: AudioSettings | None = None) -> Path:
    command = _encoder_command(tools.ffmpeg_exe(), path, settings or AudioSettings())
    subprocess.run(command, input=pcm.astype("<i2").tobytes(), check=True)
    return path


def tone(samples: int, start: int, length: int) -> np.ndarray:
    pcm = np.zeros(samples, dtype=np.int16)
    pcm[start : start + length] = np.where(np.arange(length) // 50 % 2, 8000, -8000)
    return pcm


def test_joined_pieces_decode_gaplessly_with_an_exact_info_frame(tmp_path: Path) -> None:
    lengths = [576 * 52, 576 * 77, 576 * 21]
    pieces = [
        read_piece(encode(tmp_path / f"p{i}.mp3", tone(n, 5000, n - 10000)))
        for i, n in enumerate(lengths)
    ]
    assert [p.pcm_samples for p in pieces] == lengths
    book = tmp_path / "book.mp3"
    with book.open("wb") as file:
        join(pieces, file)

    info = read_piece(book)
    assert info.frames == sum(p.frames for p in pieces)
    assert info.size == book.stat().st_size
    assert (info.delay, info.padding) == (pieces[0].delay, pieces[-1].padding)
    assert info.music_crc == crc16(book.read_bytes()[len(info.info):])
    tag = bytearray(info.info[:190])
    tag[13 + 154 : 13 + 156] = b"\0\0"
    assert info.info[13 + 154 : 13 + 156] == crc16(bytes(tag)).to_bytes(2, "big")

    pcm = np.frombuffer(decode(book), dtype="<i2")
    assert len(pcm) == info.pcm_samples == sum(p.samples for p in pieces[:-1]) + lengths[-1]
    start = 0
    for piece, n in zip(pieces, lengths, strict=True):
        # each piece's tone is where its frames begin, 5000 samples in
        assert np.abs(pcm[start + 4000 : start + 4900]).max() < 200
        assert np.abs(pcm[start + 5100 : start + n - 5100]).min() > 4000
        start += piece.samples


@pytest.mark.parametrize("quality", ["compact", "high"])
def test_the_join_gap_holds_at_both_book_rates(tmp_path: Path, quality: str) -> None:
    # Pieces whose PCM fills whole frames (576 samples at 22,050 Hz, 1,152 at 44,100)
    # are parted in the joined book by LAME's delay and one frame of padding: together
    # JOIN_GAP samples at either rate, which plan_runs takes off the pause between them.
    settings = QUALITIES[quality]
    size = frame_samples(settings.sample_rate)
    lengths = [size * 40, size * 23]
    pieces = [
        read_piece(encode(tmp_path / f"p{i}.mp3", tone(n, 2000, n - 4000), settings))
        for i, n in enumerate(lengths)
    ]
    assert all(p.delay + p.padding == JOIN_GAP for p in pieces)
    book = tmp_path / "book.mp3"
    with book.open("wb") as file:
        join(pieces, file)
    pcm = np.frombuffer(decode(book), dtype="<i2")
    assert len(pcm) == sum(lengths) + JOIN_GAP
    # the second tone begins JOIN_GAP samples after the first piece's PCM ends
    second = lengths[0] + JOIN_GAP + 2000
    assert np.abs(pcm[second - 900 : second - 100]).max() < 200
    assert np.abs(pcm[second + 100 : second + 900]).min() > 4000


def test_pieces_that_are_not_ours_are_rejected(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"ID3\x03" + bytes(100))
    with pytest.raises(AssemblyError, match="does not start with an MP3 frame"):
        read_piece(junk)
    plain = tmp_path / "plain.mp3"
    subprocess.run([*_encoder_command(tools.ffmpeg_exe(), plain, AudioSettings())[:-4],
                    "-write_xing", "0", "-f", "mp3", "-y", str(plain)],
                   input=bytes(2 * 576 * 4), check=True)  # fmt: skip
    with pytest.raises(AssemblyError, match="has no Info frame"):
        read_piece(plain)
    good = encode(tmp_path / "good.mp3", np.zeros(576 * 4, dtype=np.int16))
    good.write_bytes(good.read_bytes()[:-10])
    with pytest.raises(AssemblyError, match="but its Info frame says"):
        read_piece(good)
