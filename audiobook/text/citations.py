"""Quotes nobody speaks -> narration: cited passages and epigraphs with their source line,
and notices and inscriptions whose only "speaker" is a written object."""

from __future__ import annotations

import re

from audiobook.text.quotes import DASHES, Quote
from audiobook.text.words import SPEECH_CUES, THOUGHT_VERBS

_MAX_SOURCE = 160
"""Characters at most in a source line ("—Thomas Browne's Vulgar Errors, 1646.")."""

_MAX_CITED_RUN = 8
"""Paragraphs at most of one cited passage running on before its source line."""

# A dash before a source: em-dash, bar, en-dash or the typewriter's "--" and "-".
_DASH = f"(?:[{DASHES}–]+|--?)"

# What follows a quotation: an optional line break, a dash, the source to the end.
_SOURCE_AFTER = re.compile(rf"[ \t]*(?:\n[ \t]*)?{_DASH}[ \t]*(\S.*)", re.S)

# A source line of its own: "—Hamlet, Act III", "(Genesis 1:3)", "*Sir T. Browne.*".
_SOURCE_LINE = re.compile(rf"{_DASH}[ \t]*(\S.*)", re.S)
_BRACKETED = re.compile(r"[ \t]*(?:\n[ \t]*)?\(([^()]{1,160})\)\.?[ \t]*")
_ITALIC_LINE = re.compile(r"[ \t]*(?:\n[ \t]*)?([*_])([^*_\n]{2,160})\1\.?[ \t]*")

_OPENERS = "\"“‘«„'"
_CLOSERS = "\"”’»'"
_DOUBLE = '"“”„«»'

# "1. ", "XII. ", "(3) " before a numbered passage.
_NUMBER = re.compile(r"[ \t]*(?:\(?\d{1,3}[.)]|[IVXLC]{1,6}\.)[ \t]+")

_ITALICS = re.compile(r"([*_])[^*_\n]+\1")
_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*|\d[\w:.,-]*")

# Small words a title or a reference keeps in lower case.
_SMALL = frozenset(
    "of the a an and in on from to by at for with or upon into de la le les du des da di del"
    " van von der den ch chap p pp vol sc l ll v vv ed trans cf ibid i.e. etc".split()
)
_LOWER_ROMAN = re.compile(r"[ivxlc]+\.?")

# Words that begin a sentence of the story, never a source: "—Then she left.", "—Yes."
_NOT_SOURCE = frozenset(
    "I He She It We You They His Her Its Our Their My Your This That These Those There Here"
    " Then Now And But Or Nor So Yet If As When Where Why How What Who Which Yes No Oh Ah Well"
    " Not Only Just Still Perhaps Please Thank Thanks Good Come Go Let Look See Wait Stop".split()
)


def is_source(words: str) -> bool:
    """Whether ``words`` read as the source of a citation: a name, a title or a reference
    ("WEBSTER'S DICTIONARY", "Milton's Paradise Lost.", "_Job_.", "Hamlet, Act III"),
    not a sentence of the story ("Mary turned away.").

    Titles in italics count whatever their words; outside them most words are
    capitalised (small words aside), and the first is no pronoun, interjection or
    conjunction.
    """
    s = " ".join(words.split())
    if not s or len(s) > _MAX_SOURCE or any(c in s for c in '"“”„«»!?'):
        return False
    plain = _ITALICS.sub(" ", s)
    italic = plain != s
    tokens = _TOKEN.findall(plain)
    if not tokens:
        return italic
    if tokens[0].rstrip(".,").strip("'’") in _NOT_SOURCE:
        return False
    if not (tokens[0][0].isupper() or tokens[0][0].isdigit() or italic):
        return False
    upper = sum(t[0].isupper() or t[0].isdigit() for t in tokens)
    lower = sum(
        t[0].islower()
        and t.rstrip(".,").lower() not in _SMALL
        and not _LOWER_ROMAN.fullmatch(t.rstrip(","))
        for t in tokens
    )
    return 3 * lower <= upper


