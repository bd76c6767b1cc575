"""The studio's server, started for real on a free port of 127.0.0.1: what it serves,
what it refuses, and what its edits write."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import tomllib

pytest.importorskip("starlette")
pytest.importorskip("httpx")

import httpx
from browser import free_port, serve
from conftest import SEEDS

from audiobook.config import Config
from audiobook.shelf import Shelf
from audiobook.studio import create_app

SEED0_ID = "000_7375049496938e3a.txt"
TOKEN = "test-token"


@pytest.fixture
def library(tmp_path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    return folder


def start(library: Path, cache: Path):
    shelf = Shelf(library, None, Config(engine="fake", cache_dir=cache, jobs=2))
    return serve(create_app(shelf, TOKEN))


def post(client: httpx.Client, path: str, story: str, body: dict, token: str = TOKEN):
    return client.post(path, params={"id": story}, content=json.dumps(body),
                       headers={"X-Studio-Token": token, "Content-Type": "application/json"})


def quote_id(client: httpx.Client, words: str) -> str:
    page = client.get("/story", params={"id": SEED0_ID}).text
    marker = page.index(f"</span>{words}</span>")
    start = page.rindex('data-id="', 0, marker) + len('data-id="')
    return page[start : page.index('"', start)]


def test_the_library_lists_each_story_and_its_book(library, tmp_path):
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert "000 7375049496938e3a" in page.text and "Hanane EL Mokkadem" in page.text
        assert page.text.count("not made") == 2
        story = client.get("/story", params={"id": SEED0_ID})
        assert story.status_code == 200 and "Why?" in story.text


@pytest.mark.parametrize(
    "request_path",
    [
        "/story?id=../../etc/passwd",
        "/story?id=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/story?id=..%2F000_7375049496938e3a.txt",
        "/story?id=/etc/passwd",
        "/story?id=link-out.txt",
        "/media/book.mp3?id=../../etc/passwd",
        "/media/book.vtt?id=%2Fetc%2Fpasswd",
        "/media/book.toml?id=000_7375049496938e3a.txt",
        "/static/..%2f..%2f..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/shelf.py",
        "/api/say?id=../secret.txt&quote=1-abcdef",
    ],
)
def test_no_request_reaches_outside_the_library(library, tmp_path, request_path):
    secret = tmp_path / "secret.txt"
    secret.write_text('"A secret," said Nobody.\n', encoding="utf-8")
    (library / "link-out.txt").symlink_to(secret)
    with start(library, tmp_path / "cache") as url:
        response = httpx.get(url + request_path)
    assert response.status_code in (403, 404)
    assert "secret" not in response.text.lower() or "no story" in response.text
    assert "root:" not in response.text and "A secret" not in response.text


def test_a_link_out_of_the_library_is_no_story_of_it(library, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text('"A secret," said Nobody.\n', encoding="utf-8")
    (library / "link-out.txt").symlink_to(secret)
    with start(library, tmp_path / "cache") as url:
        page = httpx.get(url + "/").text
    assert "link-out" not in page


def test_changes_need_the_runs_token(library, tmp_path):
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        why = quote_id(client, "Why?")
        for token in ("", "wrong"):
            refused = post(client, "/api/fix", SEED0_ID, {"quote": why, "speaker": "Sasuke"},
                           token)
            assert refused.status_code == 403
        assert not list((library / "out").glob("*.fixes.toml"))
        assert client.get("/").text.count('name="studio-token" content="test-token"') == 1


def test_a_fix_is_saved_at_once_and_survives_a_restart(library, tmp_path):
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        why = quote_id(client, "Why?")
        saved = post(client, "/api/fix", SEED0_ID, {"quote": why, "speaker": "Sasuke"})
        assert saved.status_code == 200, saved.text
    fixes = library / "out" / "000 7375049496938e3a.fixes.toml"
    data = tomllib.loads(fixes.read_text(encoding="utf-8"))
    assert data["quote"] == [{"id": why, "speaker": "Sasuke", "text": "Why?"}]
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        page = client.get("/story", params={"id": SEED0_ID}).text
        at = page.index(f'data-id="{why}"')
        assert 'data-speaker="Sasuke"' in page[at : at + 200]


def test_two_tabs_editing_at_once_lose_no_edit(library, tmp_path):
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        page = client.get("/story", params={"id": SEED0_ID}).text
        ids = []
        at = 0
        while (at := page.find('class="quote', at + 1)) != -1:
            start_at = page.index('data-id="', at) + len('data-id="')
            ids.append(page[start_at : page.index('"', start_at)])
        assert len(ids) >= 2
        names = ["Naruto", "Sasuke", "Kakashi", "Sakura"]

        def edit(k: int) -> None:
            with httpx.Client(base_url=url) as tab:
                for n in range(6):
                    speaker = names[(k + n) % len(names)]
                    assert post(tab, "/api/fix", SEED0_ID,
                                {"quote": ids[k], "speaker": speaker}).status_code == 200

        tabs = [threading.Thread(target=edit, args=(k,)) for k in range(2)]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join()
    fixes = library / "out" / "000 7375049496938e3a.fixes.toml"
    data = tomllib.loads(fixes.read_text(encoding="utf-8"))
    final = {q["id"]: q["speaker"] for q in data["quote"]}
    assert final == {ids[0]: names[5 % 4], ids[1]: names[6 % 4]}


def test_cast_edits_write_the_cast_file(library, tmp_path):
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        for edit, name, value in [("rename", "Naruto", "Uzumaki Naruto"),
                                  ("gender", "Sasuke", "female"),
                                  ("voice", "Sasuke", "old_man"),
                                  ("merge", "Orochimaru", "Jiraiya")]:
            done = post(client, "/api/cast", SEED0_ID, {"edit": edit, "name": name,
                                                         "value": value})
            assert done.status_code == 200, done.text
        bad = post(client, "/api/cast", SEED0_ID, {"edit": "voice", "name": "Sasuke",
                                                    "value": "../../etc"})
        assert bad.status_code == 422 and "not a voice profile" in bad.json()["error"]
    cast = tomllib.loads((library / "out" / "000 7375049496938e3a.cast.toml").read_text(
        encoding="utf-8"))
    people = {c["name"]: c for c in cast["characters"]}
    assert "Naruto" in people["Uzumaki Naruto"]["aliases"]
    assert (people["Sasuke"]["gender"], people["Sasuke"]["voice"]) == ("female", "old_man")
    assert "Orochimaru" not in people and "Orochimaru" in people["Jiraiya"]["aliases"]


def test_generate_reports_progress_to_the_end_and_serves_the_book(library, tmp_path):
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url,
                                                                  timeout=60) as client:
        assert post(client, "/api/generate", SEED0_ID, {}).status_code == 200
        states = []
        with client.stream("GET", "/api/progress", params={"id": SEED0_ID}) as events:
            for line in events.iter_lines():
                if line.startswith("data: "):
                    states.append(json.loads(line[6:]))
        assert states[-1]["state"] == "done", states[-1]
        assert states[-1]["done"] == states[-1]["total"] > 0
        assert "54 clips" in states[-1]["made"]
        mp3 = client.get("/media/book.mp3", params={"id": SEED0_ID})
        assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
        assert mp3.content[:3] == b"ID3"
        page = client.get("/story", params={"id": SEED0_ID}).text
        assert page.count('class="link chapter-jump"') == 3
        assert "current" in client.get("/").text


def test_a_quote_and_a_voice_can_be_heard(library, tmp_path):
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url,
                                                                  timeout=60) as client:
        why = quote_id(client, "Why?")
        refused = client.get("/api/say", params={"id": SEED0_ID, "quote": why})
        assert refused.status_code == 403  # it runs the engine: the token is needed
        line = client.get("/api/say", params={"id": SEED0_ID, "quote": why, "t": TOKEN})
        assert line.status_code == 200 and line.content[:3] == b"ID3" and len(line.content) > 500
        voice = client.get("/api/say", params={"profile": "old_woman", "t": TOKEN})
        assert voice.status_code == 200 and len(voice.content) > 500
        unknown = client.get("/api/say", params={"profile": "../../nobody", "t": TOKEN})
        assert unknown.status_code == 422
    assert len(list((tmp_path / "cache" / "studio").glob("*.mp3"))) == 2
    assert sorted(p.name for p in library.iterdir()) == sorted(
        p.name for p in SEEDS.glob("*.txt"))  # hearing a line writes nothing in the library


def test_a_failed_book_says_why_in_the_command_lines_words(library, tmp_path):
    (library / "out").write_text("a file where the books should go", encoding="utf-8")
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url,
                                                                  timeout=60) as client:
        assert post(client, "/api/generate", SEED0_ID, {}).status_code == 200
        with client.stream("GET", "/api/progress", params={"id": SEED0_ID}) as events:
            states = [json.loads(line[6:]) for line in events.iter_lines()
                      if line.startswith("data: ")]
    last = states[-1]
    assert last["state"] == "failed"
    assert "cannot create the output folder" in last["error"] and "\n" not in last["error"]


def _studio_process(*args: str):
    return subprocess.Popen(
        [sys.executable, "-m", "audiobook", "studio", *args, "--engine", "fake"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )


def test_the_studio_command_serves_and_warns_when_not_only_local(library):
    port = free_port()
    process = _studio_process(str(library), "--host", "0.0.0.0", "--port", str(port))
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        second = process.stderr.readline()
        assert first.startswith("audiobook: warning: the studio listens on 0.0.0.0")
        assert second.strip() == f"studio: http://0.0.0.0:{port}/ (Ctrl-C stops it)"
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert page.status_code == 200 and "000 7375049496938e3a" in page.text
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_studio_command_binds_to_this_computer_by_default(library):
    port = free_port()
    process = _studio_process(str(library), "--port", str(port))
    try:
        assert process.stderr is not None
        assert process.stderr.readline().strip() == (
            f"studio: http://localhost:{port}/ (Ctrl-C stops it)")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_page_elsewhere_cannot_reach_the_studio_through_another_name(library, tmp_path):
    """A name rebound to 127.0.0.1 by some web page is not this computer's name."""
    with start(library, tmp_path / "cache") as url:
        refused = httpx.get(url + "/", headers={"Host": "attacker.example:8765"})
        assert refused.status_code == 400 and "studio-token" not in refused.text
        assert httpx.get(url + "/").status_code == 200


