"""The translation page in a real browser: translated on arrival, one what-if (an alternative chosen, both
translations side by side, a link that reopens them), and the other direction typed into."""

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import SCREENSHOTS, screenshot, serve


@pytest.fixture(scope="module")
def shipped_app():
    for name in ("translation-de-en", "translation-en-de"):
        if not (ROOT / "checkpoints" / f"{name}.pt").is_file():
            pytest.fail(f"checkpoints/{name}.pt is missing: it ships with the repository")
    yield from serve(ROOT / "checkpoints")


def expect_matrices(page) -> None:
    """Attention and connectivity, both drawn."""
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts).to_have_count(2, timeout=60_000)
    for chart in charts.all():
        chart.scroll_into_view_if_needed(timeout=30_000)
        chart.locator("svg, canvas").first.wait_for(timeout=30_000)


def test_translated_on_arrival_then_what_if_it_had_written_another_word(shipped_app, page):
    page.set_viewport_size({"width": 1400, "height": 2000})  # the whole what-if without scrolling
    page.goto(shipped_app + "/translation")
    own = page.locator("h3").first
    expect(own).to_contain_text("man", timeout=60_000)  # the first example, before any click
    expect_matrices(page)
    before = own.inner_text()

    page.get_by_role("button", name="is", exact=True).click()  # the third piece: what else was likely there
    page.get_by_role("button", name="rides").click()
    expect(page.get_by_text("Made to start with “A man rides”")).to_be_visible(timeout=60_000)
    forced = page.locator("h3").nth(1)
    expect(forced).to_contain_text("A man rides")
    assert own.inner_text() == before  # the model's own translation stays beside it
    expect(page.get_by_test_id("stMetricValue")).to_have_count(2)  # each with its score
    expect_matrices(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "translation_prefix=A+man+rides" in page.url
    whatif_screenshot(page)

    page.goto(page.url)  # the link reopens the same comparison
    expect(page.locator("h3").nth(1)).to_contain_text("A man rides", timeout=60_000)
    expect(page.locator("h3").first).to_have_text(before)


def whatif_screenshot(page) -> None:
    """From the sentence to the two matrices (README's docs/translation-whatif.png)."""
    top = page.get_by_test_id("stForm").bounding_box()
    bottom = page.locator("[data-testid='stVegaLiteChart']").last.bounding_box()
    SCREENSHOTS.mkdir(exist_ok=True)
    left, up = top["x"] - 24, top["y"] - 16
    clip = {"x": left, "y": up, "width": 1400 - left, "height": bottom["y"] + bottom["height"] + 16 - up}
    page.screenshot(path=SCREENSHOTS / "translation-whatif.png", clip=clip)


def test_the_other_direction_translates_what_is_typed(shipped_app, page):
    page.goto(shipped_app + "/translation")
    expect(page.locator("h3").first).to_contain_text("man", timeout=60_000)
    page.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name="translation-en-de", exact=True).click()
    sentence = page.get_by_label("Sentence", exact=True)
    expect(sentence).to_have_value("A man rides his bike down a steep street.", timeout=30_000)
    sentence.fill("Two dogs are playing in the snow.")
    page.get_by_role("button", name="Translate").click()
    expect(page.locator("h3").first).to_contain_text("Hunde", timeout=60_000)
    expect_matrices(page)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "translation-en-de")
