"""Chapter headings and scene separators, line by line: "CHAPTER IV." reads as
"Chapter 4", "* * *" as a scene break. Used by the plain-text structure rules and
by the markup readers, which find their headings in the markup."""

from __future__ import annotations

import re

_MAX_HEADING_CHARS = 150
_ROMAN = re.compile(r"M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", re.I)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_NUM = rf"(?:\d{{1,4}}|[ivxlcdm]{{1,9}}|(?:{_TENS})(?:[\s-](?:{_UNITS}))?|{_TEENS}|{_UNITS})"
_TITLE = r"(?:\s*[:.\-–—]+\s*(?P<title>\S.*))?"
_HEADING = re.compile(
    rf"(?P<kw>chapter|chap\.?|ch\.|part|book|volume|vol\.)(?:\s+|(?=\d))(?P<num>{_NUM})\.?{_TITLE}",
    re.I,
)
_SPECIAL_HEADING = re.compile(
    rf"(?P<kw>prologue|epilogue|interlude)(?:\s+(?P<num>{_NUM}))?\.?{_TITLE}", re.I
)
LONE_KEYWORD = re.compile(r"(?:chapter|part|book|volume)", re.I)
LONE_NUMBER = re.compile(rf"{_NUM}\.?", re.I)
_LONE_ROMAN = re.compile(r"[IVXL]+\.?")
_PART_WORDS = frozenset({"part", "book", "volume", "vol."})

# A separator line: symbols only, or short tokens such as oOo, xXx, -x-x-, o0o.
_SEPARATOR = re.compile(r"[\s*~=#+•·∙◦○●◆◇■□♦♥♠♣★☆✦✧❀✿❁❖<>/\\|.:°^§¤_\-–—oO0xX]{3,80}")
_SEPARATOR_SYMBOL = re.compile(r"[*~=#+•·∙◦○●◆◇■□♦♥♠♣★☆✦✧❀✿❁❖<>/\\|°^§¤_\-–—]")


def _roman(numeral: str) -> int:
    total = 0
    values = [_ROMAN_VALUES[c] for c in numeral.lower()]
    for i, value in enumerate(values):
        total += -value if i + 1 < len(values) and values[i + 1] > value else value
    return total


def _number(num: str) -> str | None:
    if num.isdigit():
        return str(int(num))
    if num.isalpha() and set(num.lower()) <= set(_ROMAN_VALUES):
        return str(_roman(num)) if _ROMAN.fullmatch(num) else None
    return "-".join(part.capitalize() for part in re.split(r"[\s-]+", num))


def tidy(title: str) -> str:
    title = title.strip()
    if title.isupper():
        title = " ".join(word[:1] + word[1:].lower() for word in title.split())
    return title


def heading(line: str, after_blank: bool) -> tuple[str, bool] | None:
    """Announced title and whether it is a part/book/volume, for a heading line."""
    if len(line) > _MAX_HEADING_CHARS:
        return None
    match = _HEADING.fullmatch(line) or _SPECIAL_HEADING.fullmatch(line)
    if match:
        kw = match["kw"].lower()
        words = "Chapter" if kw.startswith("ch") else kw.rstrip(".").capitalize()
        if kw == "vol.":
            words = "Volume"
        if match["num"]:
            number = _number(match["num"])
            if number is None:
                return None
            words += f" {number}"
        if match["title"]:
            words += f": {tidy(match['title'])}"
        return words, kw in _PART_WORDS
    if after_blank and _LONE_ROMAN.fullmatch(line) and _ROMAN.fullmatch(line.rstrip(".")):
        return f"Chapter {_roman(line.rstrip('.'))}", False
    return None


def heading_title(line: str) -> str | None:
    """The announced title if a line reads as a chapter heading ("CHAPTER IV." -> "Chapter 4")."""
    found = heading(" ".join(line.split()), True)
    return found[0] if found else None


def is_separator(line: str) -> bool:
    if not _SEPARATOR.fullmatch(line) or not line.strip("."):
        return False
    letters = [c for c in line if c.isalnum()]
    # Pure "xxx"/"ooo" could be words or sounds; a symbol or mixed case makes a token.
    return not letters or bool(_SEPARATOR_SYMBOL.search(line)) or len(set(letters)) > 1
