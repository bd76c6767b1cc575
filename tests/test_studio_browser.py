"""The studio in a real browser (the system's Chromium, driven by Selenium): the flows a
user goes through, on a seed, with the fake engine."""

from __future__ import annotations

import shutil

import pytest
import tomllib

pytest.importorskip("starlette")
pytest.importorskip("selenium")

from browser import browser, save_screenshot, serve  # noqa: F401  (browser is a fixture)
from conftest import SEED0
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from audiobook.config import Config
from audiobook.shelf import Shelf
from audiobook.studio import create_app

TITLE = "000 7375049496938e3a"


@pytest.fixture
def studio(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(SEED0, library / SEED0.name)
    shelf = Shelf(library, None, Config(engine="fake", cache_dir=tmp_path / "cache", jobs=2))
    with serve(create_app(shelf)) as url:
        yield url, library


def wait(driver, condition, timeout: float = 30):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))


def open_seed(driver, url: str) -> None:
    driver.get(url + "/")
    link = driver.find_element(By.CSS_SELECTOR, "a.story-link")
    assert link.text == TITLE
    link.click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".quote"))


def test_open_the_library_then_fix_the_speaker_of_a_line(browser, studio):  # noqa: F811
    url, library = studio
    open_seed(browser, url)
    save_screenshot(browser, "studio-script-view")
    why = next(q for q in browser.find_elements(By.CSS_SELECTOR, ".quote")
               if q.text.endswith("Why?"))
    quote_id = why.get_attribute("data-id")
    assert why.get_attribute("data-speaker") != "Sasuke"
    why.click()
    picker = browser.find_element(By.ID, "picker")
    wait(browser, lambda d: picker.is_displayed())
    Select(browser.find_element(By.ID, "picker-speaker")).select_by_visible_text("Sasuke")
    save_screenshot(browser, "studio-speaker-picker")
    browser.find_element(By.ID, "picker-save").click()
    wait(browser, lambda d: not picker.is_displayed())
    fixes = library / "out" / f"{TITLE}.fixes.toml"
    wait(browser, lambda d: fixes.exists())
    saved = tomllib.loads(fixes.read_text(encoding="utf-8"))
    assert saved["quote"] == [{"id": quote_id, "speaker": "Sasuke", "text": "Why?"}]
    assert why.get_attribute("data-speaker") == "Sasuke"
    assert "Sasuke" in why.find_element(By.CSS_SELECTOR, ".who").text
    browser.refresh()  # the fix is the page's after a reload too
    again = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, f'[data-id="{quote_id}"]'))
    assert again.get_attribute("data-speaker") == "Sasuke"


def test_audition_a_voice(browser, studio):  # noqa: F811
    url, _ = studio
    open_seed(browser, url)
    row = browser.find_element(By.CSS_SELECTOR, ".cast-row")
    row.find_element(By.CSS_SELECTOR, ".play-voice").click()
    duration = wait(browser, lambda d: d.execute_script(
        "const a = document.getElementById('sayer');"
        "return a.readyState >= 1 && a.duration > 0 ? a.duration : null;"))
    assert duration > 0.3
    source = browser.execute_script("return document.getElementById('sayer').currentSrc")
    assert "/api/say?profile=" in source


def test_generate_then_listen_and_jump_to_a_chapter(browser, studio):  # noqa: F811
    url, library = studio
    open_seed(browser, url)
    browser.find_element(By.ID, "generate").click()
    seen = wait(browser, lambda d: d.execute_script(
        "const p = document.getElementById('progress');"
        "return p.max > 1 && p.value > 0 ? [p.value, p.max] : null;"), timeout=60)
    assert seen[1] > 1
    # When the book is done the page shows it, then reloads with the player.
    wait(browser, lambda d: d.find_elements(By.ID, "player"), timeout=90)
    assert (library / "out" / f"{TITLE}.mp3").is_file()
    player_ready = ("const a = document.getElementById('player');"
                    "return a.readyState >= 1 && a.duration > 0;")
    wait(browser, lambda d: d.execute_script(player_ready))
    jumps = browser.find_elements(By.CSS_SELECTOR, ".chapter-jump")
    assert len(jumps) == 3 and jumps[0].text.startswith("Kakashi")
    start = float(jumps[1].get_attribute("data-start"))
    assert start > 0
    jumps[1].click()
    now = browser.execute_script("return document.getElementById('player').currentTime")
    assert abs(now - start) < 0.05
    # The transcript follows playback and names who speaks.
    browser.execute_script("const a = document.getElementById('player');"
                           "a.muted = true; a.play();")
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".now-who").text.endswith(":"))
    browser.execute_script("document.getElementById('player').pause()")
    save_screenshot(browser, "studio-player")
    assert "current" in browser.execute_script(
        "return fetch('/').then(r => r.text())")


def test_a_path_escape_is_refused(browser, studio):  # noqa: F811
    url, _ = studio
    for attempt in ("/story?id=../../../../etc/passwd", "/story?id=%2Fetc%2Fpasswd",
                    "/static/..%2f..%2f..%2fpyproject.toml"):
        browser.get(url + attempt)
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "root:" not in body and "[project]" not in body
        assert "no story" in body.lower() or "not found" in body.lower()

