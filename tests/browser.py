"""Helpers for browser tests: the system's Chromium driven by Selenium, and a local server.

Not a test file. A test module uses it like this (pytest picks up a fixture that is
imported into the test module by name)::

    from browser import browser, save_screenshot, serve  # noqa: F401  (browser is a fixture)

    def test_page(browser):
        with serve(app) as url:
            browser.get(url)
            save_screenshot(browser, "page")

The browser is Debian's ``chromium`` with ``chromium-driver``; nothing is ever downloaded
(Selenium Manager is bypassed and told to stay offline). Without Chromium the tests skip
with one line saying how to install it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

REPO = Path(__file__).resolve().parent.parent

SKIP_REASON = (
    "Chromium not found: install it with `apt-get install chromium chromium-driver` "
    "to run the browser tests"
)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMEDRIVER_PLACES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1280,900",
)


def chromium_paths() -> tuple[str, str] | None:
    """The Chromium binary and its chromedriver, or None when either is missing."""
    chromium = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    if chromium is None:
        return None
    driver = shutil.which("chromedriver")
    if driver is None:
        driver = next(
            (p for p in CHROMEDRIVER_PLACES if os.path.isfile(p) and os.access(p, os.X_OK)), None
        )
    if driver is None:
        return None
    return chromium, driver


def start_chrome(chromium: str, chromedriver: str, user_data_dir: str) -> Chrome:
    """A headless Chrome session on the given binaries; never downloads anything."""
    # Selenium Manager is skipped when the driver's path is given; these make sure that,
    # if it ever runs, it neither downloads nor reports.
    os.environ.setdefault("SE_OFFLINE", "true")
    os.environ.setdefault("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)


@pytest.fixture
def browser() -> Iterator[Chrome]:
    """A headless Chromium (Selenium ``webdriver.Chrome``) with a fresh profile."""
    paths = chromium_paths()
    if paths is None:
        pytest.skip(SKIP_REASON)
    chromium, chromedriver = paths
    with tempfile.TemporaryDirectory(prefix="audiobook-chromium-") as profile:
        driver = start_chrome(chromium, chromedriver, profile)
        try:
            yield driver
        finally:
            driver.quit()


def artifacts_dir() -> Path:
    """Where screenshots go: $AUDIOBOOK_TEST_ARTIFACTS, else <repo>/test-artifacts/."""
    folder = Path(os.environ.get("AUDIOBOOK_TEST_ARTIFACTS") or REPO / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(driver: Chrome, name: str) -> Path:
    """Save a PNG of the page as <artifacts>/<name>.png and return its path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "screenshot"
    path = artifacts_dir() / (safe if safe.endswith(".png") else f"{safe}.png")
    if not driver.save_screenshot(str(path)):
        raise RuntimeError(f"could not save a screenshot to {path}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on host right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(app: Any, host: str = "127.0.0.1", timeout: float = 10.0) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a background thread; yield its base URL.

    Waits until the server accepts connections (at most ``timeout`` seconds) and stops it
    on exit.
    """
    import uvicorn

    port = free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="auto")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"uvicorn exited before serving on {host}:{port}")
        if time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout)
            raise RuntimeError(f"uvicorn did not start on {host}:{port} within {timeout} s")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