def test_an_empty_library_says_how_to_fill_it(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with start(empty, tmp_path / "cache") as url:
        page = httpx.get(url + "/")
    assert page.status_code == 200
    assert "No stories here yet: put text, Markdown, HTML or EPUB files in this folder." in (
        page.text)


def test_cast_edits_keep_the_pause_table_and_refuse_unprintable_names(library, tmp_path):
    out = library / "out"
    out.mkdir()
    cast = out / "000 7375049496938e3a.cast.toml"
    cast.write_text('[pauses]\nchapter_ms = 4000\n', encoding="utf-8")
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        done = post(client, "/api/cast", SEED0_ID, {"edit": "gender", "name": "Naruto",
                                                     "value": "male"})
        assert done.status_code == 200, done.text
        bad = post(client, "/api/cast", SEED0_ID, {"edit": "rename", "name": "Naruto",
                                                    "value": "Na\u007fruto"})
        assert bad.status_code == 422 and "cannot be a character's name" in bad.json()["error"]
        assert client.get("/story", params={"id": SEED0_ID}).status_code == 200
    assert tomllib.loads(cast.read_text(encoding="utf-8"))["pauses"] == {"chapter_ms": 4000}


def test_a_story_that_cannot_be_opened_is_a_422_page_and_hearing_it_a_422(library, tmp_path):
    out = library / "out"
    out.mkdir()
    (out / "000 7375049496938e3a.fixes.toml").write_text("oops = [\n", encoding="utf-8")
    with start(library, tmp_path / "cache") as url, httpx.Client(base_url=url) as client:
        page = client.get("/story", params={"id": SEED0_ID})
        assert page.status_code == 422 and "not valid TOML" in page.text
        said = client.get("/api/say", params={"id": SEED0_ID, "quote": "3-10cff4", "t": TOKEN})
        assert said.status_code == 422 and "not valid TOML" in said.json()["error"]


def test_a_page_with_a_huge_chapter_number_is_read_not_a_crash(tmp_path):
    page = (Path(__file__).parent / "data" / "archives" / "ffn" / "ch2.html").read_text(
        encoding="utf-8").replace("value=2 selected>2. ", "value=2 selected>" + "9" * 5000 + ". ")
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "ch2.html").write_text(page, encoding="utf-8")
    with start(folder, tmp_path / "cache") as url:
        assert httpx.get(url + "/").status_code == 200
