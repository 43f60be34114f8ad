"""Every page opened by its own URL in a fresh browser: the sectioned navigation and the page itself."""

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import serve
from ui.navigation import PAGES, Page


@pytest.fixture(scope="module")
def fixture_app(fixture_checkpoints):
    yield from serve(fixture_checkpoints)


def expect_page(browser_page, page: Page) -> None:
    """The page's own title (which only its script sets), its heading, and every section and link."""
    expect(browser_page).to_have_title(f"{page.title} · Unfold", timeout=60_000)
    expect(browser_page.locator("h1").first).to_be_visible(timeout=60_000)
    sidebar = browser_page.get_by_test_id("stSidebar")
    for section in ("Unfold", "Structures", "Inside an RNN"):  # the English headings of the sections
        expect(sidebar.get_by_text(section, exact=True)).to_be_visible()
    for link in PAGES:
        anchor = sidebar.get_by_role("link", name=link.title, exact=True)
        expect(anchor).to_have_attribute("href", re.compile(rf"^{re.escape(link.url_path)}\?lang=en$"))
    assert browser_page.locator("[data-testid='stException']").count() == 0


def test_a_page_is_whole_as_a_fresh_servers_first_request(fixture_checkpoints, page):
    """Streamlit runs a page of pages/ without app.py when a fresh server's first request is its URL."""
    history = next(link for link in PAGES if link.url_path == "history")
    with contextmanager(serve)(fixture_checkpoints) as url:
        page.goto(f"{url}/{history.url_path}")
        expect_page(page, history)


@pytest.mark.parametrize("link", PAGES, ids=lambda link: link.url_path or "home")
def test_every_page_by_its_url_has_the_navigation_and_its_title(fixture_app, page, link):
    page.goto(f"{fixture_app}/{link.url_path}")
    expect_page(page, link)


def test_the_navigation_switches_pages(fixture_app, page):
    sentiment = next(link for link in PAGES if link.url_path == "sentiment")
    page.goto(f"{fixture_app}/sentiment")
    expect_page(page, sentiment)
    page.get_by_test_id("stSidebar").get_by_role("link", name=PAGES[-1].title).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(fixture_app)}/{PAGES[-1].url_path}\?lang=en"))
    expect_page(page, PAGES[-1])
