"""The browser-test machinery works: a served page, clicked in headless Chromium."""

from __future__ import annotations

import urllib.request

import pytest
from browser import browser, save_screenshot, serve  # noqa: F401  (browser is a fixture)

pytest.importorskip("starlette", reason="the studio extra is not installed")
pytest.importorskip("selenium", reason="selenium (the test extra) is not installed")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Smoke</title></head>
<body>
  <h1 id="title">Before</h1>
  <button id="go" type="button">Change</button>
  <script>
    document.getElementById("go").addEventListener("click", () => {
      document.getElementById("title").textContent = "After";
    });
  </script>
</body></html>
"""


def make_app():
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    async def index(request):
        return HTMLResponse(PAGE)

    return Starlette(routes=[Route("/", index)])


def test_serve_answers_and_stops():
    with serve(make_app()) as url, urllib.request.urlopen(url + "/", timeout=5) as response:
        assert response.status == 200
        assert b"Before" in response.read()
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/", timeout=2)


def test_click_changes_heading(browser):  # noqa: F811  (the imported fixture)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with serve(make_app()) as url:
        browser.get(url + "/")
        heading = browser.find_element(By.ID, "title")
        assert heading.text == "Before"
        browser.find_element(By.ID, "go").click()
        WebDriverWait(browser, 5).until(lambda d: heading.text == "After")
        assert heading.text == "After"
        path = save_screenshot(browser, "browser-smoke")
    assert path.is_file()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
