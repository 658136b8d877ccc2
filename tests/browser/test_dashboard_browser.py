"""The dashboard in a real browser: headless Debian chromium driven by Playwright.

Each test opens the page in its own browser context, which the server treats as a
separate visitor (its own session and model), and acts the way a user would:
press Play, type a value and press Reset, pick a preset.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

# the first test also waits for the server (conftest.START_TIMEOUT, 300 s) and chromium
pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

#: how long to wait for something the page should show after an action
SHOWS_UP = 30_000


def generation(page) -> int:
    return int(page.inner_text(".rw-generation").split()[-1])


def running_params(page) -> str:
    return page.inner_text(".rw-running-params")


def cooperation_plot(page) -> str:
    """The plots' image source (cooperation is its first panel): a new blob URL
    every time the plots are redrawn."""
    return page.locator("img.rw-plots").get_attribute("src")


def wait_for_text(page, selector: str, condition: str, timeout: int = SHOWS_UP) -> None:
    """Wait until ``condition`` (JavaScript, on ``text``) holds for the element's text.

    The element may be briefly absent while the page re-renders; that counts as not yet.
    """
    page.wait_for_function(
        "([selector, condition]) => { const e = document.querySelector(selector);"
        " return !!e && new Function('text', 'return ' + condition)(e.innerText); }",
        arg=[selector, condition], timeout=timeout)


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def test_play_advances_the_generation_counter_and_redraws_the_cooperation_plot(open_page):
    page = open_page()
    assert generation(page) == 0
    plot_before = cooperation_plot(page)
    cooperation_before = page.inner_text(".rw-cooperation")
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 5")
    page.click(".rw-pause")
    assert generation(page) >= 5
    assert cooperation_plot(page) != plot_before
    assert page.inner_text(".rw-cooperation") != cooperation_before


def test_playing_on_keeps_drawing_frames(open_page):
    """With no pause between frames the play loop steps as soon as a frame is drawn;
    it must never overtake the page (the renderer gives up after 100 nested passes)."""
    page = open_page()
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 120",
                  timeout=120_000)  # about 15 s on a quiet machine
    page.click(".rw-pause")
    assert "Traceback" not in page.inner_text("body")


def test_a_changed_parameter_is_used_after_reset(open_page):
    page = open_page()
    page.click(".rw-step")
    wait_for_text(page, ".rw-generation", "text.endsWith(' 1')")
    set_number(page, "N (users)", "300")
    set_number(page, "W (rewiring time scale)", "2.5")
    page.get_by_text("press Reset").wait_for(timeout=SHOWS_UP)
    page.click(".rw-reset")
    wait_for_text(page, ".rw-running-params", "text.includes('n=300,')")
    assert "W=2.5," in running_params(page)
    wait_for_text(page, ".rw-generation", "text.endsWith(' 0')")


def test_two_sessions_are_independent(open_page):
    first = open_page()
    second = open_page()
    set_number(second, "N (users)", "200")
    second.click(".rw-reset")
    wait_for_text(second, ".rw-running-params", "text.includes('n=200,')")
    for _ in range(3):
        first.click(".rw-step")
        first.wait_for_timeout(300)
    wait_for_text(first, ".rw-generation", "text.endsWith(' 3')")
    assert generation(second) == 0
    assert "n=1000," in running_params(first)
    assert "n=200," in running_params(second)


def test_an_impossible_combination_shows_a_message_and_the_page_keeps_working(open_page):
    page = open_page()
    set_number(page, "k (average degree)", "5000")
    page.locator(".rw-error").wait_for(timeout=SHOWS_UP)
    assert "k must be" in page.inner_text(".rw-error")
    page.click(".rw-reset")
    assert "k=30" in running_params(page)
    page.click(".rw-step")
    wait_for_text(page, ".rw-generation", "text.endsWith(' 1')")


def test_each_preset_loads(open_page):
    from visualization.scenarios_picker import load_presets

    presets, error = load_presets()
    assert error is None and len(presets) >= 4
    page = open_page()
    for scenario in presets:
        page.locator(".rw-scenario").click()
        page.locator(".v-overlay .v-list-item", has_text=scenario.title).click()
        wait_for_text(page, ".rw-running-params", f"text.includes('seed={scenario.seed}')")
        description = page.inner_text(".rw-scenario-description")
        assert scenario.description.split()[0] in description
        mix = ",".join(f"{name}={share:g}" for name, share in scenario.base["recommenders"].items())
        assert mix in running_params(page)


def test_the_page_loads_nothing_from_other_hosts(open_page, server_url):
    requests: list[str] = []
    page = open_page(record=requests)
    page.click(".rw-play")
    page.wait_for_timeout(2000)
    page.click(".rw-pause")
    host = urlparse(server_url).netloc
    assert requests, "no request was recorded"
    elsewhere = [url for url in requests
                 if urlparse(url).scheme in ("http", "https", "ws", "wss")
                 and urlparse(url).netloc != host]
    assert elsewhere == []


def test_the_download_buttons_give_the_current_runs_data(open_page):
    page = open_page()
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 3")
    page.click(".rw-pause")

    def download(label: str) -> tuple[str, bytes]:
        with page.expect_download(timeout=SHOWS_UP) as info:
            page.get_by_role("button", name=label).click()
        d = info.value
        with open(d.path(), "rb") as f:
            return d.suggested_filename, f.read()

    name, csv = download("Time series (CSV)")
    lines = csv.decode().strip().splitlines()
    assert name == "rewire-timeseries.csv"
    assert "cooperation" in lines[0].split(",")
    assert len(lines) - 1 == generation(page) + 1  # a row per generation, and the start
    for label, filename in [("Plots (PNG)", "rewire-plots.png"),
                            ("Network (PNG)", "rewire-network.png")]:
        name, png = download(label)
        assert name == filename and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
