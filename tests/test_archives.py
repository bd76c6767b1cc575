"""Fan-fiction archive files, as readers have them: recognised by content, read for
the story alone, their tags kept, their character tags in the cast.

The fixtures in tests/data/archives are written from the archives' public markup
(AO3's templates, FanFiction.net's page structure as downloaders read it,
FanFicFare's writers) around stories written for these tests; manifest.toml says
what each holds.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import tomllib
from conftest import decoded_ms, run, vtt_cues
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.id3 import ID3

from audiobook.text.tagged import tag_names

DATA = Path(__file__).parent / "data" / "archives"
MANIFEST = tomllib.loads((DATA / "manifest.toml").read_text(encoding="utf-8"))
SPOKEN = {"narration", "dialogue", "thought", "heading"}

# What the book's chapters are called: AO3 shows "Chapter 2: Still Water"; FanFiction.net
# and FanFicFare number their chapter lists ("2. The Pass"), which the book leaves off.
CHAPTERS = {
    "ao3_work_one_chapter": ["Salt and Lantern-Light"],
    "ao3_work_entire": MANIFEST["ao3_work_entire"]["chapters"],
    "ao3_download": MANIFEST["ao3_download"]["chapters"],
    "ao3_download_epub": MANIFEST["ao3_download_epub"]["chapters"],
    "ffn": MANIFEST["ffn"]["chapter_titles"],
    "fff": MANIFEST["fff"]["chapter_titles"],
    "fff_epub": MANIFEST["fff_epub"]["chapter_titles"],
}


def zip_epub(folder: Path, out: Path) -> Path:
    """An EPUB of a folder: the mimetype first and stored, as the format asks."""
    with zipfile.ZipFile(out, "w") as archive:
        archive.write(folder / "mimetype", "mimetype", compress_type=zipfile.ZIP_STORED)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "mimetype":
                archive.write(path, path.relative_to(folder).as_posix(),
                              compress_type=zipfile.ZIP_DEFLATED)
    return out


@pytest.fixture(params=sorted(CHAPTERS))
def fixture(request, tmp_path) -> tuple[str, dict, Path]:
    """(name, manifest entry, the story path: a file, an EPUB or a folder of pages)."""
    name = request.param
    entry = MANIFEST[name]
    if "dir" in entry:
        return name, entry, zip_epub(DATA / entry["dir"], tmp_path / f"{name}.epub")
    if "files" in entry:
        folder = tmp_path / name
        folder.mkdir()
        for file in entry["files"]:
            shutil.copy(DATA / file, folder / Path(file).name)
        return name, entry, folder
    return name, entry, DATA / entry["file"]


def script_of(path: Path, *options: str) -> tuple[dict, str]:
    result = run("script", str(path), "--json", "--engine", "fake", *options)
    assert result.exit_code == 0, result.output
    text = run("script", str(path), "--text").stdout
    return json.loads(result.stdout), text


def spoken(data: dict, text: str) -> str:
    return "\n".join(text[s["start"]:s["end"]] for s in data["segments"] if s["kind"] in SPOKEN)


def test_title_author_summary_and_chapters_are_the_works(fixture):
    name, entry, path = fixture
    data, _ = script_of(path)
    assert (data["title"], data["author"], data["summary"]) == (
        entry["title"], entry["author"], entry["summary"])
    assert [c["title"] for c in data["chapters"]] == CHAPTERS[name]


def test_not_one_word_of_site_chrome_is_spoken(fixture):
    _, entry, path = fixture
    data, text = script_of(path)
    said = spoken(data, text)
    heard = [phrase for phrase in entry["chrome"]
             if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", said)]
    assert heard == []


def test_the_story_is_all_there(fixture):
    _, entry, path = fixture
    data, text = script_of(path)
    said = spoken(data, text)
    for key in ("first_line", "last_line"):
        if key in entry:
            assert entry[key] in said
    kinds = {s["kind"] for s in data["segments"]}
    assert "dialogue" in kinds


def test_notes_are_skipped_unless_asked_for(fixture):
    _, entry, path = fixture
    data, text = script_of(path)
    said = spoken(data, text)
    notes = [" ".join(n.split()[:6]) for n in entry["notes"]]
    assert [n for n in notes if n in said] == []
    loud, loud_text = script_of(path, "--read-notes")
    said = spoken(loud, loud_text)
    assert [n for n in notes if n not in said] == []


def test_the_tagged_characters_are_in_the_cast_from_the_tags(fixture):
    _, entry, path = fixture
    data, _ = script_of(path)
    work = data["work"]
    assert work["characters"] == entry["characters"]
    assert work["rating"] == entry["rating"] and work["warnings"] == entry["warnings"]
    assert work["fandoms"] == [entry["fandom"]]
    names = {c["name"]: c for c in data["characters"]}
    for tag in entry["characters"]:
        tagged = tag_names(tag)
        assert tagged is not None
        who = [c for c in names.values() if tagged[0] in (c["name"], *c["aliases"])]
        assert len(who) == 1, (tag, sorted(names))
        assert who[0]["origin"] == "archive tags"


def test_cast_says_where_each_character_came_from():
    result = run("cast", str(DATA / "ao3_work_one_chapter.html"), "--engine", "fake")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    arashi = next(line for line in lines if line.startswith("Hoshino Arashi"))
    assert arashi.endswith("from archive tags") and "male" in arashi
    assert not any(line.startswith(("Thankfully", "Kami", "Boss", "Suiton")) for line in lines)


def test_a_folder_of_one_storys_chapter_pages_is_one_book(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for n, file in enumerate(reversed(MANIFEST["ffn"]["files"])):
        shutil.copy(DATA / file, folder / f"page-{n}.html")  # names out of chapter order
    out = tmp_path / "out"
    result = run("generate", str(folder), "-o", str(out), "--engine", "fake",
                 "--cache", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.output
    mp3s = list(out.glob("*.mp3"))
    assert [p.name for p in mp3s] == ["The Healer's Last Lesson.mp3"]
    tags = ID3(mp3s[0])
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == CHAPTERS["ffn"]
    comment = tags.getall("COMM")[0].text[0]
    assert comment.startswith(MANIFEST["ffn"]["summary"])
    assert "Rating: T" in comment and "Fandom: Kiri no Tomoshibi" in comment
    assert decoded_ms(mp3s[0]) > 10_000
    said = " ".join(cue[3] for cue in vtt_cues(out / "The Healer's Last Lesson.vtt"))
    assert "Reviews" not in said and "Follow/Fav" not in said


def test_pages_given_as_files_are_one_book_and_other_files_stay_apart(tmp_path):
    pages = [DATA / f for f in MANIFEST["ffn"]["files"]]
    other = DATA / "ao3_work_one_chapter.html"
    out = tmp_path / "out"
    result = run("generate", str(pages[2]), str(other), str(pages[0]), str(pages[1]),
                 "-o", str(out), "--engine", "fake", "--cache", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.mp3")) == [
        "Salt and Lantern-Light.mp3", "The Healer's Last Lesson.mp3"]
    assert "made 2 of 2 audiobooks" in result.stderr


def test_the_comment_tag_carries_rating_and_warnings_but_they_are_not_spoken(tmp_path):
    entry = MANIFEST["ao3_work_entire"]
    out = tmp_path / "out"
    result = run("generate", str(DATA / entry["file"]), "-o", str(out), "--engine", "fake",
                 "--cache", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.output
    mp3 = out / f"{entry['title']}.mp3"
    comment = ID3(mp3).getall("COMM")[0].text[0]
    assert comment == (
        f"{entry['summary']}\n\nFandom: {entry['fandom']}\nRating: {entry['rating']}\n"
        f"Warnings: {', '.join(entry['warnings'])}\n"
        f"Relationships: {', '.join(entry['relationships'])}\n"
        f"Characters: {', '.join(entry['characters'])}\n"
        f"Tags: Gen, {', '.join(entry['additional_tags'])}"
    )
    said = " ".join(cue[3] for cue in vtt_cues(mp3.with_suffix(".vtt")))
    assert entry["rating"] not in said and "No Archive Warnings Apply" not in said


PAGES = [
    DATA / "ao3_work_entire.html",
    DATA / "ao3_download.html",
    DATA / "fff.html",
    DATA / "ffn" / "ch2.html",
    DATA / "ao3_download_epub" / "What_the_River_Keeps_split_000.xhtml",
    DATA / "fff_epub" / "OEBPS" / "title_page.xhtml",
]


@settings(max_examples=60, deadline=None)
@given(page=st.sampled_from(PAGES), cuts=st.lists(st.integers(0, 10_000), max_size=6),
       empty=st.booleans())
def test_a_damaged_archive_page_reads_or_says_why(page, cuts, empty):
    """Pages cut down by a broken save (missing boxes, empty text, stray markup) give a
    book or one InputError, never a crash."""
    from lxml import html as lxml_html

    from audiobook.errors import InputError
    from audiobook.text.read import load

    root = lxml_html.document_fromstring(page.read_bytes())
    elements = [el for el in root.iter() if isinstance(el.tag, str) and el.getparent() is not None]
    assert elements
    for cut in cuts:
        victim = elements[cut % len(elements)]
        if victim.getparent() is not None and victim is not root.find("body"):
            if empty:
                victim.clear()
            else:
                victim.drop_tree()
    data = lxml_html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")
    try:
        doc = load(data, None, Path("page.html"))
    except InputError:
        return
    assert doc.text.strip()


def ao3_chapter_pages(folder: Path) -> list[Path]:
    """The entire-work page cut into chapter-by-chapter pages, each with the chapter
    select box AO3 shows in that view, its own chapter selected."""
    from lxml import html as lxml_html

    source = (DATA / "ao3_work_entire.html").read_bytes()
    titles = MANIFEST["ao3_work_entire"]["chapter_titles"]
    pages = []
    for n in range(1, len(titles) + 1):
        root = lxml_html.document_fromstring(source)
        for box in root.xpath("//div[@id='chapters']/div[contains(@class, 'chapter')]"):
            if box.get("id") != f"chapter-{n}":
                box.drop_tree()
        options = "".join(
            f'<option value="{900 + k}"{" selected" if k == n else ""}>{k}. {t}</option>'
            for k, t in enumerate(titles, start=1)
        )
        nav = lxml_html.fragment_fromstring(
            '<ul class="work navigation actions"><li class="chapter" aria-haspopup="true">'
            '<form id="chapter_index" action="/works/50223344/chapters" method="get">'
            f'<select name="selected_id" id="selected_id">{options}</select>'
            '<input type="submit" value="Go"></form></li></ul>'
        )
        root.find("body").insert(0, nav)
        page = folder / f"chapter {4 - n}.html"
        page.write_bytes(lxml_html.tostring(root, encoding="utf-8"))
        pages.append(page)
    return pages


def test_ao3_chapter_by_chapter_pages_make_one_book(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    ao3_chapter_pages(folder)
    data, text = script_of(folder)
    entry = MANIFEST["ao3_work_entire"]
    assert [c["title"] for c in data["chapters"]] == entry["chapters"]
    assert (data["title"], data["summary"]) == (entry["title"], entry["summary"])
    said = spoken(data, text)
    assert said.count("Dawn came up the river valley like smoke") == 1
    assert "Behind them the river moved again" in said


def test_the_m4b_comment_carries_the_tags_too(tmp_path):
    from mutagen.mp4 import MP4

    entry = MANIFEST["fff"]
    out = tmp_path / "out"
    result = run("generate", str(DATA / entry["file"]), "-o", str(out), "--engine", "fake",
                 "--cache", str(tmp_path / "cache"), "--format", "m4b")
    assert result.exit_code == 0, result.output
    tags = MP4(out / f"{entry['title']}.m4b").tags
    assert tags is not None
    comment = tags["\xa9cmt"][0]
    assert comment.startswith(entry["summary"] + "\n\n")
    assert f"Rating: {entry['rating']}" in comment and "Characters: Raiden T., Hana O." in comment
    chapters = MP4(out / f"{entry['title']}.m4b").chapters
    assert [c.title for c in chapters] == CHAPTERS["fff"]


def test_a_chapter_saved_twice_is_read_once(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for file in MANIFEST["ffn"]["files"]:
        shutil.copy(DATA / file, folder / Path(file).name)
    shutil.copy(DATA / "ffn" / "ch2.html", folder / "ch2 (1).html")
    data, text = script_of(folder)
    assert [c["title"] for c in data["chapters"]] == CHAPTERS["ffn"]
    assert spoken(data, text).count("The wounded men arrived after dark") == 1


def test_generate_makes_the_work_and_nothing_else(fixture, tmp_path):
    name, entry, path = fixture
    out = tmp_path / "out"
    result = run("generate", str(path), "-o", str(out), "--engine", "fake",
                 "--cache", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.output
    mp3 = out / f"{entry['title']}.mp3"
    tags = ID3(mp3)
    assert (str(tags["TIT2"]), str(tags["TPE1"])) == (entry["title"], entry["author"])
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == CHAPTERS[name]
    cues = vtt_cues(mp3.with_suffix(".vtt"))
    said = "\n".join(cue[3] for cue in cues)
    assert [p for p in entry["chrome"] if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", said)] == []
    # The tagged characters who speak are heard under their cast names.
    data, _ = script_of(path)
    speaking = {c["name"] for c in data["characters"]
                if c["origin"] == "archive tags" and c["lines"]}
    assert speaking and speaking <= {cue[2] for cue in cues}


def test_cast_lists_every_tagged_character_from_the_tags(fixture):
    _, entry, path = fixture
    result = run("cast", str(path), "--engine", "fake")
    assert result.exit_code == 0, result.output
    for tag in entry["characters"]:
        short = tag_names(tag)[0]
        line = next(ln for ln in result.stdout.splitlines() if short in ln.split(":")[0])
        assert line.endswith("from archive tags"), line


def test_fanficfares_contents_and_log_pages_are_not_read(tmp_path):
    """FanFicFare can add a contents page and an update log; neither is story."""
    folder = tmp_path / "fff"
    shutil.copytree(DATA / "fff_epub", folder)
    pages = {
        "toc_page": ("fff_tocpage", "<h3>Table of Contents</h3><p><a href='file0001.xhtml'>"
                     "1. Embers</a></p>"),
        "log_page": ("fff_logpage", "<h3>Update Log</h3><p>Chapters: 3 Words: 235</p>"),
    }
    opf = (folder / "content.opf").read_text(encoding="utf-8")
    for name, (cls, body) in pages.items():
        (folder / "OEBPS" / f"{name}.xhtml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
            f'<head><title>{name}</title></head><body class="{cls}">{body}</body></html>',
            encoding="utf-8")
        opf = opf.replace(
            '<item href="OEBPS/file0001.xhtml"',
            f'<item href="OEBPS/{name}.xhtml" id="{name}" media-type="application/xhtml+xml"/>'
            '<item href="OEBPS/file0001.xhtml"')
        opf = opf.replace('<itemref idref="file0001"',
                          f'<itemref idref="{name}" linear="yes"/><itemref idref="file0001"')
    (folder / "content.opf").write_text(opf, encoding="utf-8")
    data, text = script_of(zip_epub(folder, tmp_path / "fff.epub"))
    assert [c["title"] for c in data["chapters"]] == CHAPTERS["fff"]
    assert "Update Log" not in text and "Table of Contents" not in text


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ('<html><head><title>Work | Archive</title></head><body><div class="works-show">'
         '<p class="caution">This work could have adult content. If you continue, you have '
         'agreed that you are willing to see such content.</p><ul class="actions"><li>'
         '<a href="/works/1?view_adult=true">Proceed</a></li></ul></div></body></html>',
         "adult content warning, not the work: choose 'Proceed'"),
        ('<html><head><title>Just a moment...</title></head><body><h1>www.example.net</h1>'
         '<p>Verify you are human by completing the action below.</p></body></html>',
         "browser check page, not the story"),
    ],
)
def test_a_page_saved_before_the_story_showed_is_refused_in_one_line(tmp_path, page, message):
    saved = tmp_path / "saved.html"
    saved.write_text(page, encoding="utf-8")
    result = run("script", str(saved))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr
