"""Fan-fiction archive page -> the story's own parts: a clean page of title, byline,
summary, notes and chapters, and the work's tags (``WorkInfo``).

Pages are recognised by content, not by file name: an Archive of Our Own work page
(one chapter, or the entire work) or download, a FanFiction.net chapter page, and
FanFicFare's HTML output. Everything else on them (menus, search, tag lists,
statistics, kudos, comments, share and download links, chapter select boxes) is
left behind, so it can never be read aloud. ``compose`` joins the pages of one work
(several chapter pages of a story) into one clean page for the HTML reader.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from lxml import html as lxml_html

from audiobook.models import WorkInfo
from audiobook.text.formats._elements import Element

AO3, FFN, FANFICFARE = "Archive of Our Own", "FanFiction.net", "FanFicFare"

_FFN_GENRES = frozenset(
    "adventure angst crime drama family fantasy friendship general horror humor "
    "hurt/comfort mystery parody poetry romance sci-fi spiritual supernatural suspense "
    "tragedy western".split()
)
_FFN_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z ]*):\s*(.*)$", re.S)
_NUMBERED = re.compile(r"^\s*(\d+)\.\s*(.*)$", re.S)
_FFN_STORY_URL = re.compile(r"/s/(\d+)(?:/(\d+))?")
_AO3_WORK_URL = re.compile(r"/works/(\d+)")
_AO3_CHAPTER_URL = re.compile(r"/chapters/(\d+)")


@dataclass
class PageChapter:
    """One chapter as a page shows it: its title and its parts in reading order, each
    an element and the role it plays ("notes", "summary", "text", "end notes")."""

    title: str | None
    parts: list[tuple[str, Element]] = field(default_factory=list)


@dataclass
class WorkPage:
    """The story's own parts of one archive page."""

    info: WorkInfo
    title: str | None = None
    author: str | None = None
    summary: Element | None = None
    notes: list[Element] = field(default_factory=list)
    chapters: list[PageChapter] = field(default_factory=list)
    end_notes: list[Element] = field(default_factory=list)
    chapter_titles: dict[int, str] = field(default_factory=dict)
    """Every chapter's title from the page's chapter list, by number (from 1)."""


def _words(el: Element | None) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def _classes(el: Element) -> set[str]:
    return set(str(el.get("class") or "").split())


def _find(root: Element, tag: str = "*", *, id: str | None = None,
          cls: Iterable[str] = ()) -> Element | None:
    for el in _find_all(root, tag, id=id, cls=cls):
        return el
    return None


def _find_all(root: Element, tag: str = "*", *, id: str | None = None,
              cls: Iterable[str] = ()) -> Iterator[Element]:
    wanted = set(cls)
    for el in root.iter(tag):
        if not isinstance(el.tag, str):
            continue
        if id is not None and el.get("id") != id:
            continue
        if wanted and not wanted <= _classes(el):
            continue
        yield el


def _tag_list(dd: Element | None) -> tuple[str, ...]:
    """The tags of a tag list: its links' words, else its comma-separated words."""
    if dd is None:
        return ()
    links = [_words(a) for a in dd.iter("a")]
    items = links if any(links) else _words(dd).split(",")
    return tuple(dict.fromkeys(w.strip() for w in items if w.strip()))


def _definitions(dl: Element | None) -> dict[str, Element]:
    """A definition list's terms (lowercased, without the colon) and their values."""
    out: dict[str, Element] = {}
    if dl is None:
        return out
    term: str | None = None
    for el in dl:
        if el.tag == "dt":
            term = _words(el).rstrip(":").strip().lower()
        elif el.tag == "dd" and term is not None:
            out.setdefault(term, el)
            term = None
    return out


def _pick(defs: dict[str, Element], *names: str) -> Element | None:
    for name in names:
        if name in defs:
            return defs[name]
    return None


def _info_from_tags(archive: str, defs: dict[str, Element], **extra: object) -> WorkInfo:
    """WorkInfo from an archive's tag list, AO3's words for the terms."""
    rating = _tag_list(_pick(defs, "rating", "ratings"))
    tags = _tag_list(_pick(defs, "category", "categories")) + _tag_list(
        _pick(defs, "additional tags", "freeform", "genre", "genres"))
    language = _words(_pick(defs, "language")) or None
    info = WorkInfo(
        archive,
        fandoms=_tag_list(_pick(defs, "fandom", "fandoms")),
        rating=rating[0] if rating else None,
        warnings=_tag_list(_pick(defs, "archive warning", "archive warnings", "warning",
                                 "warnings")),
        characters=_tag_list(_pick(defs, "character", "characters")),
        relationships=_tag_list(_pick(defs, "relationship", "relationships", "ships")),
        tags=tags,
        language=language,
    )
    return replace(info, **extra)  # type: ignore[arg-type]


