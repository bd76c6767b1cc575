"""The parts of an archive page that belong to the story (``WorkPage``), and the small
element helpers the archive readers share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from lxml import html as lxml_html

from audiobook.models import WorkInfo
from audiobook.text.formats._elements import Element

AO3, FFN, FANFICFARE = "Archive of Our Own", "FanFiction.net", "FanFicFare"

_NUMBERED = re.compile(r"^\s*(\d{1,6})\.\s+(.*)$", re.S)


@dataclass
class PageChapter:
    """One chapter as a page shows it: its title and its parts in reading order, each
    an element and the role it plays ("notes", "summary", "text", "end notes")."""

    title: str | None
    parts: list[tuple[str, Element]] = field(default_factory=list)


@dataclass
class WorkPage:
    """The story's own parts of one archive page (or of one file of an archive's EPUB)."""

    info: WorkInfo
    title: str | None = None
    author: str | None = None
    summary: Element | None = None
    notes: list[Element] = field(default_factory=list)
    chapters: list[PageChapter] = field(default_factory=list)
    end_notes: list[Element] = field(default_factory=list)
    chapter_titles: dict[int, str] = field(default_factory=dict)
    """Every chapter's title from the page's chapter list, by number (from 1)."""

    @property
    def summary_text(self) -> str | None:
        """The summary's words, its paragraphs joined by a space."""
        if self.summary is None:
            return None
        parts: list[str] = []
        _spaced_text(self.summary, parts)
        return " ".join("".join(parts).split()) or None


def _spaced_text(el: Element, parts: list[str]) -> None:
    """An element's text, with a space where a block (a paragraph) begins or ends."""
    block = isinstance(el.tag, str) and el.tag in _BLOCKS
    if block:
        parts.append(" ")
    if isinstance(el.tag, str):
        parts.append(el.text or "")
        for child in el:
            _spaced_text(child, parts)
            parts.append(child.tail or "")
    if block:
        parts.append(" ")


_BLOCKS = frozenset({"p", "div", "br", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})


def words(el: Element | None) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def classes(el: Element) -> set[str]:
    return set(str(el.get("class") or "").split())


def find(root: Element, tag: str = "*", *, id: str | None = None,
         cls: Iterable[str] = ()) -> Element | None:
    for el in find_all(root, tag, id=id, cls=cls):
        return el
    return None


def find_all(root: Element, tag: str = "*", *, id: str | None = None,
             cls: Iterable[str] = ()) -> Iterator[Element]:
    wanted = set(cls)
    for el in root.iter(tag):
        if not isinstance(el.tag, str):
            continue
        if id is not None and el.get("id") != id:
            continue
        if wanted and not wanted <= classes(el):
            continue
        yield el


def split_tags(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.strip() for w in value.split(",") if w.strip()))


def tag_list(dd: Element | None) -> tuple[str, ...]:
    """The tags of a tag list: its links' words, else its comma-separated words."""
    if dd is None:
        return ()
    links = [words(a) for a in dd.iter("a")]
    if any(links):
        return tuple(dict.fromkeys(w for w in links if w))
    return split_tags(words(dd))


def definitions(dl: Element | None) -> dict[str, tuple[str, ...]]:
    """A definition list's terms (lowercased, without the colon) and their tags."""
    out: dict[str, tuple[str, ...]] = {}
    if dl is None:
        return out
    term: str | None = None
    for el in dl:
        if el.tag == "dt":
            term = words(el).rstrip(":").strip().lower()
        elif el.tag == "dd" and term is not None:
            out.setdefault(term, tag_list(el))
            term = None
    return out


def _pick(defs: dict[str, tuple[str, ...]], *names: str) -> tuple[str, ...]:
    for name in names:
        if name in defs:
            return defs[name]
    return ()


def info_from_tags(archive: str, defs: dict[str, tuple[str, ...]],
                   story_id: str | None = None) -> WorkInfo:
    """WorkInfo from an archive's labelled tags (AO3's and FanFicFare's labels)."""
    rating = _pick(defs, "rating", "ratings")
    language = _pick(defs, "language")
    return WorkInfo(
        archive,
        story_id=story_id,
        fandoms=_pick(defs, "fandom", "fandoms", "category", "categories")
        if archive != AO3 else _pick(defs, "fandom", "fandoms"),
        rating=rating[0] if rating else None,
        warnings=_pick(defs, "archive warning", "archive warnings", "warning", "warnings"),
        characters=_pick(defs, "character", "characters"),
        relationships=_pick(defs, "relationship", "relationships", "ships", "pairing"),
        tags=(_pick(defs, "category", "categories") if archive == AO3 else ())
        + _pick(defs, "additional tags", "freeform", "genre", "genres"),
        language=language[0] if language else None,
    )


def numbered_titles(titles: Sequence[str]) -> list[str]:
    """Chapter titles without the archive's numbers ("1. Embers" -> "Embers") when
    every title carries its number in order; otherwise as they are."""
    found = [_NUMBERED.match(t) for t in titles]
    if not titles or not all(found):
        return list(titles)
    if [int(m.group(1)) for m in found if m] != list(range(1, len(titles) + 1)):
        return list(titles)
    return [m.group(2).strip() or t for m, t in zip(found, titles, strict=True) if m]


def options(select: Element | None) -> tuple[dict[int, str], int | None]:
    """A chapter select box's titles by number ("3. The Gate" -> 3: "The Gate"), and
    the number of the chapter selected."""
    titles: dict[int, str] = {}
    current = None
    if select is None:
        return titles, None
    for n, option in enumerate(select.iter("option"), start=1):
        said = words(option)
        numbered = _NUMBERED.match(said)
        number, title = (int(numbered.group(1)), numbered.group(2)) if numbered else (n, said)
        titles[number] = title.strip() or f"Chapter {number}"
        if option.get("selected") is not None:
            current = number
    return titles, current


def wrap(elements: Sequence[Element]) -> Element:
    """A ``div`` holding copies of the elements (with their tails), in order."""
    import copy

    box = lxml_html.Element("div")
    for el in elements:
        box.append(copy.deepcopy(el))
    return box


def labelled_blocks(box: Element, labels: dict[str, str]) -> Iterator[tuple[str, Element]]:
    """The blocks a short label line introduces ("Summary", then a blockquote), with
    the role the label gives them."""
    for el in box.iter("p", "h3", "h4", "b", "strong"):
        role = labels.get(words(el).rstrip(":").strip().lower())
        if role is None:
            continue
        nxt = el.getnext()
        if nxt is not None and nxt.tag in ("blockquote", "div"):
            yield role, nxt
