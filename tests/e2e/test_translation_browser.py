"""The translation page in a real browser: translate in both directions, see the alignment matrix."""

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, serve


@pytest.fixture(scope="module")
def shipped_app():
    for name in ("translation-de-en", "translation-en-de"):
        if not (ROOT / "checkpoints" / f"{name}.pt").is_file():
            pytest.fail(f"checkpoints/{name}.pt is missing: it ships with the repository")
    yield from serve(ROOT / "checkpoints")


def translate(page, sentence: str) -> str:
    page.get_by_label("Sentence", exact=True).fill(sentence)
    page.get_by_role("button", name="Translate").click()
    heading = page.locator("h3").first
    expect(heading).not_to_be_empty(timeout=60_000)
    alignment = page.locator("[data-testid='stVegaLiteChart']").first
    alignment.scroll_into_view_if_needed(timeout=30_000)
    alignment.locator("svg, canvas").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    return heading.inner_text()


def test_translates_both_ways_with_alignment(shipped_app, page):
    page.goto(shipped_app + "/translation")
    english = translate(page, "Ein Mann fährt mit dem Fahrrad.")
    assert "man" in english.lower()
    screenshot(page, "translation-de-en")

    page.get_by_text("English → German").click()
    expect(page.get_by_label("Sentence", exact=True)).to_have_value(
        "A man rides his bike down a steep street."
    )
    german = translate(page, "Two dogs are playing in the snow.")
    assert "hunde" in german.lower()
    screenshot(page, "translation-en-de")
