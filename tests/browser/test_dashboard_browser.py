"""The dashboard in a real browser: headless Debian chromium driven by Playwright.

Each test opens the page in its own browser context, which the server treats as a
separate visitor (its own session and model), and acts the way a user would:
press Play, type a value and press Reset, pick a preset, hover over a plot, export
a view, ask for a model too big for the server.

The plots and the network are drawn by the browser on canvases; a test reads what
they show from their pixels (``toDataURL``) and from the tooltip a hover opens.
"""

from __future__ import annotations


import pytest

from conftest import choose_scenario, other_hosts, wait_for_text

# the first test also waits for the server (conftest.START_TIMEOUT, 300 s) and chromium
pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

#: how long to wait for something the page should show after an action
SHOWS_UP = 30_000


def generation(page) -> int:
    return int(page.inner_text(".rw-generation").split()[-1])


def running_params(page) -> str:
    return page.inner_text(".rw-running-params")


def cooperation_plot(page) -> str:
    """The pixels of the cooperation panel (the first), as a data URL."""
    return page.eval_on_selector("canvas.rw-panel", "c => c.toDataURL()")


def network_picture(page) -> str:
    return page.eval_on_selector("canvas.rw-network-canvas", "c => c.toDataURL()")


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def test_play_advances_the_counter_and_the_browser_redraws_plots_and_network(open_page):
    page = open_page()
    assert generation(page) == 0
    page.wait_for_timeout(500)  # the first frame's drawing
    plot_before, network_before = cooperation_plot(page), network_picture(page)
    cooperation_before = page.inner_text(".rw-cooperation")
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 5")
    page.click(".rw-pause")
    assert generation(page) >= 5
    page.wait_for_timeout(300)
    assert cooperation_plot(page) != plot_before
    assert network_picture(page) != network_before
    assert page.inner_text(".rw-cooperation") != cooperation_before
    assert page.locator("canvas.rw-panel").count() == 10


def test_a_panel_shows_what_each_recommender_proposes(open_page):
    """The aligned recommender proposes cooperators only, its opposite defectors only."""
    page = open_page(query="?n=200&k=8&seed=3&W=0.5&recommenders="
                           "coop-random%3D0.5%2Cdefect-random%3D0.5")
    for _ in range(3):
        page.click(".rw-step")
        page.wait_for_timeout(200)
    wait_for_text(page, ".rw-generation", "text.endsWith(' 3')")
    panel = page.locator('canvas.rw-panel[data-title="Cooperators among proposed users"]')
    panel.scroll_into_view_if_needed()
    box = panel.bounding_box()
    left, width = 52, 330 - 52 - 50  # the panel's margins in views.js
    page.mouse.move(box["x"] + left + 0.3 * width, box["y"] + box["height"] / 2)
    tip = page.locator(".rw-plots-view .rw-tooltip")
    tip.wait_for(state="visible", timeout=SHOWS_UP)
    values = dict(line.split(": ") for line in tip.inner_text().splitlines()[1:])
    assert float(values["coop-random"]) == 1.0 and float(values["defect-random"]) == 0.0
    assert page.locator('canvas.rw-panel[data-title="Degree of proposed users"]').count() == 1


def hover_tooltip(page, panel: int, fraction: float) -> str:
    """Move the mouse over panel ``panel`` at ``fraction`` of its plot width; the tooltip."""
    box = page.locator("canvas.rw-panel").nth(panel).bounding_box()
    left, width = 52, 330 - 52 - 50  # the panel's margins in views.js
    page.mouse.move(box["x"] + left + fraction * width, box["y"] + box["height"] / 2)
    tip = page.locator(".rw-plots-view .rw-tooltip")
    tip.wait_for(state="visible", timeout=SHOWS_UP)
    return tip.inner_text()


