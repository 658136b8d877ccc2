"""Creators in a real browser: a run with creators plays and shows the creators' panels;
a bad creators setting in a link is one visible line and the page still plays.

Headless Debian chromium driven by Playwright against a real ``solara run server.py``
(``conftest.py``); each test opens its own browser context (its own session) with
``open_page``.
"""

from __future__ import annotations

import pytest

# the first test may also wait for the server (conftest.START_TIMEOUT, 300 s) and chromium
pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

CREATORS = "?n=300&k=8&creator_share=0.1&follows=5&creator_fitness=audience&recommenders=any-high%3D1&seed=4"


def generation(page) -> int:
    return int(page.inner_text(".rw-generation").split()[-1])


def test_a_run_with_creators_plays_and_shows_the_creators_panels(open_page):
    page = open_page(query=CREATORS)
    running = page.inner_text(".rw-running-params")
    assert "creator_share=0.1" in running and "creator_fitness=audience" in running
    for title in ("Creators: quality", "Creators: audience concentration"):
        assert page.locator(f'canvas.rw-panel[data-title="{title}"]').count() == 1
    page.get_by_role("button", name="Play").first.click()
    page.wait_for_function("() => { const e = document.querySelector('.rw-generation');"
                           " return !!e && +e.innerText.split(' ').pop() >= 5; }",
                           timeout=60_000)
    assert generation(page) >= 5


def test_a_run_without_creators_has_no_creators_panels(open_page):
    page = open_page(query="?n=100&k=4&seed=2")
    assert page.locator('canvas.rw-panel[data-title="Creators: quality"]').count() == 0


def test_a_bad_creators_setting_in_a_link_is_one_visible_line(open_page):
    page = open_page(query="?n=100&k=4&creator_share=1.5")
    problem = page.locator(".rw-link-problem").first
    problem.wait_for(timeout=30_000)
    text = problem.inner_text()
    assert "creator_share" in text and "[0, 1)" in text, text
    assert "creator_share=1.5" not in page.inner_text(".rw-running-params")
