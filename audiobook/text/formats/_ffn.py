"""FanFiction.net chapter pages, and FanFicFare's HTML and EPUB output."""

from __future__ import annotations

import re
from dataclasses import replace

from audiobook.models import WorkInfo
from audiobook.text.formats._elements import Element
from audiobook.text.formats._work import (
    FANFICFARE,
    FFN,
    PageChapter,
    WorkPage,
    classes,
    find,
    info_from_tags,
    numbered_titles,
    options,
    split_tags,
    words,
    wrap,
)

_GENRES = frozenset(
    "adventure angst crime drama family fantasy friendship general horror humor "
    "hurt/comfort mystery parody poetry romance sci-fi spiritual supernatural suspense "
    "tragedy western".split()
)
_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z ]*):\s*(.*)$", re.S)
_STORY_URL = re.compile(r"/s/(\d{1,12})(?:/(\d{1,6}))?")
_AO3_URL = re.compile(r"/works/(\d{1,12})")
_NUMBER = re.compile(r"^\d+\.\s+")


def chapter_page(root: Element) -> WorkPage | None:
    """A FanFiction.net (or FictionPress) chapter page: ``#profile_top`` and ``#storytext``."""
    profile = find(root, id="profile_top")
    text = find(root, id="storytext")
    if profile is None or text is None:
        return None
    title = find(profile, "b")
    author = next((a for a in profile.iter("a") if "/u/" in str(a.get("href") or "")), None)
    summary = next((d for d in profile.iter("div") if words(d) and not len(d)), None)
    details = next((s for s in profile.iter("span") if "xgray" in classes(s)), None)
    info = details_line(words(details), _fandoms(root))
    titles, current = options(find(root, "select", id="chap_select"))
    story_id, part = info.story_id, current
    for link in root.iter("link"):
        if str(link.get("rel") or "") == "canonical":
            found = _STORY_URL.search(str(link.get("href") or ""))
            if found:
                story_id = story_id or found.group(1)
                part = part or (int(found.group(2)) if found.group(2) else None)
    page = WorkPage(replace(info, story_id=story_id, part=part), words(title) or None,
                    words(author) or None, summary, chapter_titles=titles)
    page.chapters.append(PageChapter(titles.get(part or 0), [("text", text)]))
    return page


def _fandoms(root: Element) -> tuple[str, ...]:
    crumbs = find(root, id="pre_story_links")
    links = [words(a) for a in crumbs.iter("a") if words(a)] if crumbs is not None else []
    if not links:
        return ()
    last = links[-1]
    if last.endswith(" Crossover") and "+" in last:
        return tuple(p.strip() for p in last.removesuffix(" Crossover").split("+"))
    return (last,)


def details_line(line: str, fandoms: tuple[str, ...]) -> WorkInfo:
    """The story's details: "Rated: Fiction T - English - Drama - Naruto U. - ..."."""
    rating = language = story_id = None
    genres: list[str] = []
    characters: list[str] = []
    pairings: list[str] = []
    for k, part in enumerate(p.strip() for p in line.split(" - ")):
        labelled = _FIELD.match(part)
        if labelled and labelled.group(1).lower() == "rated":
            rating = labelled.group(2).replace("Fiction", "").strip() or None
        elif labelled and labelled.group(1).lower() == "id":
            story_id = labelled.group(2).strip() or None
        elif labelled:
            continue
        elif k == 1:
            language = part or None
        elif part and not genres and all(g.lower() in _GENRES for g in part.split("/")):
            genres = part.split("/")
        elif part and not characters:
            characters, pairings = _characters(part)
    return WorkInfo(FFN, story_id=story_id, fandoms=fandoms, rating=rating,
                    characters=tuple(characters), relationships=tuple(pairings),
                    tags=tuple(genres), language=language)


def _characters(part: str) -> tuple[list[str], list[str]]:
    """"[Naruto U., Hinata H.] Ibiki M." -> the names, and the pairings in brackets."""
    pairings = ["/".join(split_tags(p)) for p in re.findall(r"\[([^\]]*)\]", part)]
    return list(split_tags(re.sub(r"[\[\]]", ",", part))), pairings


# --- FanFicFare ------------------------------------------------------------------


