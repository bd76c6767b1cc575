"""formats/html.py: pages and fan-fiction archive downloads, read by their structure."""

from __future__ import annotations

import codecs
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from audiobook.cli import app
from audiobook.errors import AudiobookError, InputError
from audiobook.models import Book, Kind
from audiobook.text.read import load, read
from audiobook.text.segment import segment
from audiobook.text.structure import structure
from tests.conftest import check

# The shape of an archive's one-page download: preface (tags, title, byline, summary,
# notes), chapters with their own notes, afterword with end notes and a request.
ARCHIVE_DOWNLOAD = """<!DOCTYPE html>
<html><head><meta charset="UTF-8"/>
<title>The Long Way - Jo - Naruto [Archive of Our Own]</title>
<style>p { color: red }</style><script>var never = "read";</script></head>
<body>
<div id="preface">
  <h2 class="toc-heading">Preface</h2>
  <p class="message"><b>The Long Way</b><br/>Posted originally on the
    <a href="http://example.org/">Archive</a> at <a href="http://example.org/w/1">link</a>.</p>
  <div class="meta">
    <dl class="tags"><dt>Rating:</dt><dd><a href="#">Teen And Up Audiences</a></dd></dl>
    <h1>The Long Way</h1>
    <div class="byline">by <a rel="author" href="http://example.org/u/jo">Jo</a></div>
    <p>Summary</p>
    <blockquote class="userstuff"><p>Kakashi walks <em>home</em>.</p><p>Slowly.</p></blockquote>
    <p>Notes</p>
    <blockquote class="userstuff"><p>Thanks to my beta!</p></blockquote>
  </div>
</div>
<div id="chapters" class="userstuff">
  <div class="meta group"><h2 class="heading">Chapter 1: Rain</h2>
    <p>Chapter Notes</p><blockquote class="userstuff"><p>Short one.</p></blockquote></div>
  <div class="userstuff">
    <p>It rained. <i>I should go home,</i> he thought.</p>
    <p>"Yes," she said.</p><hr/><p>Later.</p>
  </div>
  <div class="meta" id="endnotes1"><p>Chapter End Notes</p>
    <blockquote class="userstuff"><p>More soon.</p></blockquote></div>
  <div class="meta group"><h2 class="heading">Chapter 2: Sun</h2></div>
  <div class="userstuff"><p>The sun came out.<br/>It was warm.<br/><br/>Very warm.</p></div>
</div>
<div id="afterword"><h2 class="toc-heading">Afterword</h2>
  <div class="meta"><div id="endnotes"><p>End Notes</p>
    <blockquote class="userstuff"><p>Bye!</p></blockquote></div></div>
  <p class="message">Please <a href="#">drop by the archive and comment</a>!</p>
</div>
</body></html>"""

# The shape of a saved work page: site chrome around a work with preface modules.
SAVED_PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Harbour Lights | Site</title>
<meta name="description" content="A fan fiction site."/></head>
<body>
<ul id="skiplinks"><li><a href="#main">Main Content</a></li></ul>
<header id="header" class="region"><h1 class="heading"><a href="/">The Site</a></h1>
  <nav><ul><li><a href="/works">Works</a></li></ul></nav></header>
<div id="main" role="main">
  <ul class="work navigation actions"><li><a href="#">Kudos</a></li></ul>
  <div id="workskin">
    <div class="preface group">
      <h2 class="title heading">Harbour Lights</h2>
      <h3 class="byline heading"><a rel="author" href="/u/mo">Mo</a></h3>
      <div class="summary module"><h3 class="heading">Summary:</h3>
        <blockquote class="userstuff"><p>Boats come home.</p></blockquote></div>
      <div class="notes module"><h3 class="heading">Notes:</h3>
        <blockquote class="userstuff"><p>For the prompt.</p></blockquote></div>
    </div>
    <div id="chapters">
      <div class="chapter" id="chapter-1">
        <div class="chapter preface group">
          <h3 class="title"><a href="#">Chapter 1</a>: Dusk</h3></div>
        <div class="userstuff module" role="article">
          <h3 class="landmark heading" id="work">Chapter Text</h3>
          <p>The lamps were lit.</p>
        </div>
        <div class="chapter preface group"><div class="end notes module">
          <h3 class="heading">Notes:</h3><blockquote class="userstuff"><p>Thanks!</p></blockquote>
        </div></div>
      </div>
      <div class="chapter" id="chapter-2">
        <div class="chapter preface group">
          <h3 class="title"><a href="#">Chapter 2</a>: Dawn</h3></div>
        <div class="userstuff module" role="article"><p>The boats came in.</p></div>
      </div>
    </div>
  </div>
  <div id="feedback"><h3>Comments</h3><p>Great story!</p></div>
