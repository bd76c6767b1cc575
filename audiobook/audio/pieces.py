"""Utterances -> runs of clips encoded as one piece (a chapter, or part of a long one),
each cached by a key of everything that shapes its audio."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audiobook.audio import loudness
from audiobook.audio.clips import ENCODER_HEADROOM_DB, LOUDNESS_OFFSET_LU
from audiobook.audio.mp3_frames import JOIN_GAP, Piece, frame_samples, read_piece
from audiobook.audio.timeline import ms_to_samples
from audiobook.config import SAMPLE_RATE, AudioSettings, Pauses
from audiobook.errors import AssemblyError, os_reason
from audiobook.models import Utterance

PIECE_FORMAT = 3
"""Part of every piece key: raise it when the way pieces are made changes."""


@dataclass(frozen=True)
class Run:
    """The utterances of one chapter, or of a part of one, which become one piece."""

    chapter: int
    utterances: tuple[Utterance, ...]
    pauses: tuple[int, ...]
    """Samples of silence before each clip (the book's lead-in included)."""
    tail: int
    """Samples of silence after the last clip (the book's tail, in the last run)."""
    key: str


def piece_key(
    clip_keys: Sequence[str], pauses: Sequence[int], tail: int, settings: AudioSettings
) -> str:
    """What a piece sounds like: its clips, its silences and the audio settings."""
    levelling = [LOUDNESS_OFFSET_LU, ENCODER_HEADROOM_DB, *loudness.tunables()]
    payload = json.dumps(
        [PIECE_FORMAT, levelling, dataclasses.asdict(settings), list(clip_keys), list(pauses), tail]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def plan_runs(
    utterances: Sequence[Utterance],
    clip_key: Callable[[Utterance], str],
    settings: AudioSettings,
    pauses: Pauses,
) -> list[Run]:
    """Split the book into runs, each encoded as one piece, with every silence in samples.

    A run is a chapter, or a part of a long chapter (see ``PIECE_CHARS``).
    """
    rate = settings.sample_rate
    chapters: list[list[Utterance]] = []
    for utterance in utterances:
        if chapters and chapters[-1][0].chapter == utterance.chapter:
            chapters[-1].append(utterance)
        else:
            chapters.append([utterance])
    paragraph = min(pauses.turn_ms, pauses.paragraph_ms)
    groups = [part for chapter in chapters for part in _parts(chapter, paragraph)]
    runs = []
    for index, group in enumerate(groups):
        silences = [ms_to_samples(u.pause_before_ms, rate) for u in group]
        if index == 0:
            silences[0] = max(silences[0], ms_to_samples(pauses.lead_in_ms, rate))
        else:
            # Where two pieces meet, the encoder's delay and padding already add at
            # least JOIN_GAP samples of silence (at most a frame more).
            silences[0] = max(0, silences[0] - JOIN_GAP)
        tail = ms_to_samples(pauses.tail_ms, rate) if index == len(groups) - 1 else 0
        key = piece_key([clip_key(u) for u in group], silences, tail, settings)
        runs.append(Run(group[0].chapter, tuple(group), tuple(silences), tail, key))
    return runs


PIECE_CHARS = 10_000
"""A chapter with more text than this (some ten minutes of speech) is encoded in parts,
split where a paragraph begins: the encoders share the work more evenly, a book
without chapters still uses every core, and a change re-encodes only its part."""


def _parts(chapter: list[Utterance], paragraph_ms: int) -> list[list[Utterance]]:
    """``chapter`` in parts of about ``PIECE_CHARS``, each starting at a paragraph (or,
    in a paragraph twice that long, at a sentence). A part depends only on the text
    before it in the chapter, so a changed voice moves no boundary."""
    parts: list[list[Utterance]] = [[]]
    size = 0
    for utterance in chapter:
        pause = utterance.pause_before_ms
        if parts[-1] and (
            (size >= PIECE_CHARS and pause >= paragraph_ms)
            or (size >= 2 * PIECE_CHARS and pause * SAMPLE_RATE >= 1000 * JOIN_GAP)
        ):
            parts.append([])
            size = 0
        parts[-1].append(utterance)
        size += len(utterance.text)
    return parts


class PieceStore:
    """Encoded pieces in the cache: ``<key>.mp3`` and ``<key>.json`` (clip lengths).

    The JSON is renamed into place before the MP3, and a piece counts as present
    only when both are there and agree, so a run stopped at any point, or two runs
    writing the same piece at once, never leave a piece that is wrong.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.mp3"

    def load(self, run: Run) -> tuple[Piece, tuple[int, ...]] | None:
        mp3 = self.path(run.key)
        try:
            lengths = tuple(json.loads(mp3.with_suffix(".json").read_text("utf-8"))["lengths"])
            piece = read_piece(mp3)
        except (OSError, ValueError, KeyError, TypeError, AssemblyError):
            return None
        if len(lengths) != len(run.pauses) or not all(isinstance(n, int) for n in lengths):
            return None
        written = sum(run.pauses) + sum(lengths) + run.tail
        if piece.pcm_samples != whole_frames(written, piece.header.sample_rate):
            return None
        return piece, lengths

    def save(self, key: str, encoded: Path, lengths: Sequence[int]) -> Piece:
        """Move the freshly encoded ``encoded`` (beside its place) into the store."""
        mp3 = self.path(key)
        meta = mp3.with_suffix(".json")
        meta_tmp = meta.with_name(f".{meta.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            meta_tmp.write_text(json.dumps({"lengths": list(lengths)}), encoding="utf-8")
            os.replace(meta_tmp, meta)
            os.replace(encoded, mp3)
        except OSError as exc:
            raise AssemblyError(
                f"Cannot write to the cache folder {self.folder} ({os_reason(exc)})."
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                meta_tmp.unlink()
        return dataclasses.replace(read_piece(mp3), path=mp3)


def whole_frames(samples: int, sample_rate: int) -> int:
    """``samples`` rounded up to whole MP3 frames (at least one), as pieces are padded."""
    size = frame_samples(sample_rate)
    return max(size, -(-samples // size) * size)
