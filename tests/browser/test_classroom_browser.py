"""Lesson links, share links and the class page, in a real browser (Debian chromium).

A lesson link opens the dashboard on the lesson's settings; a share link rebuilds
another session's run exactly (same parameters, same seed, so the same numbers after
the same generations); a bad link says what is wrong in one line and the page still
works; the class page lists the live sessions and drops one whose tab closes.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

import pytest

from conftest import choose_scenario, wait_for_text
from visualization.lessons import load_lesson

pytestmark = [pytest.mark.browser]

#: how long to wait for something the page should show after an action
SHOWS_UP = 30_000


def open_url(browser, url: str, contexts: list):
    """Open ``url`` in a fresh browser context (a new visitor) and wait for the dashboard."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    contexts.append(context)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".rw-generation", timeout=60_000)
    page.wait_for_selector("canvas.rw-panel", timeout=60_000)
    return page


@pytest.fixture
def visitors(browser):
    contexts: list = []
    yield contexts
    for context in contexts:
        context.close()


def step(page, times: int) -> None:
    for i in range(1, times + 1):
        page.click(".rw-step")
        wait_for_text(page, ".rw-generation", f"text.endsWith(' {i}')")


def share_link(page) -> str:
    page.wait_for_selector(".rw-share-link input", timeout=SHOWS_UP)
    return page.input_value(".rw-share-link input")


@pytest.mark.timeout(480)  # the first test also waits for the server and chromium
def test_a_lesson_link_sets_the_page(browser, server_url, visitors):
    lesson = load_lesson("tipping-point")
    page = open_url(browser, server_url + "?lesson=tipping-point", visitors)
    assert page.inner_text(".rw-lesson-title") == lesson.title
    assert lesson.description.split()[0] in page.inner_text(".rw-lesson-description")
    assert "docs/lessons/tipping-point.md" in page.inner_text(".rw-lesson")
    running = page.inner_text(".rw-running-params")
    assert f"seed={lesson.scenario.seed}" in running and "steps=100000" in running
    assert page.get_by_label("Time limit (elementary updates)", exact=True).input_value() \
        == "100000"
    # the lesson plan is served by the dashboard itself
    href = page.get_attribute(".rw-lesson-text-link", "href")
    text_page = page.context.new_page()
    text_page.goto(urljoin(server_url, href))
    text_page.wait_for_selector(".rw-lesson-text", timeout=SHOWS_UP)
    assert "the tipping point in W" in text_page.inner_text(".rw-lesson-text")


@pytest.mark.timeout(300)
def test_an_unknown_lesson_is_one_line_and_the_normal_page(browser, server_url, visitors):
    page = open_url(browser, server_url + "?lesson=no-such-lesson", visitors)
    message = page.inner_text(".rw-link-problem")
    assert "No lesson called 'no-such-lesson'" in message and "\n" not in message.strip()
    assert "n=1000," in page.inner_text(".rw-running-params")
    step(page, 1)


@pytest.mark.timeout(300)
def test_a_share_link_rebuilds_the_run(browser, server_url, visitors):
    first = open_url(browser, server_url, visitors)
    first.get_by_label("N (users)", exact=True).fill("400")
    first.get_by_label("N (users)", exact=True).press("Enter")
    first.get_by_label("W (rewiring time scale)", exact=True).fill("2.5")
    first.get_by_label("W (rewiring time scale)", exact=True).press("Enter")
    first.get_by_label("Seed", exact=True).fill("7")
    first.get_by_label("Seed", exact=True).press("Enter")
    first.click(".rw-reset")
    wait_for_text(first, ".rw-running-params", "text.includes('n=400,')")
    link = share_link(first)
    query = urlparse(link).query
    assert query == "n=400&W=2.5&seed=7"
    first.context.grant_permissions(["clipboard-read", "clipboard-write"])
    first.click(".rw-copy-link")
    wait_for_text(first, ".rw-copy-link", "text.trim().toLowerCase() === 'copied'")
    assert first.evaluate("navigator.clipboard.readText()") == link
    step(first, 3)
    second = open_url(browser, urljoin(server_url, "/?" + query), visitors)
    assert second.inner_text(".rw-running-params") == first.inner_text(".rw-running-params")
    step(second, 3)
    for number in (".rw-cooperation", ".rw-rewires"):
        assert second.inner_text(number) == first.inner_text(number)
    assert share_link(second) == link


@pytest.mark.timeout(300)
def test_a_bad_share_link_names_the_parameter_and_the_page_works(browser, server_url,
                                                                 visitors):
    page = open_url(browser, server_url + "?W=-3&n=300", visitors)
    message = page.inner_text(".rw-link-problem")
    assert "W must be a number >= 0 or inf; got -3" in message
    running = page.inner_text(".rw-running-params")
    assert "n=300," in running and "W=1.0," in running
    step(page, 2)


def class_rows(page) -> list[str]:
    return [row.inner_text() for row in page.locator(".rw-class-row").all()]


@pytest.mark.timeout(300)
def test_the_class_page_lists_the_live_sessions_and_drops_a_closed_one(
        browser, server_url, visitors):
    first = open_url(browser, server_url + "?n=300&seed=11", visitors)
    second = open_url(browser, server_url + "?n=200&seed=12", visitors)
    step(second, 2)
    teacher = browser.new_context()
    visitors.append(teacher)
    board = teacher.new_page()
    requests: list[str] = []
    board.on("request", lambda request: requests.append(request.url))
    board.goto(urljoin(server_url, "/class"))
    mine = (first.inner_text(".rw-class-label").split(" is ")[-1].rstrip("."),
            second.inner_text(".rw-class-label").split(" is ")[-1].rstrip("."))
    board.wait_for_function(
        "labels => labels.every(l => [...document.querySelectorAll('.rw-class-label')]"
        ".some(e => e.innerText === l))", arg=list(mine), timeout=SHOWS_UP)
    rows = {row.split("\t")[0]: row for row in class_rows(board)}
    assert "n=300" in rows[mine[0]] and "seed=11" in rows[mine[0]]
    assert "n=200" in rows[mine[1]] and "seed=12" in rows[mine[1]]
    # the second session's progress shows up at the next refresh
    board.wait_for_function(
        "label => [...document.querySelectorAll('.rw-class-row')].some(r =>"
        " r.querySelector('.rw-class-label').innerText === label &&"
        " r.querySelector('.rw-class-generation').innerText === '2')",
        arg=mine[1], timeout=SHOWS_UP)
    second.close()
    board.wait_for_function(
        "label => ![...document.querySelectorAll('.rw-class-label')]"
        ".some(e => e.innerText === label)", arg=mine[1], timeout=SHOWS_UP)
    assert any(row.startswith(mine[0]) for row in class_rows(board))
    # like the dashboard, the class page loads nothing from another host
    host = urlparse(server_url).netloc
    assert requests and all(urlparse(url).netloc == host for url in requests
                            if urlparse(url).scheme in ("http", "https", "ws", "wss"))


@pytest.mark.timeout(300)
def test_the_lessons_are_in_the_scenario_picker(browser, server_url, visitors):
    lesson = load_lesson("engagement-vs-alignment")
    page = open_url(browser, server_url, visitors)
    choose_scenario(page, lesson.title)
    wait_for_text(page, ".rw-running-params", f"text.includes('seed={lesson.scenario.seed}')")
    assert "recommenders: coop-random=1" in page.inner_text(".rw-running-params")