def _labelled_values(box: Element) -> dict[str, str]:
    """FanFicFare's title page: "<b>Label:</b> value" lines (in table rows or not)."""
    out: dict[str, str] = {}
    for b in box.iter("b"):
        label = words(b)
        if not label.endswith(":"):
            continue
        cell = b.getparent()
        if cell is not None and cell.tag == "td":
            value_el = cell.getnext()
            value = words(value_el) if value_el is not None else ""
        else:
            value = " ".join(str(b.tail or "").split())
            nxt = b.getnext()
            while nxt is not None and nxt.tag not in ("b", "br"):
                value += " " + words(nxt) + " " + " ".join(str(nxt.tail or "").split())
                nxt = nxt.getnext()
        out.setdefault(label.rstrip(":").strip().lower(), " ".join(value.split()))
    return out


def _title_page(root: Element, box: Element, heading: Element) -> WorkPage:
    values = _labelled_values(box)
    defs = {k: split_tags(v) for k, v in values.items() if k not in ("summary", "description")}
    story_id = None
    for a in heading.iter("a"):
        found = _STORY_URL.search(str(a.get("href") or "")) or _AO3_URL.search(
            str(a.get("href") or ""))
        if found and "authorlink" not in classes(a):
            story_id = found.group(1)
            break
    info = info_from_tags(FANFICFARE, defs, story_id)
    page = WorkPage(info)
    links = list(heading.iter("a"))
    page.title = words(links[0]) if links else words(heading)
    page.author = ", ".join(words(a) for a in links if "authorlink" in classes(a)) or None
    for b in box.iter("b"):
        if words(b).rstrip(":").lower() in ("summary", "description"):
            summary = b.getparent() if b.getparent() is not None and b.getparent().tag == "td" \
                else None
            if summary is not None and summary.getnext() is not None:
                page.summary = summary.getnext()
            else:
                page.summary = _text_box(values.get(words(b).rstrip(":").lower(), ""))
    return page


def _text_box(text: str) -> Element:
    from lxml import html as lxml_html

    box = lxml_html.Element("p")
    box.text = text
    return box


def fanficfare(root: Element) -> WorkPage | None:
    """FanFicFare's HTML file (title, details table, contents, then each chapter after
    its ``<a name="sectionNNNN">`` anchor), or one file of its EPUB (the title page,
    or a chapter with its ``fff_chapter_title``)."""
    body = root.find("body")
    if body is None:
        return None
    if "fff_titlepage" in classes(body):
        heading = find(body, "h3")
        return _title_page(root, body, heading if heading is not None else body)
    if any(c.startswith("fff_") and c != "fff_chapter" for c in classes(body)):
        return WorkPage(WorkInfo(FANFICFARE))  # its contents, log or information page
    if "fff_chapter" in classes(body):
        heading = find(body, cls=("fff_chapter_title",))
        rest = [el for el in body if el is not heading and isinstance(el.tag, str)]
        page = WorkPage(WorkInfo(FANFICFARE))
        # FanFicFare keeps the site's "3. " before each title; the book's list drops it.
        title = _NUMBER.sub("", words(heading)) or words(heading) or None
        page.chapters.append(PageChapter(title, [("text", wrap(rest))]))
        return page
    heading = find(body, "h1")
    table = find(body, "table", cls=("full",))
    if heading is None or table is None or find(heading, cls=("authorlink",)) is None:
        return None
    page = _title_page(root, table, heading)
    page.chapters = _sections(body)
    titles = numbered_titles([c.title or "" for c in page.chapters])
    for chapter, title in zip(page.chapters, titles, strict=True):
        chapter.title = title or None
    return page if page.chapters else None


def _sections(body: Element) -> list[PageChapter]:
    """Each ``<a name="sectionNNNN">`` anchor's heading, and what follows up to the next."""
    chapters: list[PageChapter] = []
    run: list[Element] = []
    for el in body:
        if not isinstance(el.tag, str):
            continue
        name = str(el.get("name") or el.get("id") or "")
        if el.tag == "a" and name.startswith("section"):
            if chapters:
                chapters[-1].parts.append(("text", wrap(run)))
            chapters.append(PageChapter(words(el) or None))
            run = []
        elif chapters:
            run.append(el)
    if chapters:
        chapters[-1].parts.append(("text", wrap(run)))
    return chapters
