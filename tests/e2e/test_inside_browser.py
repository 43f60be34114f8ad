"""The 'Inside an RNN' pages in a real browser: step the unfolded cell, train the memory task live."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, serve


@pytest.fixture(scope="module")
def shipped_app():
    yield from serve(ROOT / "checkpoints")


def test_step_the_unfolded_cell(shipped_app, page):
    page.goto(shipped_app + "/cell")
    expect(page.get_by_text("Step 1: reading “h”")).to_be_visible(timeout=60_000)
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Step 3: reading “l”")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stGraphVizChart'] svg")).to_have_count(2)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "inside-cell")


def test_train_the_memory_task_live_and_stop_it(shipped_app, page):
    page.goto(shipped_app + "/recall")
    page.get_by_role("button", name="Train the three cells").click()
    progress = page.get_by_text(re.compile(r"step \d+ of 400"))
    expect(progress).to_be_visible(timeout=10_000)  # the first curve points
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=10_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text(re.compile(r"rnn \d+%"))).to_be_visible(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "inside-recall")


@pytest.mark.parametrize(
    "path, answer",
    [
        ("state", "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"),
        ("bptt", "[data-testid='stMetric']"),
        ("bidirectional", "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"),
        ("history", "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"),
    ],
)
def test_every_other_inside_page_renders_on_the_shipped_checkpoints(shipped_app, page, path, answer):
    page.goto(f"{shipped_app}/{path}")
    page.locator(answer).first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, f"inside-{path}")
