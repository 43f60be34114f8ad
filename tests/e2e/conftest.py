"""Browser fixtures: the real app (started as `make bench` starts it) and Debian's chromium via Playwright."""

import os
import shutil
from pathlib import Path

import pytest

from bench.app import CHROMIUM_FLAGS, start_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """Outside CI, no chromium means one skip notice for all browser tests; in CI it is a failure."""
    if shutil.which("chromium") or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="browser tests: no `chromium` found (apt-get install chromium)")
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(skip)


def chromium_path() -> str:
    path = shutil.which("chromium")
    if not path:
        pytest.fail("CI=true but no `chromium` on PATH: `make test` installs Debian's chromium.")
    return path


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def serve(checkpoints: Path):
    """Start the app with `checkpoints` as its model folder; yield its URL."""
    process, url, _ = start_app(checkpoints)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def sent_messages(page) -> list:
    """Every message the page sends the server from now on, decoded (BackMsg); call before page.goto."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    sent = []
    page.on(
        "websocket",
        lambda socket: socket.on("framesent", lambda frame: sent.append(BackMsg.FromString(frame))),
    )
    return sent


def reruns(messages: list) -> list:
    """The reruns among sent messages: each asks the server to run the page, or only a fragment of it
    (its fragment_id set)."""
    return [message.rerun_script for message in messages if message.HasField("rerun_script")]
