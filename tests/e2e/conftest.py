"""Browser fixtures: a real `streamlit run app.py` on a free port and Debian's chromium via Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def serve(checkpoints: Path):
    """Start the app on a free port with `checkpoints` as its model folder; yield its URL."""
    port = free_port()
    env = {**os.environ, "UNFOLD_CHECKPOINTS": str(checkpoints)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.25)
    else:
        process.kill()
        pytest.fail("streamlit did not start within 60 s")
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
