"""Bandit recommenders in a real browser: the mix editor, the bandit panel, the preset.

Headless Debian chromium driven by Playwright against a real ``solara run server.py``
(``conftest.py``). Each test opens its own browser context (its own session and model)
and acts as a user would: add a bandit under a label, type its settings, press Reset
and Play; type a bad setting; load the preset "An engagement bandit learns" and read
the bandit panel's canvases, tooltip and SVG export; open a share link.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from conftest import choose_scenario, pick, wait_for_text

# the first test may also wait for the server (conftest.START_TIMEOUT, 300 s) and chromium
pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

#: how long to wait for something the page should show after an action
SHOWS_UP = 30_000
ARMS = ["coop-low", "coop-random", "coop-high", "any-low", "any-random", "any-high",
        "defect-low", "defect-random", "defect-high", "local", "fair"]


def generation(page) -> int:
    return int(page.inner_text(".rw-generation").split()[-1])


def running_params(page) -> str:
    return page.inner_text(".rw-running-params")


def set_text(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def add_bandit(page, label: str, policy: str = "bandit-ucb") -> None:
    """Add ``policy`` under ``label`` and give every recommender an equal share."""
    pick(page, ".rw-add-policy", policy)
    set_text(page, "Its label", label)
    page.locator(".rw-add-recommender").click()
    page.get_by_label(f"{label}: window", exact=True).wait_for(timeout=SHOWS_UP)
    page.get_by_role("button", name="Equal shares").click()
    page.get_by_text(f"{label}: 0.50").wait_for(timeout=SHOWS_UP)


def play_until(page, generations: int, timeout: int = 120_000) -> None:
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", f"parseInt(text.split(' ').pop()) >= {generations}",
                  timeout=timeout)
    page.click(".rw-pause")
    page.wait_for_timeout(500)


#: the arm panel's plot area, as visualization/bandit_panel.py and views.js lay it out:
#: a left margin of 16 + 6 px per letter of the longest arm name ("defect-random", 13)
ARM_PANEL_LEFT, ARM_PANEL_WIDTH = 16 + 6 * 13, 330 - (16 + 6 * 13) - 50


def arm_tooltip(page, fraction: float) -> str:
    """Hover over the first bandit panel (arm in force) at ``fraction`` of its plot width."""
    canvas = page.locator("canvas.rw-bandit-panel").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + ARM_PANEL_LEFT + fraction * ARM_PANEL_WIDTH,
                    box["y"] + box["height"] / 2)
    tip = page.locator(".rw-bandit-view .rw-tooltip")
    tip.wait_for(state="visible", timeout=SHOWS_UP)
    return tip.inner_text()


def test_a_bandits_setting_edited_in_the_mix_editor_is_the_one_that_plays(open_page):
    page = open_page()
    add_bandit(page, "ucb-a")
    set_text(page, "ucb-a: window", "20")
    set_text(page, "ucb-a: arms", "coop-random+defect-random")
    page.click(".rw-reset")
    wait_for_text(page, ".rw-running-params", "text.includes('ucb-a=0.5[')")
    params = running_params(page)
    assert "local=0.5" in params and "policy=bandit-ucb" in params
    assert "window=20" in params and "arms=coop-random+defect-random" in params
    page.locator(".rw-bandit-card").wait_for(timeout=SHOWS_UP)
    play_until(page, 3)
    assert generation(page) >= 3
    # the arm panel names the two arms it was given, and only them
    text = arm_tooltip(page, 0.1)
    lines = text.splitlines()
    assert lines[0].startswith("generation ")
    assert lines[1] in ("arm: coop-random", "arm: defect-random"), text


def test_a_bad_setting_shows_one_line_and_the_running_model_plays_on(open_page):
    page = open_page()
    before = running_params(page)
    add_bandit(page, "ucb-a")
    set_text(page, "ucb-a: window", "0")
    message = "recommenders: 'ucb-a': window must be an integer in [1, 1000000000]; got 0"
    problem = page.locator(".rw-mix-problem")
    problem.wait_for(timeout=SHOWS_UP)
    assert problem.inner_text().strip() == message
    page.click(".rw-reset")
    page.get_by_text(f"Could not start a run: {message}").wait_for(timeout=SHOWS_UP)
    assert running_params(page) == before  # the old run, untouched
    play_until(page, 2)
    assert generation(page) >= 2 and running_params(page) == before
    assert page.locator(".rw-bandit-card").count() == 0  # nothing of the refused mix ran
    # the bad value is still there to be corrected, and correcting it is enough
    assert page.get_by_label("ucb-a: window", exact=True).input_value() == "0"
    set_text(page, "ucb-a: window", "30")
    page.locator(".rw-mix-problem").wait_for(state="detached", timeout=SHOWS_UP)
    page.click(".rw-reset")
    wait_for_text(page, ".rw-running-params", "text.includes('window=30')")


def test_the_preset_loads_and_the_bandit_panel_draws_its_arms(open_page):
    from visualization.scenarios_picker import load_presets

    presets, _ = load_presets()
    (preset,) = [s for s in presets if s.name == "an-engagement-bandit-learns"]
    page = open_page()
    choose_scenario(page, preset.title)
    wait_for_text(page, ".rw-running-params", f"text.includes('seed={preset.seed}')")
    assert "policy=bandit-ucb" in running_params(page)
    assert "bandit panel" in page.inner_text(".rw-scenario-description")
    # the editor shows the preset's labelled bandit and its settings
    assert page.get_by_label("learner: window", exact=True).input_value() == "100"
    panels = page.locator("canvas.rw-bandit-panel")
    panels.first.wait_for(timeout=SHOWS_UP)
    assert panels.count() == 2
    page.wait_for_timeout(500)
    blank = [panels.nth(i).evaluate("c => c.toDataURL()") for i in range(2)]
    play_until(page, 4)
    drawn = [panels.nth(i).evaluate("c => c.toDataURL()") for i in range(2)]
    assert drawn[0] != blank[0] and drawn[1] != blank[1]
    lines = arm_tooltip(page, 0.1).splitlines()
    assert lines[0].startswith("generation ")
    assert lines[1].startswith("arm: ") and lines[1][5:] in ARMS
    # exported like the other views, with the arms named on the axis
    with page.expect_download(timeout=SHOWS_UP) as info:
        page.locator(".rw-bandit-view .rw-export-svg").click()
    svg = open(info.value.path(), encoding="utf-8").read()
    assert info.value.suggested_filename == "rewire-bandits.svg"
    assert "learner: arm in force" in svg and "learner: reward per window" in svg
    assert all(arm in svg for arm in ARMS)
    with page.expect_download(timeout=SHOWS_UP) as info:
        page.locator(".rw-bandit-view .rw-export-png").click()
    png = open(info.value.path(), "rb").read()
    assert info.value.suggested_filename == "rewire-bandits.png"
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_a_share_link_rebuilds_a_labelled_bandit_with_its_settings(open_page):
    mix = "local=0.5,ucb-a=0.5[policy=bandit-ucb,window=50]"
    page = open_page(query=f"?recommenders={quote(mix)}&seed=3")
    wait_for_text(page, ".rw-running-params", "text.includes('ucb-a=0.5[')")
    params = running_params(page)
    assert "window=50" in params and "seed=3" in params
    assert page.get_by_label("ucb-a: window", exact=True).input_value() == "50"
    link = page.locator(".rw-share-link input").input_value()
    assert urlencode({"recommenders": mix}) in link  # what was opened is what is shared
    page.locator(".rw-bandit-card").wait_for(timeout=SHOWS_UP)