def _userstuff(el: Element | None) -> Element | None:
    """The author's own words inside a summary or notes box (AO3's ``userstuff``)."""
    if el is None:
        return None
    inner = _find(el, cls=("userstuff",))
    return inner if inner is not None else el


# --- FanFiction.net ------------------------------------------------------------


def _ffn(root: Element) -> WorkPage | None:
    profile = _find(root, id="profile_top")
    text = _find(root, id="storytext")
    if profile is None or text is None:
        return None
    title = _find(profile, "b")
    author = next((a for a in profile.iter("a") if "/u/" in str(a.get("href") or "")), None)
    summary = next((d for d in profile.iter("div") if _words(d) and not len(d)), None)
    details = next((s for s in profile.iter("span") if {"xgray"} <= _classes(s)), None)
    info = _ffn_details(_words(details), _ffn_fandoms(root))
    chapters, current = _numbered_options(_find(root, "select", id="chap_select"))
    story_id, part = info.story_id, current
    for link in root.iter("link", "a"):
        if str(link.get("rel") or "") == "canonical":
            found = _FFN_STORY_URL.search(str(link.get("href") or ""))
            if found:
                story_id = story_id or found.group(1)
                part = part or (int(found.group(2)) if found.group(2) else None)
    page = WorkPage(replace(info, story_id=story_id, part=part), _words(title) or None,
                    _words(author) or None, summary, chapter_titles=chapters)
    page.chapters.append(PageChapter(chapters.get(part or 0), [("text", text)]))
    return page


def _ffn_fandoms(root: Element) -> tuple[str, ...]:
    crumbs = _find(root, id="pre_story_links")
    if crumbs is None:
        return ()
    links = [_words(a) for a in crumbs.iter("a") if _words(a)]
    if not links:
        return ()
    last = links[-1]
    if last.endswith(" Crossover") and "+" in last:
        return tuple(p.strip() for p in last[: -len(" Crossover")].split("+"))
    return (last,)


def _ffn_details(line: str, fandoms: tuple[str, ...]) -> WorkInfo:
    """The story's details line: "Rated: Fiction T - English - Drama - Naruto U. - ..."."""
    rating = None
    language = None
    genres: list[str] = []
    characters: list[str] = []
    relationships: list[str] = []
    story_id = None
    for k, part in enumerate(p.strip() for p in line.split(" - ")):
        labelled = _FFN_FIELD.match(part)
        if labelled and labelled.group(1).lower() == "rated":
            rating = labelled.group(2).replace("Fiction", "").strip() or None
        elif labelled and labelled.group(1).lower() == "id":
            story_id = labelled.group(2).strip() or None
        elif labelled:
            continue
        elif k == 1:
            language = part or None
        elif part and all(g.lower() in _FFN_GENRES for g in part.split("/")) and not genres:
            genres = part.split("/")
        elif part and not characters:
            for pairing in re.findall(r"\[([^\]]*)\]", part):
                names = [n.strip() for n in pairing.split(",") if n.strip()]
                relationships.append("/".join(names))
            names = re.sub(r"[\[\]]", ",", part).split(",")
            characters = [n.strip() for n in names if n.strip()]
    return WorkInfo(FFN, story_id=story_id, fandoms=fandoms, rating=rating,
                    characters=tuple(characters), relationships=tuple(relationships),
                    tags=tuple(genres), language=language)


def _numbered_options(select: Element | None) -> tuple[dict[int, str], int | None]:
    """A chapter select box's titles by number ("3. The Gate" -> 3: "The Gate"), and the
    number of the chapter selected."""
    titles: dict[int, str] = {}
    current = None
    if select is None:
        return titles, None
    for n, option in enumerate(select.iter("option"), start=1):
        words = _words(option)
        numbered = _NUMBERED.match(words)
        number, title = (int(numbered.group(1)), numbered.group(2)) if numbered else (n, words)
        titles[number] = title.strip() or f"Chapter {number}"
        if option.get("selected") is not None:
            current = number
    return titles, current


# --- Archive of Our Own ----------------------------------------------------------