def cited_paragraphs(text: str, paragraphs: list[tuple[int, int]]) -> set[int]:
    """Paragraphs of cited passages and epigraphs, with their source lines.

    A passage is a quotation (after an optional number: "12. ") that opens at the
    start of a paragraph and closes a few lines on, with no other double quote marks
    between, whose source follows: after the closing mark ('"...whale." —Rabelais.'),
    on the next line, or as the next paragraph ("—Hamlet, Act III", "(Genesis 1:3)",
    "*Sir T. Browne.*"). A source paragraph that starts with a dash would otherwise
    read as dash dialogue, so it is taken too.
    """
    out: set[int] = set()
    for n, (start, end) in enumerate(paragraphs):
        if _source_paragraph(text, start, end):
            close = _closed_at_end(text, *paragraphs[n - 1]) if n > 0 else None
            if close is not None and (run := _passage(text, paragraphs, n - 1, close)):
                out.update(run)
                out.add(n)
            continue
        for close in _closers_before_source(text, start, end):
            if (run := _passage(text, paragraphs, n, close)) is not None:
                out.update(run)
                break
    return out


def _closed_at_end(text: str, start: int, end: int) -> int | None:
    """Just after the closing mark that ends a paragraph ('..."', '...".'), if one does."""
    if end - start > 1 and text[end - 1] in ".,;":
        end -= 1
    return end if end > start and text[end - 1] in _CLOSERS else None


def _closers_before_source(text: str, start: int, end: int) -> list[int]:
    """Just after each closing mark in a paragraph that its source follows."""
    out = []
    for i in range(end - 1, max(start, end - _MAX_SOURCE - 12), -1):
        if text[i] in _CLOSERS and _source_tail(text, i + 1, end):
            out.append(i + 1)
    return out


def _source_tail(text: str, tail: int, end: int) -> bool:
    """Whether the words after a closing mark are a source."""
    if tail < end and text[tail] in ".,;":
        tail += 1
    if m := _SOURCE_AFTER.fullmatch(text, tail, end):
        return is_source(m.group(1))
    if m := _BRACKETED.fullmatch(text, tail, end):
        return _is_reference(m.group(1))
    if m := _ITALIC_LINE.fullmatch(text, tail, end):
        return "\n" in text[tail : m.start(1)] and _is_named_source(m.group(2))
    return False


def _source_paragraph(text: str, start: int, end: int) -> bool:
    """Whether a paragraph is only a source line."""
    if end - start > _MAX_SOURCE + 4:
        return False
    if m := _SOURCE_LINE.fullmatch(text, start, end):
        return is_source(m.group(1))
    if m := _BRACKETED.fullmatch(text, start, end):
        return _is_reference(m.group(1))
    if m := _ITALIC_LINE.fullmatch(text, start, end):
        return _is_named_source(m.group(2))
    return False


def _is_reference(words: str) -> bool:
    """A bracketed source: "(Genesis 1:3)", "(Hamlet, Act III)", not "(Laughter.)"."""
    tokens = _TOKEN.findall(words)
    named = sum(t[0].isupper() for t in tokens) >= 2 or any(c.isdigit() for c in words)
    return named and is_source(words)


def _is_named_source(words: str) -> bool:
    """An italic source line without a dash: "Sir T. Browne." (two words at least, so
    that an emphasised "*Run.*" is no source)."""
    return len(_TOKEN.findall(words)) >= 2 and is_source(words)


def _passage(text: str, paragraphs: list[tuple[int, int]], last: int, close: int) -> range | None:
    """The paragraphs of a quotation closing just before ``close`` in paragraph
    ``last``: back to the nearest paragraph that opens with a quote mark, through
    lines without double quote marks (verse set one line to a paragraph), and on
    through paragraphs left open before it, as quotations run over paragraphs."""
    for n in range(last, max(-1, last - _MAX_CITED_RUN), -1):
        if (opens := _opens_alone(text, *paragraphs[n], close if n == last else None)) is None:
            return None
        if opens:
            first = n
            while first > 0 and last - first < _MAX_CITED_RUN:
                if not _opens_alone(text, *paragraphs[first - 1], None):
                    break
                first -= 1
            return range(first, last + 1)
    return None


def _opens_alone(text: str, start: int, end: int, close: int | None) -> bool | None:
    """Whether a paragraph of a quotation opens with a quote mark (after a number),
    None when it holds other double quote marks (besides the mark at ``close``)."""
    number = _NUMBER.match(text, start, end)
    start = number.end() if number else start
    stop = close - 1 if close is not None else end
    opens = text[start] in _OPENERS
    return None if any(c in _DOUBLE for c in text[start + opens : stop]) else opens


