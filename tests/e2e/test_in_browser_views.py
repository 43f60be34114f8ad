"""Views the browser changes alone (issue 28), in a real browser: the bidirectional page's step, and the
quantity a translation's or a caption's heatmap shows. Each is timed to its repainted chart, and the page
sends the server nothing meanwhile: not a rerun, not a widget's value."""

import pytest
from playwright.sync_api import expect

from bench.app import NEXT_QUANTITY, OTHER_END, REPAINT
from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, sent_messages, serve


@pytest.fixture(scope="module")
def shipped_app():
    yield from serve(ROOT / "checkpoints")


def changed_in_browser(page, chart: str, action: str) -> None:
    """Do `action` on the chart whose boxes' labels hold `chart` (once drawn; its titles are drawn on
    the canvas): it repaints, and nothing is sent."""
    view = page.locator("[data-testid='stVegaLiteChart']").filter(has_text=chart)
    expect(view.locator("canvas")).to_be_visible(timeout=90_000)
    view.scroll_into_view_if_needed()
    page.wait_for_timeout(1_000)
    sent = sent_messages(page)
    index = page.locator("[data-testid='stVegaLiteChart']").evaluate_all(
        "(views, chart) => views.findIndex(view => view.textContent.includes(chart))", chart
    )
    assert page.evaluate(REPAINT, [index, action]) is not None  # the chart was drawn anew
    page.wait_for_timeout(1_000)
    assert sent == []
    assert page.locator("[data-testid='stException']").count() == 0


def test_the_bidirectional_step_fades_what_each_direction_has_not_read(shipped_app, page):
    page.goto(shipped_app + "/bidirectional")
    changed_in_browser(page, "step t", OTHER_END)
    screenshot(page, "bidirectional")


def test_a_translation_heatmap_shows_another_state(shipped_app, page):
    page.goto(shipped_app + "/translation?translation_view=Hidden+states")
    changed_in_browser(page, "State", NEXT_QUANTITY)
    assert page.locator(".vega-bind select").first.input_value() == "encoder.layer0.backward.h"


def test_a_caption_heatmap_shows_another_quantity(shipped_app, page):
    page.goto(shipped_app + "/captioning")
    changed_in_browser(page, "State", NEXT_QUANTITY)