</div>
<footer id="footer"><p>Site footer.</p></footer>
<script>document.write("never read")</script>
</body></html>"""


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def book_of(html: str | bytes, name: str = "story.html") -> Book:
    data = html.encode("utf-8") if isinstance(html, str) else html
    return structure(load(data, path=Path(name)))


def matter(book: Book) -> list[tuple[str, str, bool]]:
    return [(m.label, book.document.text[m.start : m.end], m.front) for m in book.matter]


def spoken(book: Book) -> list[tuple[str, str]]:
    text = book.document.text
    return [
        (s.kind.value, text[s.start : s.end])
        for s in segment(book)
        if s.kind not in (Kind.FRONT_MATTER, Kind.BACK_MATTER)
    ]


def test_archive_download_text_metadata_matter_and_chapters() -> None:
    book = book_of(ARCHIVE_DOWNLOAD)
    assert (book.title, book.author, book.summary) == (
        "The Long Way", "Jo", "Kakashi walks home. Slowly."
    )
    assert [c.title for c in book.chapters] == ["Chapter 1: Rain", "Chapter 2: Sun"]
    assert "never" not in book.document.text and "color" not in book.document.text
    # Recognised as the archive's download: the preface's tag list, the "Summary" and
    # "Notes" labels and the afterword's request are left out of the text altogether.
    assert matter(book) == [
        ("title line", "The Long Way", True),
        ("author line", "by Jo", True),
        ("summary", "Kakashi walks *home*.\n\nSlowly.", True),
        ("author's note", "Thanks to my beta!", True),
        ("author's note", "Short one.", True),
        ("scene break", "* * *", False),
        ("author's note", "More soon.", False),
        ("author's note", "Bye!", False),
    ]
    for chrome in ("Preface", "Posted originally", "Rating", "Afterword", "drop by"):
        assert chrome not in book.document.text
    assert spoken(book) == [
        ("heading", "Chapter 1: Rain"),
        ("narration", "It rained."),
        ("thought", "I should go home,"),
        ("narration", "he thought."),
        ("dialogue", "Yes,"),
        ("narration", "she said."),
        ("narration", "Later."),
        ("heading", "Chapter 2: Sun"),
        ("narration", "The sun came out."),
        ("narration", "It was warm."),
        ("narration", "Very warm."),
    ]


def test_read_notes_reads_the_notes_blocks() -> None:
    book = book_of(ARCHIVE_DOWNLOAD)
    read_aloud = [
        book.document.text[s.start : s.end]
        for s in segment(book, read_notes=True)
        if s.kind is Kind.NARRATION
    ]
    # The notes' own words, without the "Notes" label the page puts over them.
    assert "Thanks to my beta!" in read_aloud
    assert "Notes" not in read_aloud


def test_saved_page_chrome_is_never_read_and_modules_are_matter() -> None:
    book = book_of(SAVED_PAGE)
    text = book.document.text
    for chrome in ("Main Content", "The Site", "Works", "Kudos", "Chapter Text",
                   "Great story", "Site footer", "never read"):
        assert chrome not in text
    assert (book.title, book.author, book.summary) == ("Harbour Lights", "Mo", "Boats come home.")
    assert [c.title for c in book.chapters] == ["Chapter 1: Dusk", "Chapter 2: Dawn"]
    assert [label for label, _, _ in matter(book)] == [
        "title line", "author line", "summary", "author's note", "author's note"
    ]
    assert matter(book)[-1] == ("author's note", "Notes:\n\nThanks!", False)
    assert spoken(book) == [
        ("heading", "Chapter 1: Dusk"),
        ("narration", "The lamps were lit."),
        ("heading", "Chapter 2: Dawn"),
        ("narration", "The boats came in."),
    ]


def test_page_without_headings_uses_plain_text_rules() -> None:
    html = page(
        "<p>Chapter 1</p><p>One.<br><br>Two.</p><p>* * *</p><p>Three.</p>"
        "<p>Chapter 2</p><p>Four.</p><p>A/N: thanks for reading!</p>",
        head="<title>Small Hours</title>",
    )
    book = book_of(html)
    assert book.document.text == (
        "Chapter 1\n\nOne.\n\nTwo.\n\n* * *\n\nThree.\n\nChapter 2\n\nFour.\n\n"
        "A/N: thanks for reading!\n"
    )
    assert book.title == "Small Hours"
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert [len(c.scenes) for c in book.chapters] == [2, 1]
    assert matter(book)[-1] == ("author's note", "A/N: thanks for reading!", False)


def test_chapter_headings_are_cleaned_and_parts_join_their_chapter() -> None:
    html = page("<h1>The Book</h1><h2>PART ONE</h2><h3>CHAPTER IV.</h3><p>Words.</p>"
                "<h3>Chapter 5</h3><h4>Small heading</h4><p>More.</p>")
    book = book_of(html)
    assert book.title == "The Book"
    assert [c.title for c in book.chapters] == ["Part One, Chapter 4", "Chapter 5"]
    assert spoken(book)[-2:] == [("narration", "Small heading"), ("narration", "More.")]


def test_chapter_heading_and_its_subtitle_make_one_title() -> None:
    book = book_of(page("<h2>Chapter 1</h2><h3>The Storm</h3><p>Rain fell.</p>"))
    assert [c.title for c in book.chapters] == ["Chapter 1: The Storm"]


def test_several_h1_headings_are_chapters_not_the_title() -> None:
    book = book_of(page("<h1>Chapter 1</h1><p>A.</p><h1>Chapter 2</h1><p>B.</p>",
                        head="<title>Twin Tales</title>"), name="x.html")
    assert book.title == "Twin Tales"
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]


def test_italics_from_tags_classes_and_styles_are_emphasis() -> None:
    html = page(
        '<p><em>One</em>, <span class="italic">two</span>, <span style="font-style: italic">'
        "three</span>, <i> spaced </i>words, <i>un</i>done, <b><i>bold</i></b>,"
        ' <i>not <span style="font-style:normal">this</span> one</i>.</p>'
    )
    assert book_of(html).document.text == (
        "*One*, *two*, *three*, *spaced* words, *un*done, *bold*, *not* this *one*.\n"
    )


def test_hidden_text_note_marks_and_page_furniture_are_dropped() -> None:
    html = page(
        '<p>Seen<span hidden>hidden</span><span aria-hidden="true">aria</span>'
        '<span style="display:none">none</span><a href="#fn1"><sup>[1]</sup></a>.</p>'
        "<noscript>enable js</noscript><form><input value='x'/><button>Go</button></form>"
        "<select><option>Chapter 1</option></select>"
    )
    assert book_of(html).document.text == "Seen.\n"


def test_lists_tables_quotes_and_preformatted_text_are_blocks() -> None:
    html = page(
        "<ul><li>one</li><li>two</li></ul><table><tr><td>cell a</td><td>cell b</td></tr></table>"
        "<blockquote>quoted</blockquote><pre>line one\n  line two</pre>"
    )
    assert book_of(html).document.text == (
        "one\n\ntwo\n\ncell a\n\ncell b\n\nquoted\n\nline one\nline two\n"
    )


def test_malformed_markup_is_read_leniently() -> None:
    html = "<html><body><p>One <i>two<p>Three</b> four</div></span><p>Five &amp; six &copy;"
    assert book_of(html).document.text == "One *two*\n\nThree four\n\nFive & six ©\n"


def test_too_deep_nesting_is_an_input_error() -> None:
    html = "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>"
    with pytest.raises(InputError, match=r"story\.html nests its markup too deeply"):
        book_of(html)


def test_a_big_page_is_read_quickly() -> None:
    html = page("".join(f"<p>Paragraph {n} has <i>some</i> words.</p>" for n in range(30_000)))
    began = time.perf_counter()
    book = book_of(html)
    assert time.perf_counter() - began < 15
    assert sum(len(s.paragraphs) for c in book.chapters for s in c.scenes) == 30_000


def test_a_page_without_text_is_an_input_error() -> None:
    with pytest.raises(InputError, match="has no story text"):
        book_of(page("<script>x()</script><nav>menu</nav>"))
    with pytest.raises(InputError, match="is empty"):
        book_of(" \n ")


def test_declared_charset_is_used_when_the_bytes_are_not_utf8() -> None:
    html = '<html><head><meta charset="windows-1251"></head><body><p>Привет.</p></body></html>'
    doc = load(html.encode("cp1251"), path=Path("story.html"))
    assert (doc.text, doc.encoding) == ("Привет.\n", "cp1251")
    http_equiv = html.replace('charset="windows-1251"',
                              'http-equiv="Content-Type" content="text/html; charset=koi8-r"')
    assert load(http_equiv.encode("koi8-r"), path=Path("s.html")).text == "Привет.\n"


def test_utf16_with_bom_and_forced_encoding() -> None:
    html = page("<p>“Zoë,” he said.</p>")
    assert load(codecs.BOM_UTF16_LE + html.encode("utf-16-le"), path=Path("s.htm")).text == (
        "“Zoë,” he said.\n"
    )
    forced = load(page("<p>Ça.</p>").encode("latin-1"), encoding="latin-1", path=Path("s.html"))
    assert forced.text == "Ça.\n"


def test_html_is_recognised_by_its_content_whatever_the_name(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("  <!DOCTYPE html><html><body><p>Words.</p></body></html>", "utf-8")
    assert read(story).hints is not None
    xhtml = tmp_path / "story"
    xhtml.write_text('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
                     "<body><p>Words.</p></body></html>", "utf-8")
    assert read(xhtml).text == "Words.\n"
    plain = tmp_path / "plain.txt"
    plain.write_text("He wrote <b>bold</b> things.", "utf-8")
    assert read(plain).hints is None


def test_script_text_prints_what_the_json_offsets_index(tmp_path: Path) -> None:
    story = tmp_path / "story.html"
    story.write_text(ARCHIVE_DOWNLOAD, "utf-8")
    runner = CliRunner()
    text = runner.invoke(app, ["script", str(story), "--text"])
    assert text.exit_code == 0, text.output
    assert text.stdout == load(story.read_bytes(), path=story).text
    script = json.loads(runner.invoke(app, ["script", str(story), "--json"]).stdout)
    spans = [(s["kind"], text.stdout[s["start"] : s["end"]]) for s in script["segments"]]
    assert ("thought", "I should go home,") in spans
    for chapter in script["chapters"]:
        title = chapter["title"]
        assert text.stdout[chapter["start"] : chapter["start"] + len(title)] == title


def test_script_text_of_plain_text_keeps_its_line_ends(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_bytes(b'One line.\r\n\r\n"Two," she said.\r\n')
    runner = CliRunner()
    # The runner's .stdout folds CRLF; the bytes are what a pipe receives.
    text = runner.invoke(app, ["script", str(story), "--text"]).stdout_bytes.decode()
    assert text == 'One line.\r\n\r\n"Two," she said.\r\n'
    script = json.loads(runner.invoke(app, ["script", str(story), "--json"]).stdout)
    assert [text[s["start"] : s["end"]] for s in script["segments"]] == [
        "One line.", "Two,", "she said."
    ]


PIECES = [
    "<p>", "</p>", "<br>", "<hr>", "<i>", "</i>", "<em>", "</em>", "<h1>", "</h1>", "<h2>",
    "</h2>", "<h3>", "</h3>", "<div class='summary'>", "<div class='notes'>", "</div>",
    "<blockquote>", "</blockquote>", "<script>", "</script>", "<nav>", "</nav>",
    "<a rel='author'>", "</a>", "<ul><li>", "</li></ul>", "<table><tr><td>", "</td></tr></table>",
    "Chapter 1", "Summary", "Notes", "A/N: hi", '"Hello," he said.', "*I must go,* he thought.",
    "plain words", "* * *", "&amp;", "&nbsp;", " ", "\n", "<!--", "-->", "<", ">", "&",
]
pages = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map(
    "".join
)


@settings(max_examples=150, deadline=None)
@given(pages)
def test_any_page_gives_a_valid_book_or_an_input_error(html: str) -> None:
    try:
        book = book_of(html)
    except AudiobookError:
        return
    check(book, segment(book))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_named_html_only_raise_audiobook_errors(data: bytes) -> None:
    try:
        book = structure(load(b"<html>" + data, path=Path("x.html")))
    except AudiobookError:
        return
    check(book, segment(book))
