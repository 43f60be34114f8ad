"""The captioning page in a real browser: a caption on arrival, a what-if by clicking the picture and by
choosing another word, a link that reopens it, an upload."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, serve

PHOTO = ROOT / "assets" / "gallery" / "camera.jpg"  # a man with a camera, outdoors: Flickr8k's world
CELL = 48  # pixels per cell of the picture's grid (charts.region_grid: 336 / 7)


@pytest.fixture(scope="module")
def shipped_app():
    if not (ROOT / "checkpoints" / "captioning.pt").is_file():
        pytest.fail("checkpoints/captioning.pt is missing: it ships with the repository")
    yield from serve(ROOT / "checkpoints")


def captions(page):
    """The captions shown (markdown headings; the page's section titles are subheaders)."""
    return page.locator("[data-testid='stMarkdown'] h3")


def click_cell(page, column: int, row: int) -> None:
    grid = page.locator("[data-testid='stVegaLiteChart']").first
    grid.locator("svg").wait_for(timeout=30_000)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + (column + 0.5) * CELL, box["y"] + (row + 0.5) * CELL)


def test_hiding_a_cell_and_choosing_a_word_show_both_captions(shipped_app, page):
    page.goto(shipped_app + "/captioning")
    expect(captions(page).first).to_contain_text("man", timeout=120_000)  # before any click
    expect(page.get_by_text("Try a what-if")).to_be_visible()
    own = captions(page).first.inner_text()

    click_cell(page, column=3, row=2)  # D3: the camera and the hands
    expect(page.get_by_text("What if: D3 hidden")).to_be_visible(timeout=60_000)
    expect(captions(page)).to_have_count(2)
    assert captions(page).first.inner_text() == own
    expect(page.get_by_text("Where it looked, over the whole caption")).to_be_visible()
    expect(page).to_have_url(re.compile(r"captioning_hide=D3\b"), timeout=10_000)
    hidden_link = page.url

    click_cell(page, column=3, row=2)  # a second click shows the cell again
    expect(captions(page)).to_have_count(1, timeout=60_000)
    alternative = page.locator("[class*='st-key-captioning_alternative_'] button:enabled").first
    word = alternative.inner_text().split(" · ")[0]
    alternative.click()
    expect(page.get_by_text(f"What if: starting “{word}”")).to_be_visible(timeout=60_000)
    expect(captions(page)).to_have_count(2)
    assert captions(page).nth(1).inner_text().lower().startswith(word)
    expect(page).to_have_url(re.compile(rf"captioning_prefix={word}\b"), timeout=10_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "captioning-whatif")

    page.goto(hidden_link)  # a copied link reopens the same what-if
    expect(page.get_by_text("What if: D3 hidden")).to_be_visible(timeout=120_000)
    expect(captions(page)).to_have_count(2)


def test_upload_gives_a_caption_and_attention_overlays(shipped_app, page):
    page.goto(shipped_app + "/captioning")
    page.get_by_text("Upload", exact=True).filter(visible=True).click()  # not the Model box's uploader
    expect(page.get_by_text("not your photo", exact=False)).to_be_visible(timeout=30_000)
    photo = page.locator(".st-key-captioning_upload")  # the photo's uploader, not the Model box's
    photo.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(PHOTO))
    caption = captions(page).first
    expect(caption).to_contain_text("man", timeout=60_000)
    words = len(caption.inner_text().split())
    overlays = page.locator("[data-testid='stImage'] img")
    expect(overlays).to_have_count(2 + words, timeout=30_000)  # attention, connectivity, one per word
    page.get_by_text("before writing", exact=False).first.wait_for()
    heatmap = page.locator("[data-testid='stVegaLiteChart']").nth(1)
    heatmap.scroll_into_view_if_needed(timeout=30_000)
    heatmap.locator("svg, canvas").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "captioning")
