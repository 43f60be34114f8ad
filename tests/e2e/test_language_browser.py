"""The two languages in a real browser: ?lang=ko kept by the sidebar's links, else the browser's locale."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, serve
from ui.language import catalogue

KOREAN = catalogue("ko")


@pytest.fixture(scope="module")
def fixture_app(fixture_checkpoints):
    yield from serve(fixture_checkpoints)


def test_korean_by_the_url_is_kept_by_the_sidebar_links(fixture_app, page):
    page.goto(f"{fixture_app}/?lang=ko")
    expect(page.locator("h1").first).to_contain_text(KOREAN["home.title"], timeout=60_000)
    expect(page.get_by_role("heading", name=KOREAN["home.structures"])).to_be_visible()
    screenshot(page, "language-home-ko")

    history = KOREAN["nav.history.title"]
    page.get_by_test_id("stSidebar").get_by_role("link", name=history).click()
    expect(page).to_have_url(re.compile(r"/history\?(.+&)?lang=ko(&|$)"))
    expect(page).to_have_title(f"{history} · Unfold", timeout=60_000)
    expect(page.locator("h1").first).to_contain_text(history)
    page.get_by_role("combobox", name=KOREAN["history.checkpoint"]).click()
    page.get_by_role("option", name="sentiment", exact=True).click()
    expect(page.get_by_text(KOREAN["history.curve.train_loss"]).first).to_be_visible(timeout=30_000)
    page.locator(
        "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
    ).first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "language-history-ko")


@pytest.mark.parametrize("locale, language", [("ko-KR", "ko"), ("en-US", "en")])
def test_without_a_parameter_the_browser_s_locale_chooses(fixture_app, browser, locale, language):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(fixture_app)
        texts = catalogue(language)
        expect(page.locator("h1").first).to_contain_text(texts["home.title"], timeout=60_000)
        expect(page).to_have_url(re.compile(rf"\?(.+&)?lang={language}(&|$)"))
    finally:
        context.close()
