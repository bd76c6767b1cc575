"""formats/epub.py: EPUB 2 (NCX) and EPUB 3 (nav) books written here with zipfile."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.errors import AudiobookError, InputError
from audiobook.models import Book, Kind
from audiobook.text.formats import _epub_package as epub_package
from audiobook.text.read import load, read
from audiobook.text.segment import segment
from audiobook.text.structure import structure
from tests.conftest import check

XHTML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>{title}</title><link rel="stylesheet" href="style.css"/></head>
<body{body_attrs}>{body}</body></html>"""


@dataclass
class Page:
    name: str
    body: str
    nav: str | None = None
    """Title in the table of contents; None leaves the page out of it."""
    linear: bool = True
    body_attrs: str = ""


def container(opf: str = "OEBPS/content.opf") -> str:
    return f"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="{opf}" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def nav_xhtml(pages: list[Page], landmarks: dict[str, str]) -> str:
    items = "".join(f'<li><a href="{p.name}">{p.nav}</a></li>' for p in pages if p.nav)
    marks = "".join(
        f'<li><a epub:type="{kind}" href="{name}">{kind}</a></li>'
        for name, kind in landmarks.items()
    )
    body = (
        f'<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>{items}</ol></nav>'
        f'<nav epub:type="landmarks" hidden=""><ol>{marks}</ol></nav>'
    )
    return XHTML.format(title="Contents", body=body, body_attrs="")


