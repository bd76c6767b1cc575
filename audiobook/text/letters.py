"""Paragraphs that are a letter read out (salutation, body, closing, signature) ->
their span, so that a quoted letter is narration, not a character's speech."""

from __future__ import annotations

import re

from audiobook.text.quotes import (
    Quote,
    whole_quote,
)
from audiobook.text.words import SPEECH_CUES

# Letters: "MY DEAR SIR," / "Dearest Meg," / "Dear Smith,--I have received yours."
_SALUTATION = re.compile(
    r"(?:my\s+)?(?:(?:very|own|dear|dearest|darling|beloved|sweet)\s+)*"
    r"(?:dear|dearest|darling|beloved)\s[^!?;:,\n]{1,40},(?:$|--|—)",
    re.I,
)


_LETTER_HEAD = re.compile(
    r"(?=[^!?]{1,45}$)(?:.*\d|.*\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed"
    r"|thu|fri|sat|sun)[a-z]*\b|(?:[A-Z][\w'-]*[.,]?\s*)+$)"
)


_LETTER_REACH = 12


_LETTER_OPENS = re.compile(r"\b(?:as\s+follows|to\s+this\s+effect)\b")


_CLOSING = re.compile(
    r"(?:(?:i\s+am|i\s+remain|believe\s+me),?\s+)?(?:[^.!?]{0,20},\s+)?"
    r"(?:(?:ever|very|most|always)\s+)*(?:yours|your's)\b[^!?]{0,40}$"
    r"|your\s+(?:(?:very|most|ever)\s+)?(?:affectionate|obliged|sincere|faithful|loving|devoted"
    r"|anxious|humble|obedient|dutiful|grateful|attached|true)\b[^!?]{0,40}$"
    r"|believe\s+me,?$|(?:i\s+am|i\s+remain),[^!?]{0,30}&c\.?$",
    re.I,
)


_SIGNATURE = re.compile(
    r"(?!(?:YES|NO|OH|OK|AH|SO)\.)(?=(?:.*[A-Z]){2})(?:[A-Z][A-Z'\-]*\.?\s*){1,4}\.$"
    r"|[A-Z][a-z]+(?:\s+[A-Z]\.)+\s*[A-Z][a-z]+\.$"
)


_LETTER_CUE = re.compile(
    r"\b(?:letters?|notes?|telegrams?|wires?|messages?|postscript|post-script|cards?|contents"
    r"|documents?|inscription|inscribed|scrawled|written|wrote|writes|indited|penned|read|reads"
    r"|as\s+follows|to\s+this\s+effect|contained\s+(?:only\s+)?(?:the|these)\s+words)\b",
    re.I,
)


def letter_paragraphs(
    text: str, paragraphs: list[tuple[int, int]], found: list[list[Quote]]
) -> set[int]:
    """Paragraphs of a quoted letter, note or telegram, read by the narrator.

    Letters are quoted paragraph by paragraph: place and date lines, a salutation
    ("Dear Sir,", "MY DEAREST LIZZY,"), the body, a closing ("Yours truly,") and a
    signature ("M. J. SCHLEGEL."). Only wholly quoted paragraphs can belong to one,
    and only on strong evidence: a salutation (the letter runs on to its closing or to
    the first paragraph with narration of its own), a closing with its signature, or
    narration announcing a letter ("the following note:"), in which case the letter
    is its first paragraph, or runs on to a closing a few paragraphs on.
    """
    words = [
        whole_quote(text, a, b, quotes) for (a, b), quotes in zip(paragraphs, found, strict=True)
    ]
    out: set[int] = set()
    n = 0
    while n < len(words):
        if words[n] is None:
            n += 1
            continue
        run_end = n
        while run_end < len(words) and words[run_end] is not None:
            run_end += 1
        announced = _announces_letter(text, paragraphs, found, n)
        lines = [w or "" for w in words[n:run_end]]
        k = 0
        while k < len(lines):
            if _SALUTATION.match(lines[k]):
                first = k
                while first > 0 and first - 1 + n not in out and k - first < 3:
                    if not _LETTER_HEAD.match(lines[first - 1]):
                        break
                    first -= 1
                last = _letter_end(lines, k + 1, len(lines))
            elif k == 0 and announced:
                last = _letter_end(lines, 0, min(len(lines), _LETTER_REACH))
                if last == min(len(lines), _LETTER_REACH) and not _signed(lines, last):
                    last = 1 if announced == ":" else 0
                first = 0
            elif _CLOSING.match(lines[k]) or (_SIGNATURE.match(lines[k]) and k + n - 1 in out):
                first, last = k, _letter_end(lines, k, k + 1)
            else:
                first = last = k
            out.update(range(n + first, n + last))
            k = max(last, k + 1)
        n = run_end
    return out


def _letter_end(lines: list[str], k: int, stop: int) -> int:
    """Where a letter from line ``k`` ends: after its closing and signature lines."""
    for m in range(k, stop):
        if _CLOSING.match(lines[m]) or _SIGNATURE.match(lines[m]):
            m += 1
            while m < len(lines) and (_SIGNATURE.match(lines[m]) or _CLOSING.match(lines[m])):
                m += 1
            return m
    return stop


def _signed(lines: list[str], last: int) -> bool:
    return last > 0 and bool(_CLOSING.match(lines[last - 1]) or _SIGNATURE.match(lines[last - 1]))


def _announces_letter(
    text: str, paragraphs: list[tuple[int, int]], found: list[list[Quote]], n: int
) -> str | None:
    """How the narration ending the paragraph before ``n`` introduces a letter: ":"
    when the letter follows at once ("These were the contents:"), "." when it only
    speaks of one ("She took out the letter."), None when it does not."""
    if n == 0:
        return None
    a, b = paragraphs[n - 1]
    quotes = found[n - 1]
    if quotes:
        a = max(a, quotes[-1].outer_end)
    tail = text[max(a, b - 200) : b].rstrip(" -—\n")
    if _SALUTATION.match(tail[tail.rfind("\n") + 1 :].strip()):
        return ":"  # an unquoted salutation line: "MY DEAR MADAM,"
    if not tail.endswith((":", ".")):
        return None
    sentence = re.split(r"[.!?;]\s", tail[:-1])[-1]
    if not _LETTER_CUE.search(sentence) or SPEECH_CUES.search(sentence):
        return None
    if tail.endswith(":"):
        return ":"
    return ":" if _LETTER_OPENS.search(sentence) else "."
