"""A visitor's own files in a real browser: a renamed copy of a shipped checkpoint on each model page,
one clear line for each file that cannot be used (nothing in it runs), a states file of any model."""

import pytest
import torch
from playwright.sync_api import expect

from models import registry
from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, serve
from tests.test_upload import LeavesATrace, saved, states_bytes

CHECKPOINTS = ROOT / "checkpoints"
PAGES = {  # page: (its uploader, the task it reads, its Model box; BPTT has none)
    "sentiment": ("sentiment_model_upload", "sentiment", "sentiment_model"),
    "translation": ("translation_model_upload", "translation", "translation_model"),
    "captioning": ("captioning_model_upload", "captioning", "captioning_model"),
    "bptt": ("bptt_upload", "sentiment", None),
    "bidirectional": ("bidirectional_model_upload", "translation", "bidirectional_model"),
}


@pytest.fixture(scope="module")
def shipped_app():
    if not (CHECKPOINTS / f"{registry.default('sentiment')}.pt").is_file():
        pytest.fail("the shipped checkpoints are missing: they ship with the repository")
    yield from serve(CHECKPOINTS)


def put(page, uploader: str, files: list) -> None:
    """Files (paths, or (name, bytes) pairs) into the uploader with key `uploader`, hidden or not."""
    payloads = [
        f
        if not isinstance(f, tuple)
        else {"name": f[0], "mimeType": "application/octet-stream", "buffer": f[1]}
        for f in files
    ]
    page.locator(f".st-key-{uploader} [data-testid='stFileUploaderDropzoneInput']").set_input_files(payloads)


def no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


@pytest.mark.parametrize("name", PAGES)
def test_a_renamed_shipped_checkpoint_is_read_and_named_on_its_page(shipped_app, page, name):
    uploader, task, box = PAGES[name]
    shipped = registry.default(task, "en")
    page.goto(f"{shipped_app}/{name}")
    page.locator(f".st-key-{uploader}").wait_for(state="attached", timeout=120_000)
    put(page, uploader, [(f"my-{name}.pt", (CHECKPOINTS / f"{shipped}.pt").read_bytes())])
    if box:  # chosen in the Model box at once
        expect(page.locator(f".st-key-{box} input")).to_have_value(f"my-{name}.pt", timeout=120_000)
    else:  # the uploader names it, and the page has drawn its curves with it beside the shipped cells
        chip = page.locator(f".st-key-{uploader} [data-testid='stFileChipName']")
        expect(chip).to_have_text(f"my-{name}.pt", timeout=60_000)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=120_000)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentWarning")).to_have_count(0)
    no_exception(page)
    screenshot(page, f"upload-{name}")


def test_an_uploaded_sentiment_model_gets_its_atlas_built_with_a_progress_bar(shipped_app, page):
    page.set_viewport_size({"width": 1400, "height": 4000})  # all in view: charts draw once seen
    page.goto(f"{shipped_app}/sentiment")
    page.locator(".st-key-sentiment_model_upload").wait_for(state="attached", timeout=120_000)
    put(
        page,
        "sentiment_model_upload",
        [("mine.pt", (CHECKPOINTS / f"{registry.default('sentiment')}.pt").read_bytes())],
    )
    page.locator(".st-key-upload_build_atlas button").click(timeout=120_000)  # a later run: the file read
    expect(page.get_by_test_id("stProgress")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Units that carry the verdict")).to_be_visible(timeout=120_000)
    expect(page.locator(".st-key-sentiment_model input")).to_have_value("mine.pt")
    no_exception(page)
    screenshot(page, "upload-atlas")


def test_each_unusable_file_gets_one_clear_line_and_nothing_runs(shipped_app, page, tmp_path):
    trace = tmp_path / "ran"  # the crafted pickle would create it, were it unpickled
    shipped = torch.load(CHECKPOINTS / f"{registry.default('translation')}.pt", weights_only=True)
    oversized = tmp_path / "huge.pt"
    with oversized.open("wb") as file:
        file.truncate(51 * 2**20)
    sentiment = (CHECKPOINTS / f"{registry.default('sentiment')}.pt").read_bytes()
    refusals = [
        (("crafted.pt", saved({**shipped, "train": {"command": LeavesATrace(trace)}})), "could run code"),
        (("noise.pt", torch.randint(0, 256, (4096,), dtype=torch.uint8).numpy().tobytes()), "not a readable"),
        (("reviews.pt", sentiment), "open it on the Sentiment"),
        (oversized, "File must be 50.0MB or smaller"),
    ]
    for upload, says in refusals:
        page.goto(f"{shipped_app}/translation")  # a new session: an empty uploader
        page.locator(".st-key-translation_model_upload").wait_for(state="attached", timeout=120_000)
        put(page, "translation_model_upload", [upload])
        expect(page.get_by_text(says, exact=False)).to_have_count(1, timeout=60_000)
        no_exception(page)
        expect(page.locator(".st-key-translation_model input")).to_have_value(registry.default("translation"))
    assert not trace.exists()


def test_a_states_file_shows_its_heatmap_ranking_and_pattern_search(shipped_app, page):
    page.set_viewport_size({"width": 1400, "height": 4000})  # all in view: charts draw once seen
    page.goto(f"{shipped_app}/sentiment")
    page.locator(".st-key-sentiment_states_upload").wait_for(state="attached", timeout=120_000)
    put(page, "sentiment_states_upload", [("mine.npz", states_bytes())])
    expect(page.get_by_text("Inside mine.npz")).to_be_visible(timeout=60_000)
    for heading in ("Units that carry the verdict", "Pattern search"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    heatmap = page.locator(".st-key-sentiment_states_heatmap")
    heatmap.locator("canvas, svg").first.wait_for(timeout=30_000)
    no_exception(page)
    screenshot(page, "upload-states")
