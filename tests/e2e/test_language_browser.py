"""The two languages in a real browser: ?lang=ko kept by the sidebar's links, else the browser's locale."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import CAPTIONS, PAIRS
from tests.e2e.conftest import screenshot, serve
from ui.language import catalogue
from ui.navigation import PAGES

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


# What a visitor reads as the page's frame: headings, labels, buttons, tabs, expanders, sidebar links.
FRAME = (
    "h1, h2, h3, [data-testid='stWidgetLabel'], button, [role='tab'], "
    "[data-testid='stExpander'] summary, [data-testid='stSidebar'] a"
)
HANGUL = re.compile("[\uac00-\ud7a3]")
# What the fixture models write (their training sentences, any piece of them): model output, which
# stays in the model's language (a caption's words as buttons, a translation's pieces as expanders).
WRITTEN = " ".join(
    [*(t for pair in PAIRS for t in pair), *(c for cs in CAPTIONS.values() for c in cs)]
).lower()


def model_output(text: str) -> bool:
    words = re.sub(r"expand_more|check|·\s*\d+%|\(end\)", " ", text).lower().split()
    return bool(words) and all(word.strip("-") in WRITTEN for word in words)


# Words that stay as they are in Korean: names, technical tokens, the language control's "English".
KEPT = re.compile(
    r"^[\W\d_]*$|^(English|Unfold|LSTM|GRU|RNN|BLEU|AUC|W_h|x_t|h_t|sentiment\S*|captioning|translation\S*)$"
)


@pytest.mark.parametrize("path", [page.url_path for page in PAGES], ids=lambda p: p or "home")
def test_every_page_in_korean_is_korean(fixture_app, page, path):
    page.goto(f"{fixture_app}/{path}?lang=ko")
    page.locator("h1").first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)  # the page's sections after its title
    texts = [text.strip() for text in page.locator(FRAME).all_inner_texts()]
    words = [text for text in texts if text and not KEPT.match(text) and not model_output(text)]
    korean = [text for text in words if HANGUL.search(text)]
    english = sorted(set(words) - set(korean))
    assert len(korean) >= 0.9 * len(words), f"{len(korean)} of {len(words)} in Korean; not: {english}"
    assert page.locator("[data-testid='stException']").count() == 0
