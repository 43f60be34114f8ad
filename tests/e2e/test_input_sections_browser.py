"""New input answered by rerunning its section (issue 28), in a real browser: on the sentiment,
captioning and translation pages another review, photo, sentence or example, hidden region, typed
beginning or word to write from is given, its answer is awaited on the page, and every rerun the
browser asked for names a fragment: the page's title, intro and Model box above are not run again."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import serve
from tests.e2e.test_captioning_browser import captions, click_cell
from tests.e2e.test_sections_browser import answered_by_its_section, opened, shown, typed


@pytest.fixture(scope="module")
def shipped_app():
    yield from serve(ROOT / "checkpoints")


def picked(page, box: str, option: str):
    """A change of the select box labelled `box` to `option`. Its menu closes while the page scrolls:
    the box is scrolled to first."""

    def change():
        combobox = page.get_by_role("combobox", name=box)
        combobox.scroll_into_view_if_needed()
        page.wait_for_timeout(1_000)
        combobox.click()
        page.get_by_role("option", name=option, exact=True).click()

    return change


def other_than(locator, before: str):
    """An answer: `locator` (shown) says something other than `before`."""
    return lambda: expect(locator).not_to_have_text(before, timeout=60_000)


def test_the_sentiment_page_reruns_only_its_review(shipped_app, page):
    count = page.get_by_text(re.compile(r"^\d+ tokens read"))
    messages = opened(page, shipped_app + "/sentiment", count)
    review = page.get_by_label("Review", exact=True)

    def read(text: str):
        return lambda: (review.fill(text), page.get_by_role("button", name="Read it").click())

    before = count.inner_text()
    answered_by_its_section(
        page, messages, "review", read("Dull, slow and far too long."), other_than(count, before)
    )
    before = count.inner_text()
    answered_by_its_section(
        page,
        messages,
        "example",
        picked(page, "Try an example", "Mixed, then positive"),
        other_than(count, before),
    )
    answered_by_its_section(
        page, messages, "blank review", read(" "), shown(page.get_by_text("Enter some text to classify"))
    )


def test_the_captioning_page_reruns_only_its_reading(shipped_app, page):
    messages = opened(page, shipped_app + "/captioning", captions(page).first)
    own = captions(page).first.inner_text()
    photo = page.get_by_role("radiogroup", name="Sample photo").get_by_role("radio", name="Coffee")
    answered_by_its_section(page, messages, "photo", photo.click, other_than(captions(page).first, own))

    hidden = page.get_by_text("What if: D3 hidden", exact=True)
    answered_by_its_section(
        page, messages, "region", lambda: click_cell(page, column=3, row=2), shown(hidden)
    )

    # Typed at once: the browser may still send the replaced grid's click, which must not show D3 again.
    beginning = page.get_by_label("…the caption had to start with", exact=True)
    forced = page.get_by_text("What if: D3 hidden, starting “a dog”", exact=True)
    answered_by_its_section(page, messages, "beginning", typed(beginning, "a dog"), shown(forced))

    # The word's button is in the word-by-word section, inside the reading: the reading reruns with it.
    alternative = page.locator("[class*='st-key-captioning_alternative_'] button:enabled").first
    word = alternative.inner_text().split(" · ")[0]
    rewritten = page.get_by_text(f"What if: D3 hidden, starting “{word}”", exact=True)
    answered_by_its_section(page, messages, "word to write from", alternative.click, shown(rewritten))
    expect(beginning).to_have_value(word)  # in the box, not to be sent back as it was
    assert captions(page).nth(1).inner_text().lower().startswith(word)

    back = page.get_by_role("button", name="Back to the model's own caption")
    answered_by_its_section(
        page, messages, "back", back.click, lambda: expect(captions(page)).to_have_count(1, timeout=30_000)
    )
    expect(beginning).to_have_value("")


def test_the_translation_page_reruns_only_its_reading(shipped_app, page):
    own = page.locator("h3").first
    messages = opened(page, shipped_app + "/translation", own)
    translate = page.get_by_role("button", name="Translate", exact=True)
    sentence = page.get_by_label("Sentence", exact=True)

    def write(text: str):
        return lambda: (sentence.fill(text), translate.click())

    before = own.inner_text()
    answered_by_its_section(page, messages, "sentence", write("Ich schwimme gern."), other_than(own, before))

    before, example = own.inner_text(), "Zwei kleine Kinder spielen im Sand am Strand."
    answered_by_its_section(
        page, messages, "example", picked(page, "Try an example", example), other_than(own, before)
    )
    expect(sentence).to_have_value(example)

    beginning = page.get_by_label("Start the translation with", exact=True)
    forced = page.get_by_text("Made to start with “Three”", exact=True)
    answered_by_its_section(
        page, messages, "beginning", lambda: (beginning.fill("Three"), translate.click()), shown(forced)
    )
    expect(page.locator("h3").nth(1)).to_contain_text("Three")