def ncx_xml(points: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE ncx PUBLIC "-//NISO//DTD ncx 2005-1//EN" "http://www.daisy.org/z3986/2005/ncx-2005-1.dtd">
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
<head><meta name="dtb:uid" content="x"/></head><docTitle><text>T</text></docTitle>
<navMap>{points}</navMap></ncx>"""


def ncx_points(pages: list[Page]) -> str:
    return "".join(
        f'<navPoint id="n{k}" playOrder="{k + 1}"><navLabel><text>{p.nav}</text></navLabel>'
        f'<content src="{p.name}"/></navPoint>'
        for k, p in enumerate(pages)
        if p.nav
    )


def make_epub(
    pages: list[Page],
    *,
    version: int = 3,
    nav: bool = True,
    ncx: str | None = None,
    metadata: str = '<dc:title>The Lighthouse</dc:title><dc:creator>Ada Vale</dc:creator>',
    guide: str = "",
    landmarks: dict[str, str] | None = None,
    spine_order: list[str] | None = None,
    extra: dict[str, bytes | str] | None = None,
    edit: dict[str, Callable[[str], str]] | None = None,
    rename: dict[str, str] | None = None,
) -> bytes:
    """An EPUB in memory: mimetype first and stored, container, package, pages.

    ``edit`` rewrites members' text by name before they are stored; ``rename``
    stores members under other names.
    """
    buffer = io.BytesIO()
    edits, renames = edit or {}, rename or {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        class Writer:
            @staticmethod
            def writestr(name: str, text: str, **kwargs: int) -> None:
                text = edits.get(name, lambda t: t)(text)
                archive.writestr(renames.get(name, name), text, **kwargs)  # type: ignore[arg-type]

        z = Writer()
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", container())
        manifest, spine = [], []
        for k, page in enumerate(pages):
            manifest.append(
                f'<item id="p{k}" href="{page.name}" media-type="application/xhtml+xml"/>'
            )
            z.writestr(
                f"OEBPS/{page.name}",
                XHTML.format(title=page.name, body=page.body, body_attrs=page.body_attrs),
            )
        order = spine_order or [p.name for p in pages]
        for name in order:
            k = next(i for i, p in enumerate(pages) if p.name == name)
            linear = "" if pages[k].linear else ' linear="no"'
            spine.append(f'<itemref idref="p{k}"{linear}/>')
        if nav:
            manifest.append(
                '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
                'properties="nav"/>'
            )
            z.writestr("OEBPS/nav.xhtml", nav_xhtml(pages, landmarks or {}))
        toc_attr = ""
        if ncx is not None:
            manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
            z.writestr("OEBPS/toc.ncx", ncx)
            toc_attr = ' toc="ncx"'
        opf = f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="{version}.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
<dc:identifier id="id">urn:x</dc:identifier>{metadata}</metadata>
<manifest>{"".join(manifest)}</manifest>
<spine{toc_attr}>{"".join(spine)}</spine>
{f"<guide>{guide}</guide>" if guide else ""}
</package>"""
        z.writestr("OEBPS/content.opf", opf)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def book_of(data: bytes, name: str = "book.epub") -> Book:
    return structure(load(data, path=Path(name)))


def chapter_text(book: Book, n: int) -> str:
    c = book.chapters[n]
    return book.document.text[c.start : c.end]


def matter(book: Book) -> list[tuple[str, str, bool]]:
    return [(m.label, book.document.text[m.start : m.end], m.front) for m in book.matter]


def spoken(book: Book) -> list[tuple[str, str]]:
    text = book.document.text
    return [
        (s.kind.value, text[s.start : s.end])
        for s in segment(book)
        if s.kind not in (Kind.FRONT_MATTER, Kind.BACK_MATTER)
    ]


COVER = Page("cover.xhtml", '<div><img src="cover.jpg" alt="Cover"/></div>')
TITLE_PAGE = Page(
    "title.xhtml",
    '<section epub:type="titlepage"><h1>The Lighthouse</h1><p>Ada Vale</p></section>',
)
COPYRIGHT = Page(
    "copyright.xhtml", "<p>Copyright © 2024 Ada Vale.</p><p>All rights reserved.</p>",
    nav="Copyright",
)
CHAPTER_1 = Page(
    "ch1.xhtml",
    "<h1>Chapter One</h1>"
    "<p>The lamp was <em>lit</em> at dusk.<a epub:type=\"noteref\" href=\"#n1\">1</a></p>"
    "<p><i>I should go home,</i> Mara thought.</p>"
    '<aside epub:type="footnote" id="n1"><p>Lamps were lit by hand then.</p></aside>',
    nav="The Lamp",
)
CHAPTER_2 = Page(
    "ch2.xhtml",
    '<h1>Chapter Two</h1><p>“Come in,” said Tom.</p><hr/><p>Morning came.</p>',
    nav="The Visitor",
)


def test_epub3_chapters_from_nav_titles_in_spine_order_front_matter_and_footnotes() -> None:
    pages = [COVER, TITLE_PAGE, COPYRIGHT, CHAPTER_1, CHAPTER_2]
    # The table of contents lists the chapters out of order; the spine decides.
    pages_in_nav_order = [COVER, TITLE_PAGE, COPYRIGHT, CHAPTER_2, CHAPTER_1]
    data = make_epub(pages_in_nav_order, spine_order=[p.name for p in pages])
    book = book_of(data)
    assert book.document.text == (
        "The Lighthouse\n\nAda Vale\n\n"
        "Copyright © 2024 Ada Vale.\n\nAll rights reserved.\n\n"
        "Chapter One\n\nThe lamp was *lit* at dusk.\n\n*I should go home,* Mara thought.\n\n"
        "Lamps were lit by hand then.\n\n"
        "Chapter Two\n\n“Come in,” said Tom.\n\n* * *\n\nMorning came.\n"
    )
    assert (book.title, book.author) == ("The Lighthouse", "Ada Vale")
    assert [c.title for c in book.chapters] == ["The Lamp", "The Visitor"]
    assert chapter_text(book, 0).startswith("Chapter One\n\nThe lamp")
    assert matter(book) == [
        ("title page", "The Lighthouse\n\nAda Vale", True),
        ("copyright page", "Copyright © 2024 Ada Vale.\n\nAll rights reserved.", True),
        ("footnotes", "Lamps were lit by hand then.", False),
        ("scene break", "* * *", False),
    ]
    assert spoken(book) == [
        ("heading", "Chapter One"),
        ("narration", "The lamp was *lit* at dusk."),
        ("thought", "I should go home,"),
        ("narration", "Mara thought."),
        ("heading", "Chapter Two"),
        ("dialogue", "Come in,"),
        ("narration", "said Tom."),
        ("narration", "Morning came."),
    ]


def test_epub3_navigation_document_in_the_spine_is_not_read() -> None:
    # nav.xhtml first in the spine, as many books have it: its <nav> is never text.
    spine = {"OEBPS/content.opf": lambda t: t.replace("<spine>", '<spine><itemref idref="nav"/>')}
    book = book_of(make_epub([CHAPTER_1, CHAPTER_2], edit=spine))
    assert book.document.text.startswith("Chapter One\n\n")
    assert [c.title for c in book.chapters] == ["The Lamp", "The Visitor"]


def test_a_contents_page_named_by_the_guide_is_a_table_of_contents() -> None:
    contents = Page(
        "contents.xhtml",
        '<h2>Contents</h2><p><a href="ch1.xhtml">The Lamp</a></p>'
        '<p><a href="ch2.xhtml">The Visitor</a></p>',
    )
    data = make_epub(
        [contents, CHAPTER_1, CHAPTER_2],
        version=2,
        nav=False,
        ncx=ncx_xml(ncx_points([CHAPTER_1, CHAPTER_2])),
        guide='<reference type="toc" title="Contents" href="contents.xhtml"/>',
    )
    book = book_of(data)
    assert matter(book)[0] == (
        "table of contents", "Contents\n\nThe Lamp\n\nThe Visitor", True
    )
    assert [c.title for c in book.chapters] == ["The Lamp", "The Visitor"]


def test_epub3_landmarks_mark_pages_not_listed_as_chapters() -> None:
    dedication = Page("dedication.xhtml", "<p>For my mother.</p>")
    pages = [dedication, CHAPTER_1, CHAPTER_2]
    book = book_of(make_epub(pages, landmarks={"dedication.xhtml": "dedication"}))
    assert matter(book)[0] == ("dedication", "For my mother.", True)


def test_unlisted_pages_before_the_first_chapter_are_front_matter() -> None:
    half_title = Page("half.xhtml", "<p>THE LIGHTHOUSE</p><p>A novel</p>")
    book = book_of(make_epub([half_title, CHAPTER_1, CHAPTER_2]))
    assert matter(book)[0] == ("front matter", "THE LIGHTHOUSE\n\nA novel", True)
    assert book.chapters[0].title == "The Lamp"


def test_epub3_description_is_the_summary_and_authors_by_role() -> None:
    metadata = (
        "<dc:title>The Lighthouse</dc:title>"
        '<dc:creator id="a1">Ada Vale</dc:creator>'
        '<meta refines="#a1" property="role" scheme="marc:relators">aut</meta>'
        '<dc:creator id="a2">Ed Itor</dc:creator>'
        '<meta refines="#a2" property="role" scheme="marc:relators">edt</meta>'
        "<dc:description>&lt;p&gt;A keeper and a &lt;i&gt;storm&lt;/i&gt;.&lt;/p&gt;"
        "</dc:description>"
    )
    book = book_of(make_epub([CHAPTER_1], metadata=metadata))
    assert (book.author, book.summary) == ("Ada Vale", "A keeper and a storm.")


def test_title_and_author_options_override_the_package() -> None:
    doc = load(make_epub([CHAPTER_1]), path=Path("b.epub"))
    book = structure(doc, title="Other", author="Someone")
    assert (book.title, book.author) == ("Other", "Someone")


def test_epub2_ncx_nested_parts_fragments_guide_and_doctype() -> None:
    part = Page("part1.xhtml", "<h1>Part One</h1>")
    # Two chapters in one file, reached through fragment identifiers.
    both = Page(
        "text.xhtml",
        '<h2 id="c1">I</h2><p>First words.</p>'
        '<div id="c2"><h2>II</h2><p>Second words.</p></div>',
    )
    title = Page("title.xhtml", "<p>The Lighthouse</p><p>by Ada Vale</p>")
    points = (
        '<navPoint id="t" playOrder="1"><navLabel><text>Title Page</text></navLabel>'
        '<content src="title.xhtml"/></navPoint>'
        '<navPoint id="p" playOrder="2"><navLabel><text>Part One</text></navLabel>'
        '<content src="part1.xhtml"/>'
        '<navPoint id="a" playOrder="3"><navLabel><text>I</text></navLabel>'
        '<content src="text.xhtml#c1"/></navPoint>'
        '<navPoint id="b" playOrder="4"><navLabel><text>II</text></navLabel>'
        '<content src="text.xhtml#c2"/></navPoint>'
        "</navPoint>"
    )
    data = make_epub(
        [title, part, both],
        version=2,
        nav=False,
        ncx=ncx_xml(points),
        guide='<reference type="title-page" title="Title" href="title.xhtml"/>',
    )
    book = book_of(data)
    assert [c.title for c in book.chapters] == ["Part One, Chapter 1", "Chapter 2"]
    assert chapter_text(book, 0) == "Part One\n\nI\n\nFirst words.\n\n"
    assert chapter_text(book, 1) == "II\n\nSecond words."
    assert matter(book)[0] == ("title page", "The Lighthouse\n\nby Ada Vale", True)
    assert book.author == "Ada Vale"


def test_epub2_ncx_when_the_nav_is_missing_from_an_epub3() -> None:
    pages = [CHAPTER_1, CHAPTER_2]
    book = book_of(make_epub(pages, nav=False, ncx=ncx_xml(ncx_points(pages))))
    assert [c.title for c in book.chapters] == ["The Lamp", "The Visitor"]


def test_without_any_navigation_headings_make_the_chapters() -> None:
    book = book_of(make_epub([CHAPTER_1, CHAPTER_2], nav=False))
    assert [c.title for c in book.chapters] == ["Chapter One", "Chapter Two"]


def test_non_linear_pages_are_not_read() -> None:
    popup = Page("popup.xhtml", "<p>A pop-up aside.</p>", linear=False)
    book = book_of(make_epub([CHAPTER_1, popup]))
    assert "pop-up" not in book.document.text


def test_pages_in_a_subfolder_and_escaped_names() -> None:
    chapter = Page("text/chapter%20one.xhtml", "<h1>One</h1><p>Words.</p>", nav="One")
    data = make_epub(
        [chapter], rename={"OEBPS/text/chapter%20one.xhtml": "OEBPS/text/chapter one.xhtml"}
    )
    book = book_of(data)
    assert book.document.text == "One\n\nWords.\n"


def test_read_dispatches_on_the_epub_suffix_and_on_content(tmp_path: Path) -> None:
    data = make_epub([CHAPTER_1])
    (tmp_path / "book.epub").write_bytes(data)
    (tmp_path / "book.bin").write_bytes(data)
    assert read(tmp_path / "book.epub").hints is not None
    assert read(tmp_path / "book.bin").text == read(tmp_path / "book.epub").text


def test_a_broken_zip_is_an_input_error() -> None:
    data = make_epub([CHAPTER_1])
    with pytest.raises(InputError, match=r"book.epub is not a readable EPUB: its zip"):
        load(data[: len(data) // 2], path=Path("book.epub"))


def test_a_damaged_member_is_an_input_error() -> None:
    data = bytearray(make_epub([Page("ch1.xhtml", "<p>" + "words " * 2000 + "</p>")]))
    at = data.index(b"OEBPS/ch1.xhtml") + 40  # inside the member's compressed data
    data[at : at + 40] = b"\xff" * 40
    with pytest.raises(InputError, match=r"book\.epub is not a readable EPUB: OEBPS/ch1\.xhtml in"):
        load(bytes(data), path=Path("book.epub"))


def test_a_text_file_named_epub_is_an_input_error() -> None:
    with pytest.raises(InputError, match="is not a readable EPUB"):
        load(b"Just some words.", path=Path("book.epub"))


def test_a_zip_without_a_package_is_not_an_epub() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="is a zip archive but not an EPUB"):
        load(buffer.getvalue(), path=Path("book.epub"))


def test_zip_bomb_member_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(epub_package, "MAX_MEMBER_BYTES", 10_000)
    big = Page("ch1.xhtml", "<p>" + "a" * 50_000 + "</p>", nav="One")
    with pytest.raises(InputError, match=r"ch1\.xhtml unpacks to more than 9 KB"):
        load(make_epub([big]), path=Path("book.epub"))


def test_zip_bomb_in_total_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(epub_package, "MAX_TOTAL_BYTES", 30_000)
    pages = [Page(f"c{k}.xhtml", "<p>" + "a" * 8_000 + "</p>", nav=f"C{k}") for k in range(5)]
    with pytest.raises(InputError, match=r"unpacks to more than 29 KB of text"):
        load(make_epub(pages), path=Path("book.epub"))


def test_member_names_that_climb_out_are_only_keys(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    evil = "<p>Never read.</p>"
    chapter = Page("../../evil.xhtml", evil, nav="Evil")
    data = make_epub([chapter, CHAPTER_1], extra={"../../evil.xhtml": evil})
    book = book_of(data)
    assert "Never read" not in book.document.text
    assert [c.title for c in book.chapters] == ["The Lamp"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == []  # nothing was written


LAUGHS = (
    '<!DOCTYPE package [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def test_entity_expansion_in_the_package_is_refused() -> None:
    laughs = {"OEBPS/content.opf": lambda t: t.replace("<package", LAUGHS + "<package", 1)}
    data = make_epub([CHAPTER_1], metadata="<dc:title>&c;</dc:title>", edit=laughs)
    with pytest.raises(InputError, match="declares XML entities"):
        load(data, path=Path("book.epub"))


def test_entities_in_a_content_document_are_not_expanded() -> None:
    page = Page("ch1.xhtml", "<p>Start &c; end.</p>", nav="One")
    doctype = LAUGHS.replace("package", "html")
    laughs = {"OEBPS/ch1.xhtml": lambda t: t.replace("<!DOCTYPE html>", doctype)}
    text = book_of(make_epub([page], edit=laughs)).document.text
    assert "aaaaaaaaaa" not in text
    assert "Start" in text


def test_drm_encrypted_content_is_an_input_error() -> None:
    encryption = """<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
 xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
<enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
<enc:CipherData><enc:CipherReference URI="OEBPS/ch1.xhtml"/></enc:CipherData></enc:EncryptedData>
</encryption>"""
    data = make_epub([CHAPTER_1], extra={"META-INF/encryption.xml": encryption})
    with pytest.raises(InputError, match="protected by DRM"):
        load(data, path=Path("book.epub"))


def test_obfuscated_fonts_are_not_drm() -> None:
    encryption = """<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
 xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
<enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>
<enc:CipherData><enc:CipherReference URI="OEBPS/font.otf"/></enc:CipherData></enc:EncryptedData>
</encryption>"""
    data = make_epub([CHAPTER_1], extra={"META-INF/encryption.xml": encryption})
    assert book_of(data).chapters[0].title == "The Lamp"


def test_an_epub_without_text_is_an_input_error() -> None:
    with pytest.raises(InputError, match="has no text in its reading order"):
        load(make_epub([COVER]), path=Path("book.epub"))


def test_malformed_xhtml_is_read_leniently() -> None:
    page = Page("ch1.xhtml", "<h1>One<p>Unclosed <i>italic words</p><p>Next &nbsp; one</div>",
                nav="One")
    book = book_of(make_epub([page]))
    assert book.document.text == "One\n\nUnclosed *italic words*\n\nNext one\n"


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_damaged_epubs_only_raise_input_errors(data: st.DataObject) -> None:
    good = make_epub([TITLE_PAGE, CHAPTER_1, CHAPTER_2])
    damaged = bytearray(good)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(damaged) // 2, len(damaged)))
    try:
        book = book_of(bytes(damaged[:cut]))
    except AudiobookError:
        return
    check(book, segment(book))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(
    ["<p>", "</p>", "<h1>", "</h1>", "<i>", "</i>", "<aside epub:type='footnote'>", "</aside>",
     "<section epub:type='titlepage'>", "</section>", "<hr/>", "words", '"Hi," he said.', " "]
), max_size=20), st.lists(st.booleans(), min_size=3, max_size=3))
def test_any_pages_give_a_valid_book_or_an_input_error(
    parts: list[str], listed: list[bool]
) -> None:
    pages = [Page(f"p{k}.xhtml", "".join(parts[k::3]), nav=f"P{k}" if listed[k] else None)
             for k in range(3)]
    try:
        book = book_of(make_epub(pages))
    except AudiobookError:
        return
    check(book, segment(book))


def test_chapters_titled_only_by_the_navigation_are_announced_before_they_begin(
    tmp_path: Path,
) -> None:
    from audiobook.casting.plan import plan
    from audiobook.config import Config, Pauses
    from audiobook.pipeline import prepare

    untitled = Page("a.xhtml", "<p>The lamp was lit at dusk.</p>", nav="The Lamp")
    titled = Page("b.xhtml", "<h1>Chapter Two</h1><p>Morning came.</p>", nav="The Visitor")
    path = tmp_path / "book.epub"
    path.write_bytes(make_epub([untitled, titled]))
    ready = prepare(path, Config(engine="fake", cache_dir=tmp_path / "c"))
    script, cast = ready.script, ready.cast
    assert [(c.title, c.announce) for c in script.book.chapters] == [
        ("The Lamp", True),
        ("The Visitor", False),  # announced where the page's own heading stands
    ]
    pauses = Pauses()
    said = [(u.text, u.chapter, u.pause_before_ms) for u in plan(script, cast, pauses)]
    assert said == [
        ("The Lighthouse. By Ada Vale.", 0, pauses.lead_in_ms),
        ("The Lamp", 0, pauses.scene_ms),
        ("The lamp was lit at dusk.", 0, pauses.heading_ms),
        ("The Visitor", 1, pauses.chapter_ms),
        ("Morning came.", 1, pauses.heading_ms),
    ]
