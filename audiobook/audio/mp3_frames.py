"""MP3 pieces -> one gapless MP3 stream: frame headers, the Info (LAME) tag, CRC-16.

Each chapter is encoded on its own by ffmpeg's libmp3lame, which writes an Info
frame (frame count, byte count, encoder delay and padding, CRCs) and then the
audio frames. MP3 frames from independent encodes may be concatenated, and a
decoder that reads the Info tag drops the delay at the start and the padding at
the end of the whole stream. So in the joined stream the PCM of piece ``i``
starts exactly ``samples_per_frame * (frames of pieces 0..i-1)`` samples in, and
piece ``i`` occupies its frames' worth of samples: its own PCM, then its padding
and the next piece's delay (near-silence, as pieces end and start in pauses).
Only the last piece's padding is dropped.

libmp3lame through ffmpeg reports the padding exactly when the PCM fills whole
frames; for some other lengths (a remainder of up to 46 samples) it reports less
than it wrote, so assembly pads every piece's PCM to whole frames.

``join`` writes one Info frame, patched from the first piece's, and every piece's
audio frames after it.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audiobook.errors import AssemblyError, os_reason

JOIN_GAP = 2 * 576
"""Samples between the PCM of two joined pieces when each piece's PCM fills whole
frames: LAME's encoder delay (576) and the padding it reports (576), at 22,050 Hz
(576-sample frames) and at 44,100 Hz (1,152-sample frames) alike, as measured
(tests/test_mp3.py)."""


def frame_samples(sample_rate: int) -> int:
    """Samples per Layer III frame: 1152 for MPEG-1 rates (32 kHz and up), else 576."""
    return 1152 if sample_rate >= 32000 else 576

_BITRATES_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {
    3: (44100, 48000, 32000),  # MPEG-1
    2: (22050, 24000, 16000),  # MPEG-2
    0: (11025, 12000, 8000),  # MPEG-2.5
}

# Offsets inside the Xing/Info tag, from its "Info" marker, when all four Xing
# fields are present and a LAME extension follows (as libmp3lame via ffmpeg writes).
_FLAGS_ALL = 0x0F
_FRAMES, _BYTES, _TOC, _LAME = 8, 12, 16, 120
_DELAY_PADDING, _MUSIC_LENGTH, _MUSIC_CRC, _TAG_CRC = 141, 148, 152, 154
_TAG_CRC_SPAN = 190
"""The tag CRC covers the frame's first 190 bytes (with the CRC field itself zeroed),
or all of a smaller frame."""


@dataclass(frozen=True)
class FrameHeader:
    """The fields of a Layer III frame header this module needs."""

    mpeg1: bool
    sample_rate: int
    bitrate_kbps: int
    mono: bool
    size: int
    """Bytes in the frame, header included."""

    @property
    def samples(self) -> int:
        """Samples per frame: 1152 for MPEG-1, 576 for MPEG-2 and 2.5."""
        return 1152 if self.mpeg1 else 576

    @property
    def tag_offset(self) -> int:
        """Where a Xing/Info tag starts: after the header and the side information."""
        side = (32 if not self.mono else 17) if self.mpeg1 else (17 if not self.mono else 9)
        return 4 + side


def parse_header(data: bytes) -> FrameHeader | None:
    """The Layer III frame header in the first 4 bytes of ``data``, or None."""
    if len(data) < 4:
        return None
    (word,) = struct.unpack(">I", data[:4])
    version = (word >> 19) & 3
    layer = (word >> 17) & 3
    bitrate_index = (word >> 12) & 15
    rate_index = (word >> 10) & 3
    if (word >> 21) != 0x7FF or version == 1 or layer != 1:
        return None
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _BITRATES_KBPS[1 if mpeg1 else 2][bitrate_index]
    rate = _SAMPLE_RATES[version][rate_index]
    padding = (word >> 9) & 1
    size = (144 if mpeg1 else 72) * bitrate * 1000 // rate + padding
    return FrameHeader(mpeg1, rate, bitrate, ((word >> 6) & 3) == 3, size)


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (reflected 0x8005, as the LAME tag uses), continued from ``crc``."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _apply(matrix: Sequence[int], vector: int) -> int:
    result, bit = 0, 0
    while vector:
        if vector & 1:
            result ^= matrix[bit]
        vector >>= 1
        bit += 1
    return result


def crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """crc16(a + b) from crc16(a), crc16(b) and len(b), without the data.

    With a zero initial value the CRC is linear, so crc(a + b) is crc(a) carried
    through ``length_b`` zero bytes, xor crc(b). Carrying is a 16x16 bit matrix,
    raised to the power by squaring (as zlib's crc32_combine does).
    """
    matrix = [crc16(b"\0", 1 << bit) for bit in range(16)]  # one zero byte
    n = length_b
    while n:
        if n & 1:
            crc_a = _apply(matrix, crc_a)
        matrix = [_apply(matrix, column) for column in matrix]
        n >>= 1
    return crc_a ^ crc_b


@dataclass(frozen=True)
class Piece:
    """One independently encoded MP3 (a chapter), as ``read_piece`` found it."""

    path: Path
    header: FrameHeader
    info: bytes
    """The Info frame, which ``join`` uses as the template for the book's."""
    frames: int
    """Audio frames after the Info frame."""
    delay: int
    padding: int
    music_crc: int
    size: int
    """Bytes in the file, Info frame included."""

    @property
    def samples(self) -> int:
        """Samples the piece's frames decode to, delay and padding included."""
        return self.frames * self.header.samples

    @property
    def pcm_samples(self) -> int:
        """Samples of the PCM that was encoded: frames less delay and padding."""
        return self.samples - self.delay - self.padding


def read_piece(path: Path) -> Piece:
    """Check and describe an MP3 written by ffmpeg's libmp3lame with its Info frame."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(4)
            header = parse_header(head)
            if header is None:
                raise AssemblyError(f"{path} does not start with an MP3 frame.")
            info = head + file.read(header.size - 4)
    except OSError as exc:
        raise AssemblyError(f"{path} cannot be read ({os_reason(exc)}).") from exc
    at = header.tag_offset
    if len(info) < at + _TAG_CRC + 2 or info[at : at + 4] not in (
        b"Info",
        b"Xing",
    ):
        raise AssemblyError(f"{path} has no Info frame; it was not written by this program.")
    (flags,) = struct.unpack(">I", info[at + 4 : at + 8])
    if flags & _FLAGS_ALL != _FLAGS_ALL:
        raise AssemblyError(f"{path} has an Info frame without frame and byte counts.")

    def number(offset: int, width: int) -> int:
        return int.from_bytes(info[at + offset : at + offset + width], "big")

    delay_padding = number(_DELAY_PADDING, 3)
    piece = Piece(
        path=path,
        header=header,
        info=info,
        frames=number(_FRAMES, 4),
        delay=delay_padding >> 12,
        padding=delay_padding & 0xFFF,
        music_crc=number(_MUSIC_CRC, 2),
        size=size,
    )
    if number(_BYTES, 4) != size:
        raise AssemblyError(f"{path} is {size} bytes, but its Info frame says {number(_BYTES, 4)}.")
    return piece


def joined_info(pieces: Sequence[Piece]) -> bytes:
    """The Info frame for ``pieces`` played one after another, patched from the first's."""
    first, last = pieces[0], pieces[-1]
    for piece in pieces[1:]:
        same = (piece.header.mpeg1, piece.header.sample_rate, piece.header.mono)
        if same != (first.header.mpeg1, first.header.sample_rate, first.header.mono):
            raise AssemblyError(f"{piece.path} is not in the same MP3 format as {first.path}.")
        if piece.delay != first.delay:
            raise AssemblyError(
                f"{piece.path} has an encoder delay of {piece.delay} samples, not {first.delay}."
            )
    frames = sum(piece.frames for piece in pieces)
    size = len(first.info) + sum(piece.size - len(piece.info) for piece in pieces)
    crc = pieces[0].music_crc
    for piece in pieces[1:]:
        crc = crc16_combine(crc, piece.music_crc, piece.size - len(piece.info))
    at = first.header.tag_offset
    info = bytearray(first.info)

    def put(offset: int, value: int, width: int) -> None:
        info[at + offset : at + offset + width] = value.to_bytes(width, "big")

    put(_FRAMES, frames, 4)
    put(_BYTES, size, 4)
    # A constant bitrate stream is evenly spread: i% of the time is i% of the bytes.
    info[at + _TOC : at + _TOC + 100] = bytes(min(255, 256 * i // 100) for i in range(100))
    put(_DELAY_PADDING, (first.delay << 12) | last.padding, 3)
    put(_MUSIC_LENGTH, size, 4)
    put(_MUSIC_CRC, crc, 2)
    put(_TAG_CRC, 0, 2)
    put(_TAG_CRC, crc16(bytes(info[:_TAG_CRC_SPAN])), 2)
    return bytes(info)


def join(pieces: Sequence[Piece], out: BinaryIO) -> None:
    """Write ``pieces`` to ``out`` as one MP3 stream with one Info frame."""
    if not pieces:
        raise AssemblyError("There is no audio to join.")
    out.write(joined_info(pieces))
    for piece in pieces:
        try:
            with piece.path.open("rb") as file:
                file.seek(len(piece.info))
                shutil.copyfileobj(file, out, 1 << 20)
        except FileNotFoundError as exc:
            raise AssemblyError(
                f"The encoded chapter {piece.path} disappeared from the cache while it was "
                "being joined; run again."
            ) from exc
