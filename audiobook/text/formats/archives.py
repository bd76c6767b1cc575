"""Fan-fiction archive page -> the story's own parts (``WorkPage``), and the clean page
the HTML reader reads them from.

Pages are recognised by content, not by file name: an Archive of Our Own work page
(one chapter, or the entire work) or download (HTML, or a file of its EPUB), a
FanFiction.net chapter page, and FanFicFare's HTML and EPUB output. Everything else
on them (menus, search, tag lists, statistics, kudos, comments, share and download
links, chapter select boxes) is left behind, so it can never be read aloud.
``compose`` joins the pages of one work (several chapter pages of a story) into one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

from lxml import html as lxml_html

from audiobook.text.formats import _ao3, _ffn
from audiobook.text.formats._elements import Element
from audiobook.text.formats._work import AO3, FANFICFARE, FFN, PageChapter, WorkPage

__all__ = ["AO3", "FANFICFARE", "FFN", "PageChapter", "WorkPage", "compose", "recognise"]

RECOGNISERS: tuple[Callable[[Element], WorkPage | None], ...] = (
    _ffn.chapter_page,
    _ao3.work_page,
    _ffn.fanficfare,
    _ao3.download,
)


def recognise(root: Element, *, whole: bool = True) -> WorkPage | None:
    """The story's parts, if the page is one of an archive's own. ``whole=False``
    (for one file of an EPUB) accepts a page with no chapter on it: a title page,
    a preface or an afterword."""
    for recogniser in RECOGNISERS:
        page = recogniser(root)
        if page is not None and (page.chapters or not whole):
            return page
    return None


def not_the_story(root: Element) -> str | None:
    """Why a saved page holds no story though it comes from an archive: the adult
    content warning before a work, or a site's browser check; None for any other page."""
    links = [str(a.get("href") or "") for a in root.iter("a")]
    caution = any("caution" in str(p.get("class") or "").split() for p in root.iter("p"))
    if caution and any("view_adult=true" in href for href in links):
        return ("is the archive's adult content warning, not the work: choose "
                "'Proceed' on the page, then save it again")
    title = " ".join(root.findtext(".//title", default="").split()).lower()
    if title in ("just a moment...", "just a moment…", "attention required!") or (
        root.find(".//*[@id='challenge-form']") is not None
    ):
        return ("is the site's browser check page, not the story: wait for the story "
                "to show in the browser, then save it again")
    return None


def _copy(el: Element) -> Element:
    out = copy.deepcopy(el)
    out.tail = None
    return out


def _box(cls: str, el: Element) -> Element:
    box = lxml_html.Element("div", {"class": cls})
    box.append(_copy(el))
    return box


_ROLE_CLASSES = {"notes": "notes", "summary": "summary", "end notes": "endnotes"}


def compose(pages: Sequence[WorkPage], *, headings: bool | None = None) -> Element:
    """One clean page for the pages of one work, in chapter order: the first page's
    title, byline, summary and notes, every page's chapters (each under its title
    when the work has several), the work's end notes."""
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
    count = sum(len(page.chapters) for page in pages)
    if headings is None:
        headings = count > 1 or len(titles) > 1
    for page in pages:
        for chapter in page.chapters:
            title = chapter.title or titles.get(page.info.part or 0)
            if headings and title:
                heading = lxml_html.Element("h2")
                heading.text = title
                body.append(heading)
            for role, el in chapter.parts:
                body.append(_box(_ROLE_CLASSES.get(role, "story"), el))
    for page in pages:
        for notes in page.end_notes:
            body.append(_box("endnotes", notes))
    return root