# Notices and inscriptions: "The sign read:", "a card on which was printed", '"OPEN,"
# ran the notice.' The written object is the speaker, so the narrator reads the words.
_WRITTEN_THING = (
    r"(?:sign|signboard|signpost|notice|placard|poster|board|label|ticket|card|plate|plaque"
    r"|inscription|banner|headline|caption|legend|motto|tablet|tombstone|gravestone|headstone"
    r"|epitaph|lettering|telegram|advertisement|announcement|sticker|screen|scroll|billboard)s?"
)
_WRITTEN_SAYS = (
    r"(?:read|reads|reading|ran|runs|bore|bears|bearing|said|says|announced|announces"
    r"|proclaimed|proclaims|declared|declares|stated|states|showed|shows|warned|warns)"
)
_WRITTEN_ON = (
    r"(?:written|inscribed|engraved|carved|printed|painted|stamped|lettered|labell?ed|scrawled|chalked"
    r"|embroidered|etched|emblazoned|scribbled|stencil+ed|blazoned)"
)
_NOT_A_THING = r"(?!(?:and|but|he|she|I|they|we|you|who|which|that)\b)"
_WRITTEN_BEFORE = re.compile(
    rf"(?:\b{_WRITTEN_THING}\b(?:\s+{_NOT_A_THING}[\w'’,-]+){{0,3}}?\s+(?P<says>{_WRITTEN_SAYS})"
    rf"|(?<!\bhad\s)(?<!\bhas\s)(?<!\bhave\s)\b{_WRITTEN_ON}|\b(?:bore|bearing|bears)\s+(?:the|these|this|an?)\s+(?:\w+\s+)?"
    rf"(?:words?|legend|inscription|motto|device|title)|\b(?:headlines?|inscription|legend"
    r"|motto|epitaph|caption|lettering)|\bthe\s+words)\b[^.!?;\"“”‘]{0,30}$",
    re.I,
)
_WRITTEN_AFTER = re.compile(
    rf"[,.]?\s*(?:{_WRITTEN_SAYS}\s+(?:the|a|an|one|its|his|her|their)\s+(?:[\w-]+\s+){{0,2}}?"
    rf"{_WRITTEN_THING}\b|(?:was|were|had\s+been|has\s+been|is|are)\s+(?:\w+\s+)?{_WRITTEN_ON}\b)",
    re.I,
)
# The last sentence end before a cue: "He had read the notice. "Go," he said."
_SENTENCE = re.compile(r".*[.!?;\"“”](?=\s)", re.S)
# Words heard or thought, not read: "Emma could just catch the words", "as she gazed at
# some notice printed there, "you are ready for anything"", she thought.
_HEARD = re.compile(
    rf"\b(?:hear|hears|heard|overheard|catch|caught|made\s+out|listen|listened|listening|voices"
    rf"|uttered|utter|spoken|spoke|speak|pronounced|{THOUGHT_VERBS})\b",
    re.I,
)


def is_inscription(text: str, quote: Quote, start: int, end: int) -> bool:
    """A notice, sign or inscription quoted in narration: 'The sign read: "CLOSED."',
    'Over the gate were carved the words "WORK AND HOPE".', '"NO ENTRY," ran the
    notice.' A speech verb or a hearer in the same sentence keeps the quote speech
    ('she said the words "I do"')."""
    if quote.family not in ("double", "single") or quote.open_at_end:
        return False
    lo = max(start, quote.outer_start - 120)
    before = _WRITTEN_BEFORE.search(text, lo, quote.outer_start)
    if before is not None:
        says = before.span("says") if before.group("says") else (0, 0)
        sentence = _SENTENCE.search(text, lo, before.start())
        s0 = sentence.end() if sentence else lo
        cues = [m.span() for m in SPEECH_CUES.finditer(text, s0, quote.outer_start)]
        heard = _HEARD.search(text, s0, quote.outer_start)
        return heard is None and all(span == says for span in cues)
    return _WRITTEN_AFTER.match(text, quote.outer_end, min(end, quote.outer_end + 60)) is not None