def test_hovering_a_plot_shows_the_values_of_that_generation(open_page):
    page = open_page()
    for _ in range(4):
        page.click(".rw-step")
        page.wait_for_timeout(200)
    wait_for_text(page, ".rw-generation", "text.endsWith(' 4')")
    csv_cooperation = page.inner_text(".rw-cooperation")  # e.g. "Cooperation 48.3%"
    text = hover_tooltip(page, 0, 0.4)  # x axis 0..10: generation 4
    lines = text.splitlines()
    assert lines[0] == "generation 4"
    c_value = float([line for line in lines if line.startswith("C: ")][0][3:])
    assert f"{c_value:.1%}" in csv_cooperation or abs(
        c_value - float(csv_cooperation.split()[-1].rstrip("%")) / 100) < 0.006
    assert any(line.startswith("D: ") for line in lines)
    # clicking a legend entry hides that series (and its value)
    box = page.locator("canvas.rw-panel").first.bounding_box()
    page.mouse.click(box["x"] + 52 + 40, box["y"] + 24)  # the legend's second entry, D
    assert not any(line.startswith("D: ") for line in hover_tooltip(page, 0, 0.4).splitlines())
    # the wheel zooms the time axis in around the mouse (here generation 4)
    hover_tooltip(page, 0, 0.4)
    page.mouse.wheel(0, -100)
    page.wait_for_timeout(300)
    assert hover_tooltip(page, 0, 0.0).splitlines()[0] == "generation 1"  # from 0.8
    page.mouse.dblclick(box["x"] + 150, box["y"] + 120)  # the whole run again
    assert hover_tooltip(page, 0, 0.0).splitlines()[0] == "generation 0"


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
    from model.parameters import format_mix, validate
    from visualization.scenarios_picker import load_presets

    presets, error = load_presets()
    assert error is None and len(presets) >= 4
    page = open_page()
    for scenario in presets:
        choose_scenario(page, scenario.title)
        wait_for_text(page, ".rw-running-params", f"text.includes('seed={scenario.seed}')")
        description = page.inner_text(".rw-scenario-description")
        assert scenario.description.split()[0] in description
        mix = validate({"recommenders": scenario.base["recommenders"]})["recommenders"]
        assert format_mix(mix) in running_params(page)


def test_the_page_loads_nothing_from_other_hosts(open_page, server_url):
    requests: list[str] = []
    page = open_page(record=requests)
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 3")
    page.click(".rw-pause")
    assert other_hosts(requests, server_url) == []


def download(page, button) -> tuple[str, bytes]:
    with page.expect_download(timeout=SHOWS_UP) as info:
        button.click()
    d = info.value
    with open(d.path(), "rb") as f:
        return d.suggested_filename, f.read()


def test_the_csv_download_gives_the_current_runs_time_series(open_page):
    page = open_page()
    page.click(".rw-play")
    wait_for_text(page, ".rw-generation", "parseInt(text.split(' ').pop()) >= 3")
    page.click(".rw-pause")
    page.wait_for_timeout(300)
    name, csv = download(page, page.get_by_role("button", name="Time series (CSV)"))
    lines = csv.decode().strip().splitlines()
    assert name == "rewire-timeseries.csv"
    assert "cooperation" in lines[0].split(",")
    assert len(lines) - 1 == generation(page) + 1  # a row per generation, and the start


def test_each_view_exports_png_and_svg(open_page):
    page = open_page()
    for _ in range(2):
        page.click(".rw-step")
        page.wait_for_timeout(300)
    wait_for_text(page, ".rw-generation", "text.endsWith(' 2')")
    page.wait_for_timeout(300)
    for view, stem, words in [(".rw-plots-view", "rewire-plots", ["Cooperation", "Rewires"]),
                              (".rw-network-view", "rewire-network", ["Generation 2"])]:
        name, png = download(page, page.locator(f"{view} .rw-export-png"))
        assert name == f"{stem}.png"
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
        name, svg = download(page, page.locator(f"{view} .rw-export-svg"))
        text = svg.decode()
        assert name == f"{stem}.svg" and text.startswith("<svg") and text.endswith("</svg>")
        for word in words:
            assert word in text
    # the network's SVG has a path through every tie and a mark for every user
    assert text.count("<path") >= 3


def test_hiding_and_showing_the_network_redraws_it_from_the_current_graph(open_page):
    page = open_page()
    page.locator(".rw-show-network input").click()
    page.wait_for_selector("canvas.rw-network-canvas", state="detached", timeout=SHOWS_UP)
    for _ in range(3):
        page.click(".rw-step")
        page.wait_for_timeout(200)
    wait_for_text(page, ".rw-generation", "text.endsWith(' 3')")
    page.locator(".rw-show-network input").click()
    page.wait_for_selector("canvas.rw-network-canvas", timeout=SHOWS_UP)
    page.wait_for_timeout(500)
    name, svg = download(page, page.locator(".rw-network-view .rw-export-svg"))
    assert "Generation 3" in svg.decode()


def test_a_model_too_big_for_the_server_is_refused_while_another_session_plays(open_page):
    player = open_page()
    student = open_page()
    player.click(".rw-play")
    wait_for_text(player, ".rw-generation", "parseInt(text.split(' ').pop()) >= 3")
    set_number(student, "N (users)", "1000000")
    set_number(student, "k (average degree)", "500")
    student.click(".rw-reset")
    student.locator(".rw-error", has_text="Too big for this shared server").wait_for(
        timeout=SHOWS_UP)
    assert "N=1,000,000 users" in student.inner_text(".rw-error")
    assert "n=1000," in running_params(student)  # the student's own run is kept
    before = generation(player)
    wait_for_text(player, ".rw-generation",
                  f"parseInt(text.split(' ').pop()) >= {before + 5}")
    player.click(".rw-pause")
    student.click(".rw-step")  # and the student's page still works
    wait_for_text(student, ".rw-generation", "text.endsWith(' 1')")
