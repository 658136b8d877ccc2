"""Learned recommenders in a real browser: the mix editor offers the shipped policy
files by name and a file picker for one's own; a bad file is one visible line and the
running model plays on.

Headless Debian chromium driven by Playwright against a real ``solara run server.py``
(``conftest.py``); each test opens its own browser context (its own session).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from conftest import wait_for_text

# the first test may also wait for the server (conftest.START_TIMEOUT, 300 s) and chromium
pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

SHOWS_UP = 30_000
LEARNED = "?n=200&k=8&seed=2&recommenders=" + quote("local=0.5,mine=0.5[policy=learned]")


def test_a_shipped_policy_is_picked_by_name_and_an_own_file_uploaded(open_page, tmp_path):
    from model.learning.ranking import RankingPolicy, save_policy

    page = open_page(query=LEARNED)
    assert "policy=learned,file=aligned" in page.inner_text(".rw-running-params")
    # pick a shipped policy from the file box's list
    page.get_by_label("mine: file", exact=True).click()
    option = page.locator(".v-overlay--active .v-list-item").get_by_text("engagement-n30",
                                                                          exact=True)
    option.click()
    page.click(".rw-reset")
    wait_for_text(page, ".rw-running-params", "text.includes('file=engagement-n30')")
    # upload one's own file with the picker
    mine = save_policy(tmp_path / "my-policy.npz", RankingPolicy("mlp", 4, 4, seed=3))
    page.locator(".rw-file-picker input[type=file]").set_input_files(str(mine))
    wait_for_text(page, ".rw-suggested-setting", "true")  # rendered
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rw-suggested-setting input')]"
        ".some(e => e.value.includes('rewire-uploads') && e.value.endsWith('my-policy.npz'))",
        timeout=SHOWS_UP)
    page.click(".rw-reset")
    wait_for_text(page, ".rw-running-params", "text.includes('my-policy.npz')")
    page.click(".rw-step")
    wait_for_text(page, ".rw-generation", "text.endsWith(' 1')")


def test_a_file_that_is_not_a_policy_is_one_line_and_the_run_goes_on(open_page, tmp_path):
    page = open_page(query=LEARNED)
    before = page.inner_text(".rw-running-params")
    bad = tmp_path / "not-a-policy.npz"
    bad.write_bytes(b"print('hello')")
    page.locator(".rw-file-picker input[type=file]").set_input_files(str(bad))
    problem = page.locator(".rw-mix-problem")
    problem.wait_for(timeout=SHOWS_UP)
    text = problem.inner_text().strip()
    assert "'mine': file:" in text and "not an .npz archive" in text and "\n" not in text
    page.click(".rw-step")
    wait_for_text(page, ".rw-generation", "text.endsWith(' 1')")
    assert page.inner_text(".rw-running-params") == before
