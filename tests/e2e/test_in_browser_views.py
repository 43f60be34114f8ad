"""Views the browser changes alone (issue 28), in a real browser: the bidirectional page's step, the
quantity a review's, a translation's or a caption's heatmap shows, a long review's tokens scrolled, and
the token under the pointer marked on a review's trace and heatmap. Each repaints its chart, and the page
sends the server nothing meanwhile: not a rerun, not a widget's value."""

import pytest
from playwright.sync_api import expect

from bench.app import LONG_REVIEW, NEXT_QUANTITY, OTHER_END, REPAINT
from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, sent_messages, serve
from tests.e2e.test_sentiment_browser import read_review


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


def test_a_review_heatmap_shows_another_quantity(shipped_app, page):
    page.goto(shipped_app + "/sentiment")
    changed_in_browser(page, "Order units by", NEXT_QUANTITY)
    assert page.locator(".vega-bind select[name=quantity]").input_value() == "layer0.forward.c"


def test_a_long_review_scrolls_its_tokens(shipped_app, page):
    page.goto(shipped_app + "/sentiment")
    read_review(page, LONG_REVIEW)
    changed_in_browser(page, "First token shown", OTHER_END)
    assert page.locator(".vega-bind input[name=first_token]").input_value() != "0"


def test_the_token_under_the_pointer_is_marked_on_the_trace_and_the_heatmap(shipped_app, page):
    page.goto(shipped_app + "/sentiment")
    view = page.locator("[data-testid='stVegaLiteChart']").filter(has_text="Order units by")
    expect(view.locator("canvas")).to_be_visible(timeout=90_000)
    view.scroll_into_view_if_needed()
    page.wait_for_timeout(1_000)
    canvas = view.locator("canvas")
    drawn = "canvas => canvas.toDataURL()"
    before, sent = canvas.evaluate(drawn), sent_messages(page)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
    page.wait_for_timeout(1_000)
    assert canvas.evaluate(drawn) != before  # the token's column framed
    assert sent == []
    screenshot(page, "sentiment-token")
