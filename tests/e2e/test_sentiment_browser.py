"""The sentiment page in a real browser: type a review, submit, see the verdict and heatmap."""

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, serve


@pytest.fixture(scope="module")
def shipped_app():
    if not (ROOT / "checkpoints" / "sentiment.pt").is_file():
        pytest.fail("checkpoints/sentiment.pt is missing: it ships with the repository")
    yield from serve(ROOT / "checkpoints")


def test_review_gets_verdict_and_heatmap(shipped_app, page):
    page.goto(shipped_app + "/sentiment")
    review = page.get_by_label("Review", exact=True)
    review.fill("The acting was wooden and the plot made no sense. A waste of a good cast.")
    page.get_by_role("button", name="Read it").click()
    verdict = page.get_by_test_id("stMetricValue")
    verdict.wait_for(timeout=30_000)
    assert "negative" in verdict.inner_text()
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").nth(
        1
    ).wait_for(timeout=30_000)
    assert page.get_by_text("Hidden state through time").is_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "sentiment")


def test_home_lists_shipped_model(shipped_app, page):
    page.goto(shipped_app)
    page.get_by_text("Shipped models").wait_for(timeout=30_000)
    page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "home")
