"""The captioning page in a real browser: upload a photo, read its caption, see where it looked."""

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, serve

PHOTO = ROOT / "assets" / "gallery" / "camera.jpg"  # a man with a camera, outdoors: Flickr8k's world


@pytest.fixture(scope="module")
def shipped_app():
    if not (ROOT / "checkpoints" / "captioning.pt").is_file():
        pytest.fail("checkpoints/captioning.pt is missing: it ships with the repository")
    yield from serve(ROOT / "checkpoints")


def test_upload_gives_a_caption_and_attention_overlays(shipped_app, page):
    page.goto(shipped_app + "/captioning")
    page.get_by_text("Upload", exact=True).click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(PHOTO))
    caption = page.locator("h3").first
    expect(caption).not_to_be_empty(timeout=60_000)
    assert "man" in caption.inner_text().lower().split()
    overlays = page.locator("[data-testid='stImage'] img")
    expect(overlays.nth(2)).to_be_visible(timeout=30_000)  # the encoder's view, the chosen word, thumbnails
    words = len(caption.inner_text().split())
    expect(overlays).to_have_count(2 + words)
    page.get_by_text("before writing", exact=False).first.wait_for()
    heatmap = page.locator("[data-testid='stVegaLiteChart']").first
    heatmap.scroll_into_view_if_needed(timeout=30_000)
    heatmap.locator("svg, canvas").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "captioning")
