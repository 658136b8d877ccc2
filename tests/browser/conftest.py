"""A real dashboard server and a headless Debian chromium for the browser tests.

The server is ``solara run server.py`` on a free local port, started once for the
module. Chromium is the system one (``/usr/bin/chromium``, Debian's package);
Playwright downloads no browser of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REWIRE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
#: how long the server may take to answer its first request (it compiles the engine's
#: kernels first when their on-disk cache is cold)
START_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """``solara run server.py`` in the repository, answering on 127.0.0.1:port."""
    solara = [sys.executable, "-m", "solara", "run", "server.py", "--port", str(port),
              "--host", "127.0.0.1", "--production", "--no-open"]
    log = open(ROOT / f".dashboard-test-server-{port}.log", "wb")
    return subprocess.Popen(solara, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_until_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the dashboard server did not answer {url} in {START_TIMEOUT} s")


@pytest.fixture(scope="session")
def server_url():
    port = free_port()
    proc = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log = ROOT / f".dashboard-test-server-{port}.log"
        if log.exists():
            log.unlink()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, server_url):
    """Open the dashboard (at ``query``, e.g. ``"?n=100"``) in a fresh browser context (its
    own session); close afterwards."""
    contexts = []

    def opener(record: list | None = None, query: str = ""):
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        if record is not None:
            page.on("request", lambda request: record.append(request.url))
        page.goto(server_url + query)
        page.wait_for_selector(".rw-generation", timeout=60_000)
        page.wait_for_selector("canvas.rw-panel", timeout=60_000)
        page.wait_for_selector("canvas.rw-network-canvas", timeout=60_000)
        return page

    yield opener
    for context in contexts:
        context.close()


def other_hosts(requests: list[str], server_url: str) -> list[str]:
    """The recorded requests that left the dashboard's own server (the offline promise:
    none may)."""
    from urllib.parse import urlparse

    assert requests, "no request was recorded"
    host = urlparse(server_url).netloc
    return [url for url in requests
            if urlparse(url).scheme in ("http", "https", "ws", "wss")
            and urlparse(url).netloc != host]


def pick(page, select: str, item: str, attempts: int = 3) -> None:
    """Open the select ``select`` (a CSS selector), click its item whose text is exactly
    ``item``, and wait until the select shows it. A click can land while the server is
    re-rendering the control, and is then lost (seen on a loaded machine, right after
    another control changed the page): if the menu does not show the item, or the
    select does not take it within :data:`TAKES`, it is chosen again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    option = page.locator(".v-overlay--active .v-list-item").get_by_text(item, exact=True).first
    for attempt in range(attempts):
        try:
            page.locator(select).click()
            option.wait_for(state="visible", timeout=10_000)
            option.click()
            wait_for_text(page, select, f"text.includes({item!r})", timeout=TAKES)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


#: how long a select may take to show a choice (the server re-renders the page; on a
#: loaded 2-core machine that has taken over ten seconds)
TAKES = 30_000


def choose_scenario(page, title: str) -> None:
    """Choose the scenario ``title`` in the scenario picker (:func:`pick`)."""
    pick(page, ".rw-scenario", title)


def wait_for_text(page, selector: str, condition: str, timeout: int = 30_000) -> None:
    """Wait until ``condition`` (JavaScript, on ``text``) holds for the element's text.

    The element may be briefly absent while the page re-renders; that counts as not yet.
    """
    page.wait_for_function(
        "([selector, condition]) => { const e = document.querySelector(selector);"
        " return !!e && new Function('text', 'return ' + condition)(e.innerText); }",
        arg=[selector, condition], timeout=timeout)
