"""Archive of Our Own: the work page (one chapter, a chapter of many, or the entire
work) and the download (HTML, and each file of the EPUB calibre makes from it)."""

from __future__ import annotations

import re
from dataclasses import replace

from audiobook.text.formats._elements import Element
from audiobook.text.formats._work import (
    AO3,
    PageChapter,
    WorkPage,
    classes,
    definitions,
    find,
    find_all,
    info_from_tags,
    labelled_blocks,
    options,
    words,
)

_WORK_URL = re.compile(r"/works/(\d{1,12})")
_LABELS = {
    "summary": "summary",
    "notes": "notes",
    "chapter summary": "summary",
    "chapter notes": "notes",
    "end notes": "end notes",
    "chapter end notes": "end notes",
}


def _userstuff(el: Element | None) -> Element | None:
    """The author's own words inside a summary or notes box."""
    if el is None:
        return None
    inner = find(el, cls=("userstuff",))
    return inner if inner is not None else el


def work_id(root: Element) -> str | None:
    """The work's id from the page's own links (canonical, "Entire Work", the
    download's "Posted originally" line)."""
    for el in root.iter("link", "a", "form"):
        if el.tag == "link" and str(el.get("rel") or "") != "canonical":
            continue
        found = _WORK_URL.search(str(el.get("href") or el.get("action") or ""))
        if found:
            return found.group(1)
    return None


def work_page(root: Element) -> WorkPage | None:
    """A work page as the archive serves it (``dl.work.meta`` and ``#chapters``)."""
    meta = find(root, "dl", cls=("work", "meta"))
    box = find(root, id="chapters")
    if meta is None or box is None:
        return None
    page = WorkPage(info_from_tags(AO3, definitions(meta)))
    preface = next((el for el in find_all(root, "div", cls=("preface",))
                    if "chapter" not in classes(el) and find(el, cls=("title",)) is not None),
                   None)
    if preface is not None:
        page.title = words(find(preface, cls=("title",))) or None
        byline = find(preface, cls=("byline",))
        authors = [words(a) for a in (byline.iter("a") if byline is not None else ())]
        page.author = ", ".join(a for a in authors if a) or words(byline) or None
        page.summary = _userstuff(find(preface, cls=("summary",)))
        page.notes = [_userstuff(n) for n in find_all(preface, cls=("notes",))
                      if "end" not in classes(n)]
    page.chapter_titles, current = options(find(root, "select", id="selected_id"))
    page.info = replace(page.info, story_id=work_id(root), part=current)
    chapters = [el for el in box if isinstance(el.tag, str) and "chapter" in classes(el)]
    for chapter in chapters:
        page.chapters.append(_chapter(chapter))
    if not chapters:
        text = find(box, cls=("userstuff",))
        page.chapters.append(PageChapter(None, [("text", text if text is not None else box)]))
    end = find(root, id="work_endnotes")
    if end is not None:
        page.end_notes.append(_userstuff(end))
    return page


def _chapter(box: Element) -> PageChapter:
    chapter = PageChapter(None)
    for part in box:
        if not isinstance(part.tag, str):
            continue
        if "preface" in classes(part):
            heading = find(part, cls=("title",))
            if heading is not None and chapter.title is None:
                chapter.title = words(heading) or None
            summary = find(part, cls=("summary",))
            if summary is not None:
                chapter.parts.append(("summary", _userstuff(summary)))
            for notes in find_all(part, cls=("notes",)):
                role = "end notes" if "end" in classes(notes) else "notes"
                chapter.parts.append((role, _userstuff(notes)))
        elif "userstuff" in classes(part):
            chapter.parts.append(("text", part))
    return chapter


def download(root: Element) -> WorkPage | None:
    """AO3's download, whole (HTML) or one file of the EPUB made from it: a preface
    with the tag list, chapters each opening with a ``meta`` box, an afterword."""
    tags = find(root, "dl", cls=("tags",))
    preface = find(root, id="preface")
    metas = [el for el in root.iter("div") if "meta" in classes(el)]
    if not _is_download(root, tags, preface, metas):
        return None
    page = WorkPage(info_from_tags(AO3, definitions(tags), work_id(root)))
    chapter: PageChapter | None = None
    afterword = find(root, id="afterword")
    for meta in metas:
        if tags is not None and tags in meta.iter("dl"):
            _download_preface(page, meta)
            continue
        heading = find(meta, "h2")
        if heading is not None:
            chapter = PageChapter(words(heading) or None)
            page.chapters.append(chapter)
        in_afterword = afterword is not None and afterword in meta.iterancestors()
        for role, block in labelled_blocks(meta, _LABELS):
            if in_afterword or (chapter is None and role == "end notes"):
                page.end_notes.append(block)
            elif chapter is not None:
                chapter.parts.append((role, block))
        text = meta.getnext()
        while text is not None and not isinstance(text.tag, str):
            text = text.getnext()
        if chapter is not None and heading is not None and text is not None \
                and any(c.startswith("userstuff") for c in classes(text)):
            chapter.parts.append(("text", text))
    return page


def _is_download(root: Element, tags: Element | None, preface: Element | None,
                 metas: list[Element]) -> bool:
    if preface is not None and tags is not None:
        return True
    message = find(root, "p", cls=("message",))
    posted = " ".join(words(p) for p in root.iter("p") if "message" in classes(p))
    if message is not None and "archive of our own" in posted.lower():
        return True
    # A chapter file of the EPUB: a meta box with the chapter heading, then the text.
    return any(find(m, "h2", cls=("heading",)) is not None for m in metas) and any(
        str(el.get("class") or "").startswith("userstuff") for el in root.iter("div")
    ) and find(root, "dl", cls=("work", "meta")) is None


def _download_preface(page: WorkPage, meta: Element) -> None:
    page.title = words(find(meta, "h1")) or page.title
    byline = find(meta, cls=("byline",))
    if byline is not None:
        authors = [words(a) for a in byline.iter("a") if words(a)]
        page.author = ", ".join(authors) or words(byline).removeprefix("by ").strip() or None
    for role, block in labelled_blocks(meta, _LABELS):
        if role == "summary" and page.summary is None:
            page.summary = block
        elif role == "notes":
            page.notes.append(block)
        elif role == "end notes":
            page.end_notes.append(block)
