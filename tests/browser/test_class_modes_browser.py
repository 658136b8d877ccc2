"""Compare mode, interventions and "how it works" in a real browser (Debian chromium).

A student turns on compare mode and plays: the run and its twin advance together,
the twin's network is drawn next to the run's and its curves on the same axes. A
student changes W while the run plays: the change is marked on the plots' time axis
and its label is in the CSV download; a bad value is one line naming the field. The
"how it works" panel shows the code of the rule picked. And with all of these open,
the page still loads nothing from another host.
"""

from __future__ import annotations

import csv
import io

import pytest

from conftest import other_hosts, pick, wait_for_text

# the first test also waits for the server (conftest.START_TIMEOUT, 300 s) and chromium
pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

#: how long to wait for something the page should show after an action
SHOWS_UP = 30_000


def generation(page) -> int:
    return int(page.inner_text(".rw-generation").split()[-1])


def drawn_generations(page) -> list[str]:
    """The generation each view says it has drawn: plots, the run's network, the twin's."""
    return page.eval_on_selector_all(
        ".rw-plots-view, .rw-network-view", "els => els.map(e => e.dataset.generation)")


def start_comparing(page, value: str) -> None:
    """Compare with a twin whose recommender mix is ``value``."""
    page.locator(".rw-twin-value input").fill(value)
    page.click(".rw-compare")
    page.wait_for_selector(".rw-twin-card canvas.rw-network-canvas", timeout=SHOWS_UP)


def hover_tooltip(page, panel: int, gen: int) -> str:
    """The tooltip of panel ``panel`` at generation ``gen`` (the axis spans 0..10 at first)."""
    canvas = page.locator("canvas.rw-panel").nth(panel)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    left, width = 52, 330 - 52 - 50  # the panel's margins in views.js
    right = 10  # the axis's right end: 10, doubled until the run fits (views.js, xRange)
    while right < generation(page):
        right *= 2
    page.mouse.move(box["x"] + left + gen / right * width, box["y"] + box["height"] / 2)
    tip = page.locator(".rw-plots-view .rw-tooltip")
    tip.wait_for(state="visible", timeout=SHOWS_UP)
    return tip.inner_text()


def test_compare_mode_plays_and_the_twins_stay_in_step(open_page):
    page = open_page()
    start_comparing(page, "coop-random=1")
    assert "recommenders: coop-random=1" in page.inner_text(".rw-twin-card")
    assert page.locator("canvas.rw-network-canvas").count() == 2
    assert generation(page) == 0
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 5")
    page.click(".rw-pause")
    page.wait_for_timeout(500)
    shown = generation(page)
    # every view, the twin's network included, has drawn the generation the headline shows
    page.wait_for_function(
        "g => [...document.querySelectorAll('.rw-plots-view, .rw-network-view')]"
        ".every(e => e.dataset.generation === String(g))", arg=shown, timeout=SHOWS_UP)
    assert drawn_generations(page) == [str(shown)] * 3
    run, twin = page.eval_on_selector_all("canvas.rw-network-canvas",
                                          "cs => cs.map(c => c.toDataURL())")
    assert run != twin  # another recommender: another network by now
    # the twin's curves are on the same axes: the tooltip gives both values
    tip = hover_tooltip(page, 0, min(shown, 5))
    assert "C: " in tip and "C (twin): " in tip
    # a step advances both
    page.click(".rw-step")
    page.wait_for_function(
        "g => [...document.querySelectorAll('.rw-plots-view, .rw-network-view')]"
        ".every(e => e.dataset.generation === String(g))", arg=shown + 1, timeout=SHOWS_UP)
    page.click(".rw-stop-compare")
    page.wait_for_selector(".rw-twin-card", state="detached", timeout=SHOWS_UP)


def test_an_intervention_shows_on_the_plot_and_in_the_csv(open_page):
    page = open_page()
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 2")
    # a bad value: one line naming the field and its range, nothing applied
    page.locator(".rw-intervention-value input").fill("-1")
    page.click(".rw-intervene")
    page.locator(".rw-intervention-error").wait_for(timeout=SHOWS_UP)
    error = page.inner_text(".rw-intervention-error")
    assert error.startswith("W must be a number >= 0") and "\n" not in error.strip()
    # while the run plays: W = 0.5, labelled
    page.locator(".rw-intervention-value input").fill("0.5")
    page.locator(".rw-intervention-label input").fill("slow rewiring")
    page.click(".rw-intervene")
    wait_for_text(page, ".rw-intervention-done", "text.includes('slow rewiring')")
    done = page.inner_text(".rw-intervention-done")
    at = int(done.split("generation ")[1].split(":")[0])
    page.wait_for_function(
        "() => (document.querySelector('.rw-plots-view').dataset.marks || '')"
        ".includes('slow rewiring')", timeout=SHOWS_UP)
    page.click(".rw-pause")
    page.wait_for_timeout(500)
    # on the time axis: the tooltip at that generation names it
    assert "intervention: slow rewiring" in hover_tooltip(page, 0, at)
    # flip a fraction to cooperate, with its default label
    pick(page, ".rw-intervention-kind", "Make defectors cooperate")
    page.locator(".rw-intervention-fraction input").fill("0.5")
    page.click(".rw-intervene")
    wait_for_text(page, ".rw-intervention-done", "text.includes('50% of defectors cooperate')")
    page.wait_for_function(
        "() => (document.querySelector('.rw-plots-view').dataset.marks || '')"
        ".includes('50% of defectors cooperate')", timeout=SHOWS_UP)
    # in the CSV: the labels on the rows of their generations
    with page.expect_download(timeout=SHOWS_UP) as info:
        page.get_by_role("button", name="Time series (CSV)").click()
    with open(info.value.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    labelled = {int(r["generation"]): r["intervention"] for r in rows if r["intervention"]}
    assert labelled[at].startswith("slow rewiring")
    assert any("50% of defectors cooperate" in label for label in labelled.values())


def test_seeding_a_recommender_needs_it_in_the_mix_and_then_moves_that_fraction(open_page):
    page = open_page()
    pick(page, ".rw-intervention-kind", "Seed a new recommender")
    page.click(".rw-intervene")
    page.locator(".rw-intervention-error").wait_for(timeout=SHOWS_UP)
    assert page.inner_text(".rw-intervention-error").startswith("switch.to: pick a recommender")


def test_the_how_it_works_panel_shows_the_code_of_the_rule(open_page):
    page = open_page()
    code = page.inner_text(".rw-rule-code")
    assert code.startswith("def rewire_away_from(self, v")
    assert "recommender.recommend(self, v)" in code
    pick(page, ".rw-rule-picker", "strategy update")
    wait_for_text(page, ".rw-rule-code", "text.startsWith('def imitate_strategy')")
    assert "agents/user.py, User.imitate_strategy" in page.inner_text(".rw-rule-where")
    pick(page, ".rw-rule-picker", "recommend")
    wait_for_text(page, ".rw-rule-code", "text.startsWith('def recommend(self')")


def test_compare_mode_and_the_panels_load_nothing_from_other_hosts(open_page, server_url):
    requests: list[str] = []
    page = open_page(record=requests)
    start_comparing(page, "coop-random=1")
    page.locator(".rw-intervention-value input").fill("2")
    page.click(".rw-intervene")
    pick(page, ".rw-rule-picker", "candidates")
    page.click(".rw-play")
    page.wait_for_timeout(2000)
    page.click(".rw-pause")
    assert other_hosts(requests, server_url) == []