def _ao3(root: Element) -> WorkPage | None:
    meta = _find(root, "dl", cls=("work", "meta"))
    chapters_box = _find(root, id="chapters")
    if meta is None or chapters_box is None:
        return None
    preface = next((el for el in _find_all(root, "div", cls=("preface",))
                    if "chapter" not in _classes(el) and _find(el, cls=("title",)) is not None),
                   None)
    page = WorkPage(_info_from_tags(AO3, _definitions(meta)))
    _ao3_preface(page, preface)
    page.chapter_titles, current = _numbered_options(_find(root, "select", id="selected_id"))
    page.info = replace(page.info, story_id=_ao3_work_id(root), part=current)
    boxes = [el for el in chapters_box if isinstance(el.tag, str) and "chapter" in _classes(el)]
    if boxes:
        for box in boxes:
            page.chapters.append(_ao3_chapter(box))
    else:
        body = _find(chapters_box, cls=("userstuff",))
        page.chapters.append(PageChapter(None, [("text", body if body is not None
                                                 else chapters_box)]))
    endnotes = _find(root, id="work_endnotes")
    if endnotes is not None:
        page.end_notes.append(_userstuff(endnotes))
    return page


def _ao3_preface(page: WorkPage, preface: Element | None) -> None:
    if preface is None:
        return
    page.title = _words(_find(preface, cls=("title",))) or None
    byline = _find(preface, cls=("byline",))
    authors = [_words(a) for a in (byline.iter("a") if byline is not None else ())]
    page.author = ", ".join(a for a in authors if a) or _words(byline) or None
    page.summary = _userstuff(_find(preface, cls=("summary",)))
    for notes in _find_all(preface, cls=("notes",)):
        if "end" not in _classes(notes):
            page.notes.append(_userstuff(notes))


def _ao3_chapter(box: Element) -> PageChapter:
    chapter = PageChapter(None)
    for part in box:
        if not isinstance(part.tag, str):
            continue
        classes = _classes(part)
        if "preface" in classes:
            heading = _find(part, cls=("title",))
            if heading is not None and chapter.title is None:
                chapter.title = _words(heading) or None
            summary = _find(part, cls=("summary",))
            if summary is not None:
                chapter.parts.append(("summary", _userstuff(summary)))
            for notes in _find_all(part, cls=("notes",)):
                role = "end notes" if "end" in _classes(notes) else "notes"
                chapter.parts.append((role, _userstuff(notes)))
        elif "userstuff" in classes:
            chapter.parts.append(("text", part))
    return chapter


def _ao3_work_id(root: Element) -> str | None:
    for el in root.iter("link", "a", "form"):
        href = str(el.get("href") or el.get("action") or "")
        if el.tag == "link" and str(el.get("rel") or "") != "canonical":
            continue
        found = _AO3_WORK_URL.search(href)
        if found:
            return found.group(1)
    return None


RECOGNISERS: tuple[Callable[[Element], WorkPage | None], ...] = (_ffn, _ao3)


def recognise(root: Element) -> WorkPage | None:
    """The story's parts, if the page is one of an archive's own."""
    for recogniser in RECOGNISERS:
        page = recogniser(root)
        if page is not None and page.chapters:
            return page
    return None


# --- The clean page ----------------------------------------------------------------


def _copy(el: Element) -> Element:
    out = copy.deepcopy(el)
    out.tail = None
    return out


def _box(cls: str, el: Element) -> Element:
    box = lxml_html.Element("div", {"class": cls})
    box.append(_copy(el))
    return box


_ROLE_CLASSES = {"notes": "notes", "summary": "summary", "end notes": "endnotes"}


def compose(pages: Sequence[WorkPage]) -> tuple[Element, WorkPage]:
    """One clean page for the pages of one work, in chapter order: the first page's
    title, byline, summary and notes, every page's chapters, the work's end notes."""
    pages = sorted(pages, key=lambda p: p.info.part or 0)
    first = pages[0]
    root = lxml_html.Element("html")
    body = lxml_html.Element("body")
    root.append(body)
    if first.title:
        heading = lxml_html.Element("h1", {"class": "title"})
        heading.text = first.title
        body.append(heading)
    if first.author:
        byline = lxml_html.Element("p", {"class": "byline"})
        byline.text = f"by {first.author}"
        body.append(byline)
    if first.summary is not None:
        body.append(_box("summary", first.summary))
    for notes in first.notes:
        body.append(_box("notes", notes))
    titles = {n: t for page in pages for n, t in page.chapter_titles.items()}
    chapters = [c for page in pages for c in page.chapters]
    many = len(chapters) > 1 or len(titles) > 1
    for page in pages:
        for chapter in page.chapters:
            title = chapter.title or titles.get(page.info.part or 0)
            if many and title:
                heading = lxml_html.Element("h2")
                heading.text = title
                body.append(heading)
            for role, el in chapter.parts:
                body.append(_box(_ROLE_CLASSES.get(role, "story"), el))
    for notes in pages[-1].end_notes:
        body.append(_box("endnotes", notes))
    return root, first
