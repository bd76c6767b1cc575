"""The Piper engine: neural voices (VITS models in ONNX, run by onnxruntime on the CPU).

``piper_voices`` finds the models and describes them; this module speaks with them.
A profile's rate sets Piper's ``length_scale`` (175 words a minute is the model's
own pace) and its variation the two noise settings; Piper has no pitch.

``PiperEngine`` lives in a synthesis worker: it loads each model once, on its
first clip, into an onnxruntime session with one thread (the workers are the
parallelism), and writes each clip sentence by sentence as Piper yields them,
resampled from the model's rate to the clips' rate. Piper embeds its own
espeak-ng, so it must not share a process with pyttsx3's espeak driver (together
they crash); the synthesis pool keeps one set of workers per engine.
"""

from __future__ import annotations

import json
import logging
import re
import wave
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.audio.engines.piper_voices import (
    NEEDS_EXTRA,
    PiperModel,
    download_command,
    find_models,
    find_voice,
    installed,
    piper_catalog,
)
from audiobook.config import SAMPLE_RATE
from audiobook.errors import EngineError
from audiobook.models import PIPER, EngineVoice, VoiceProfile

REVISION = 3
"""Raised whenever our way of driving Piper changes what it writes, so clips made the
old way are not reused (3: long sentences are spoken in clauses)."""

REFERENCE_RATE = 175
"""The words a minute a profile's rate means at Piper's own pace (``length_scale``
1.0 in most models' settings): the profiles' default rate."""

DURATION_EXPONENT = 1.35
"""Speech lasts about ``length_scale ** 0.74`` times as long, not ``length_scale``
times: Piper rounds each phoneme up to whole frames and some pauses do not scale
(measured on en_US-joe-medium, 18 sentences at 0.7 and 1.5: 0.71 and 0.77). So the
rate asked for is raised to this power (1 / 0.74) to make durations follow it."""

SENTENCE_GAP_S = 0.25
"""Silence between the sentences of one clip: Piper speaks each sentence on its own
and yields it without the pause espeak-ng leaves at a full stop."""

CLAUSE_GAP_S = 0.12
"""Silence where a long sentence was cut at a clause mark (see ``PIECE_CHARS``)."""

PIECE_CHARS = 180
"""Longest text given to Piper at once at its own pace (``length_scale`` 1.0; at
other speeds the limit is this divided by ``length_scale``). A worker's memory grows
with the audio of the longest sentence it speaks, about 140 MB and 20 MB per second
(measured on en_US-joe-medium: 312 MB for 9 s, 801 MB for 33 s), and onnxruntime's
memory arena keeps what it once took, so longer sentences are spoken a clause at a
time: 180 characters are about 10 s of speech."""

_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


def scales(profile: VoiceProfile, model: PiperModel) -> tuple[float, float, float]:
    """(length_scale, noise_scale, noise_w) for ``profile`` on ``model``: the rate sets
    the length, so that speech lasts ``REFERENCE_RATE / rate`` times as long as at the
    model's own pace; variation 0.0-1.0 scales the model's noise settings by 0.5 to
    1.5 (0.5 keeps them)."""
    length = model.length_scale * (REFERENCE_RATE / max(1, profile.rate)) ** DURATION_EXPONENT
    noise = 0.5 + min(1.0, max(0.0, profile.variation))
    return length, model.noise_scale * noise, model.noise_w * noise


class PiperEngine:
    """Speaks with the Piper voices in ``folders``; loads each model once."""

    name = PIPER

    def __init__(self, folders: tuple[Path, ...]) -> None:
        if not installed():
            raise EngineError(NEEDS_EXTRA)
        # Piper and onnxruntime report to the log and stderr; the user's terminal is
        # for the tool's own lines, and a problem reaches it as an EngineError.
        logging.getLogger("piper").setLevel(logging.CRITICAL)
        self.folders = folders
        self.models = find_models(folders)
        self.loaded: dict[tuple[Path, int, int], Any] = {}
        """Models loaded, by file and its size and time (a model replaced is new)."""

    def voices(self) -> tuple[EngineVoice, ...]:
        return piper_catalog(self.folders).voices

    def _load(self, model: PiperModel) -> Any:
        try:
            status = model.path.stat()
        except OSError as exc:
            raise EngineError(
                f"The Piper voice {model.path} cannot be read ({exc.strerror})."
            ) from None
        key = (model.path, status.st_size, status.st_mtime_ns)
        voice = self.loaded.get(key)
        if voice is not None:
            return voice
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 4  # fatal only: problems come back as exceptions
        onnxruntime.set_default_logger_severity(4)
        try:
            settings = PiperConfig.from_dict(json.loads(model.config_path.read_bytes()))
            session = onnxruntime.InferenceSession(
                str(model.path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise EngineError(
                f"The Piper voice {model.path} cannot be loaded ({reason}); it may be damaged: "
                f"fetch it again with {download_command(model.path.parent, model.name)}"
            ) from None
        voice = PiperVoice(session=session, config=settings)
        self.loaded[key] = voice
        return voice

    def piece_chars(self, profile: VoiceProfile) -> int:
        """The longest text to give Piper at once for ``profile`` (``PIECE_CHARS`` at
        the model's own pace): the synthesis worker cuts longer text at clause marks."""
        model, _ = find_voice(self.folders, profile.voice, self.models)
        return max(40, round(PIECE_CHARS / scales(profile, model)[0]))

    def pause_after(self, piece: str) -> int:
        """Samples of silence after ``piece`` where the worker cut the text there."""
        gap = SENTENCE_GAP_S if _ENDS_SENTENCE.search(piece) else CLAUSE_GAP_S
        return round(gap * SAMPLE_RATE)

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        """Speak ``text`` into ``out``, sentence by sentence as Piper makes them, with
        ``SENTENCE_GAP_S`` between sentences."""
        from piper.config import SynthesisConfig

        model, speaker = find_voice(self.folders, profile.voice, self.models)
        voice = self._load(model)
        length, noise, noise_w = scales(profile, model)
        config = SynthesisConfig(
            speaker_id=speaker, length_scale=length, noise_scale=noise, noise_w_scale=noise_w,
            volume=profile.volume,
        )  # fmt: skip
        resample = _resampler(model.sample_rate)
        gap = np.zeros(round(SENTENCE_GAP_S * model.sample_rate), dtype=np.int16)
        with wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(SAMPLE_RATE)
            for index, chunk in enumerate(voice.synthesize(text, config)):
                if index:
                    wav.writeframes(resample(gap, False))
                samples = np.asarray(chunk.audio_int16_array, dtype=np.int16)
                if chunk.sample_channels != 1 or chunk.sample_rate != model.sample_rate:
                    raise EngineError(
                        f"Piper gave {chunk.sample_channels}-channel {chunk.sample_rate} Hz "
                        f"audio for {model.name}, whose settings say {model.sample_rate} Hz."
                    )
                wav.writeframes(resample(samples, False))
            wav.writeframes(resample(np.zeros(0, dtype=np.int16), True))


def _resampler(rate: int) -> Any:
    """A function (samples, last) -> bytes at the clips' rate, streaming from ``rate``."""
    if rate == SAMPLE_RATE:
        return lambda samples, last: samples.tobytes()
    try:
        import soxr
    except ImportError:
        raise EngineError(NEEDS_EXTRA) from None
    stream = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="int16", quality="HQ")
    return lambda samples, last: stream.resample_chunk(samples, last=last).tobytes()
