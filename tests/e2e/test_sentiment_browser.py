"""The sentiment page in a real browser: the first example read on arrival, a review typed and read,
a unit picked and its snippets seen, a span selected and its matches seen."""

import re

import pytest
from playwright.sync_api import expect

from bench.app import NEXT_ORDER, REPAINT
from tests.conftest import ROOT
from tests.e2e.conftest import SCREENSHOTS, reruns, screenshot, sent_messages, serve


@pytest.fixture(scope="module")
def shipped_app():
    if not (ROOT / "checkpoints" / "sentiment.pt").is_file():
        pytest.fail("checkpoints/sentiment.pt is missing: it ships with the repository")
    yield from serve(ROOT / "checkpoints")


def read_review(page, text: str) -> None:
    """`text` typed into the review box and read (a review of another length than the last)."""
    count = page.get_by_text(re.compile(r"^\d+ tokens read"))
    expect(count).to_be_visible(timeout=60_000)
    before = count.text_content()
    page.get_by_label("Review", exact=True).fill(text)
    page.get_by_role("button", name="Read it").click()
    expect(count).not_to_have_text(before, timeout=60_000)
    page.wait_for_timeout(1_000)


def test_review_gets_verdict_and_heatmap(shipped_app, page):
    page.goto(shipped_app + "/sentiment")
    verdict = page.get_by_test_id("stMetricValue").first
    expect(verdict).to_have_text("Positive", timeout=60_000)  # the first example, before any click
    review = page.get_by_label("Review", exact=True)
    review.fill("The acting was wooden and the plot made no sense. A waste of a good cast.")
    page.get_by_role("button", name="Read it").click()
    expect(verdict).to_have_text("Negative", timeout=30_000)
    chart = page.locator("[data-testid='stVegaLiteChart']").nth(1)
    chart.scroll_into_view_if_needed(timeout=30_000)
    heatmap = chart.locator("canvas")
    heatmap.wait_for(timeout=30_000)
    assert page.get_by_text("Hidden state through time").is_visible()
    screenshot(page, "sentiment")

    unit = page.get_by_label("Unit", exact=True)
    before = unit.input_value()
    box = heatmap.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    try:
        expect(unit).not_to_have_value(before, timeout=5_000)
    except AssertionError:  # that row was the starting unit: a far-away row cannot be
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.85)
        expect(unit).not_to_have_value(before, timeout=10_000)
    assert page.locator("[data-testid='stException']").count() == 0


def test_pick_a_unit_see_its_snippets_select_a_span_see_matches(shipped_app, page):
    page.set_viewport_size({"width": 1400, "height": 6000})  # all in view: charts draw once seen
    page.goto(shipped_app + "/sentiment")
    matches = page.get_by_text(re.compile(r"of \d+ units on at “"))
    expect(matches.first).to_be_visible(timeout=90_000)  # the pattern of the first example, found
    snippets = page.get_by_text(re.compile(r"^[+-]\d\.\d{3} at “.*”, a (positive|negative) \w+ text$"))
    expect(snippets).to_have_count(12)  # the best unit's highest and lowest, unclicked
    charts = page.locator("[data-testid='stVegaLiteChart'] :is(canvas, svg.marks)")
    expect(charts).to_have_count(8, timeout=60_000)  # all drawn, the LSTM's three gates last
    atlas_screenshot(page)

    unit = page.get_by_label("Unit", exact=True)
    other = "7" if unit.input_value() != "7" else "8"
    first_snippet = snippets.first.inner_text()
    unit.fill(other)
    unit.press("Enter")
    expect(page.get_by_text(f"Unit {other}", exact=True)).to_be_visible(timeout=30_000)
    expect(snippets.first).not_to_have_text(first_snippet, timeout=30_000)
    expect(snippets).to_have_count(12)

    pattern = page.get_by_text(re.compile(r"above [\d.]+ at every token of"))
    expect(pattern).to_contain_text("“not terrible”")  # where the verdict moves most, and the next token
    page.get_by_role("slider").first.focus()  # the span's first token
    page.keyboard.press("ArrowLeft")
    expect(pattern).to_contain_text("“is not terrible”", timeout=30_000)
    expect(matches.first).to_be_visible(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0


def atlas_screenshot(page) -> None:
    """The unit atlas and the pattern search, from the one heading to the next section's (README's
    docs/atlas.png)."""
    top = page.get_by_role("heading", name="Unit atlas").bounding_box()
    bottom = page.get_by_role("heading", name="Gates: switches or dials").bounding_box()
    SCREENSHOTS.mkdir(exist_ok=True)
    left, up = top["x"] - 24, top["y"] - 16
    clip = {"x": left, "y": up, "width": 1400 - left, "height": bottom["y"] - up}
    page.screenshot(path=SCREENSHOTS / "atlas.png", clip=clip)


def test_home_lists_shipped_model(shipped_app, page):
    page.goto(shipped_app)
    page.get_by_text("Shipped models").wait_for(timeout=30_000)
    page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "home")


def test_the_heatmap_reorders_its_units_in_the_browser_without_the_server(shipped_app, page):
    sent = sent_messages(page)
    page.goto(shipped_app + "/sentiment")
    expect(page.get_by_text(re.compile(r"of \d+ units on at “")).first).to_be_visible(timeout=90_000)
    page.wait_for_timeout(1_000)
    before = len(sent)
    for _ in range(4):  # through every order back to the first
        assert page.evaluate(REPAINT, [1, NEXT_ORDER]) is not None  # the heatmap was drawn anew
    page.wait_for_timeout(1_000)
    assert sent[before:] == []  # not even a widget's value


def test_a_unit_picked_on_the_heatmap_reruns_only_its_section(shipped_app, page):
    messages = sent_messages(page)
    page.goto(shipped_app + "/sentiment")
    expect(page.get_by_text(re.compile(r"of \d+ units on at “")).first).to_be_visible(timeout=90_000)
    unit = page.get_by_label("Unit", exact=True)
    before, sent = unit.input_value(), len(messages)
    chart = page.locator("[data-testid='stVegaLiteChart']").nth(1)
    chart.scroll_into_view_if_needed(timeout=30_000)
    heatmap = chart.locator("canvas").bounding_box()
    for height in (0.3, 0.85):  # a far-away row, if the first was the starting unit
        page.mouse.click(heatmap["x"] + heatmap["width"] * 0.3, heatmap["y"] + heatmap["height"] * height)
        page.wait_for_timeout(2_000)
        if unit.input_value() != before:
            break
    assert unit.input_value() != before
    asked = reruns(messages[sent:])
    assert asked and all(rerun.fragment_id for rerun in asked)  # never the whole page
