"""The app as a user meets it: cold start to the first page, each page's response time, resident memory.

Starts `streamlit run app.py` on the shipped checkpoints and drives Debian's chromium (Playwright)."""

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import distributions
from pathlib import Path

from bench import row, show
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parents[1]
# PyPI's Linux torch is the CUDA build, whose libraries alone hold about 500 MB resident; a server
# (and the memory target) uses the CPU build. Read from the package, without importing torch here.
TORCH_CUDA = any(name.startswith("nvidia") for name in (d.metadata["Name"] or "" for d in distributions()))
# Headless chromium on a machine with a closed network: no sandbox (root), no GPU, no calls home.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def _click(page, name: str) -> None:
    # as long as the other waits of a visit: under make cloud-check's 20 visitors a busy server can take
    # longer than Playwright's default 30 s to make a button clickable
    await page.get_by_role("button", name=name).click(timeout=60_000)


PATHS = [page.url_path for page in PAGES]  # where each page is served, "" for the home page
# For each page: what the user does there, and the element that shows the answer.
INTERACTIONS = {
    "": (None, "text=Shipped models"),
    "sentiment": (None, "text=/units on at/"),  # the first example read through to its pattern search
    "captioning": (None, "h3"),
    "translation": (lambda page: _click(page, "Translate"), "h3"),
    "state": (None, "[data-testid='stVegaLiteChart']"),
    "cell": (None, "[data-testid='stGraphVizChart'] svg"),
    "bptt": (lambda page: _click(page, "Backpropagate"), "[data-testid='stMetric']"),
    "recall": (None, "text=Train the three cells"),
    "bidirectional": (lambda page: _click(page, "Encode"), "[data-testid='stVegaLiteChart']"),
    "history": (None, "[data-testid='stSelectbox']"),
    "learning": (None, "[data-testid='stVegaLiteChart']"),
    "glossary": (None, "[data-testid='stPageLink']"),
}


def start_app(
    checkpoints: Path = ROOT / "checkpoints", python: str = sys.executable, before_exec=None
) -> tuple[subprocess.Popen, str, float]:
    """`streamlit run app.py` with `python` on a free local port with `checkpoints` as its model
    folder; returns the process, its URL and when it was started, once it answers its health check.
    `before_exec` runs in the child before the interpreter starts (to join a cgroup)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [python, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1"]
    command += ["--server.port", str(port)]
    env = {**os.environ, "UNFOLD_CHECKPOINTS": str(checkpoints)}
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=before_exec,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(480):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return process, url, started
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the app exited with code {process.returncode} before it answered"
                ) from None
            time.sleep(0.25)
    process.kill()
    raise RuntimeError("the app did not start within 120 s")


def resident_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default; Linux /proc), in MB."""
    pid = os.getpid() if pid is None else pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def visit(page, url: str, path: str) -> float:
    """Open a page, do its interaction, wait for the answer; seconds taken. Fails on a traceback."""
    action, answer = INTERACTIONS[path]
    started = time.perf_counter()
    await page.goto(f"{url}/{path}")
    if action:
        await page.get_by_role("button").first.wait_for(timeout=60_000)
        await action(page)
    await page.locator(answer).first.wait_for(timeout=120_000)
    if await page.locator("[data-testid='stException']").count():
        raise AssertionError(f"/{path} showed a traceback")
    return time.perf_counter() - started


async def first_curve(page, url: str) -> float:
    """Seconds from "Train the three cells" to the first loss curve on the page; then stop it."""
    await page.goto(f"{url}/recall")
    await page.get_by_role("button", name="Train the three cells").click()
    started = time.perf_counter()
    await page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=60_000)
    seconds = time.perf_counter() - started
    await page.get_by_role("button", name="Stop").click()
    return seconds


# Resolves with the ms from `action` to the first frame painted after Vega redrew chart number
# `chart` (SVG: once its elements changed; canvas: once one of seven columns of pixels, an eighth of
# its width apart, did: one column can miss a change, or fall between charts side by side). The action
# runs in the page, so no round trip to Playwright is counted.
REPAINT = """async ([chart, action]) => {
  const view = document.querySelectorAll("[data-testid='stVegaLiteChart']")[chart];
  const canvas = view.querySelector("canvas");
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  const column = eighth =>
    canvas.getContext("2d").getImageData((canvas.width * eighth) >> 3, 0, 1, canvas.height).data.join();
  const columns = () => [1, 2, 3, 4, 5, 6, 7].map(column).join();
  const changed = canvas
    ? (async before => { while (columns() === before) await frame(); })(columns())
    : new Promise(resolve => new MutationObserver((_, observer) => { observer.disconnect(); resolve(); })
        .observe(view.querySelector("svg"), {subtree: true, attributes: true, childList: true}));
  const started = performance.now();
  new Function("view", action)(view);
  const timeout = new Promise(resolve => setTimeout(() => resolve("timeout"), 10000));
  if (await Promise.race([changed, timeout]) === "timeout") return null;
  await frame();
  return performance.now() - started;
}"""


def next_option(param: str) -> str:
    """JavaScript that picks the next option of the chart's box bound to the Vega-Lite parameter `param`
    (a <select> named after it)."""
    return f"""const select = view.querySelector(".vega-bind select[name={param}]");
select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
select.dispatchEvent(new Event("change"));"""


NEXT_ORDER, NEXT_QUANTITY = next_option("unit_order"), next_option("quantity")


# Moves the chart's step slider (a Vega-Lite parameter bound to a range input) to its other end.
OTHER_END = """const slider = view.querySelector(".vega-bind input[type=range]");
slider.value = slider.value === slider.max ? slider.min : slider.max;
slider.dispatchEvent(new Event("input"));"""
# Moves the chart's slider one step on, as an arrow key or a drag does (from its end, back to its start).
ONE_STEP = """const slider = view.querySelector(".vega-bind input[type=range]");
slider.value = slider.value === slider.max ? slider.min : +slider.value + 1;
slider.dispatchEvent(new Event("input"));"""


# Moves the pointer over the chart's canvas, to SHARE of its width and 60% of its height.
POINT_AT = """const canvas = view.querySelector("canvas");
const box = canvas.getBoundingClientRect();
const at = {clientX: box.left + box.width * SHARE, clientY: box.top + box.height * 0.6, bubbles: true};
canvas.dispatchEvent(new PointerEvent("pointermove", at));"""
# A review of 136 tokens: longer than the heatmap shows at once, short enough to send them all.
LONG_REVIEW = "A slow, dull mess of a film, but the acting is wonderful and the ending moved me. " * 8


async def repaint_ms(page, chart: int, action: str) -> float:
    """ms from `action` (JavaScript, given the chart's element as `view`) to the repainted chart `chart`."""
    ms = await page.evaluate(REPAINT, [chart, action])
    if ms is None:
        raise AssertionError(f"chart {chart} did not change within 10 s")
    return ms


async def settled(page) -> None:
    """Until the app has finished its run (its status widget gone), then half a second more."""
    await page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=60_000)
    await page.wait_for_timeout(500)


async def view_changes(page, url: str) -> list[dict]:
    """The sentiment page's three kinds of click, each timed from the action to the painted answer:
    views the browser changes alone, one whose section reruns on a cached analysis, and a new input."""
    await page.goto(f"{url}/sentiment")
    await page.locator(INTERACTIONS["sentiment"][1]).first.wait_for(timeout=120_000)
    heatmap = 1  # after the reading trace
    reorder = [await repaint_ms(page, heatmap, NEXT_ORDER) for _ in range(5)]
    quantity = [await repaint_ms(page, heatmap, NEXT_QUANTITY) for _ in range(5)]
    hover = [await repaint_ms(page, heatmap, POINT_AT.replace("SHARE", str(x))) for x in (0.2, 0.5, 0.8)]
    unit = page.get_by_label("Unit", exact=True)
    pick = []
    for value in ("5", "9", "5"):
        started = time.perf_counter()
        await unit.fill(value)
        await unit.press("Enter")
        await page.get_by_text(re.compile(f"^Unit {value}: AUC")).wait_for(timeout=60_000)
        pick.append(time.perf_counter() - started)
        await settled(page)
    examples = page.get_by_role("combobox", name="Try an example")
    review = []
    for name, answer in (("Negative", "Negative"), ("Negation", "Positive"), ("Negative", "Negative")):
        await examples.scroll_into_view_if_needed()
        await page.wait_for_timeout(1_000)  # a select box closes its menu while the page scrolls
        await examples.click()
        started = time.perf_counter()
        await page.get_by_role("option", name=name, exact=True).click()
        await page.get_by_test_id("stMetricValue").get_by_text(answer, exact=True).wait_for(timeout=60_000)
        review.append(time.perf_counter() - started)
        await settled(page)
    await page.get_by_label("Review", exact=True).fill(LONG_REVIEW)
    await page.get_by_role("button", name="Read it").click()
    await page.get_by_text("The heatmap shows 60 of the review's").wait_for(timeout=60_000)
    await settled(page)
    scroll = [await repaint_ms(page, heatmap, ONE_STEP) for _ in range(5)]
    return [
        row("sentiment: reorder the units (in the browser)", statistics.median(reorder)),
        row("sentiment: show another quantity (in the browser)", statistics.median(quantity)),
        row("sentiment: mark the token under the pointer (in the browser)", statistics.median(hover)),
        row("sentiment: scroll a long review's tokens (in the browser)", statistics.median(scroll), "a step"),
        row("sentiment: pick a unit (its section reruns)", 1000 * statistics.median(pick)),
        row("sentiment: another example review", 1000 * statistics.median(review), "the model run included"),
    ]


# The number of the chart with a bound input labelled `box`, among the page's charts.
WITH_BOX = """(views, box) => views.findIndex(view =>
  [...view.querySelectorAll(".vega-bind-name")].some(name => name.textContent.trim() === box))"""


async def chart_changes(page, url: str, path: str, box: str, action: str) -> float:
    """Median ms of five changes made by `action` to the chart of /`path` with a bound input labelled
    `box`, each from the action to the repainted chart."""
    await page.goto(f"{url}/{path}")
    view = page.locator("[data-testid='stVegaLiteChart']").filter(
        has=page.locator(".vega-bind-name").get_by_text(box, exact=True)
    )
    await view.locator("canvas").wait_for(timeout=120_000)
    await view.scroll_into_view_if_needed()
    await page.wait_for_timeout(1_000)
    index = await page.locator("[data-testid='stVegaLiteChart']").evaluate_all(WITH_BOX, box)
    return statistics.median([await repaint_ms(page, index, action) for _ in range(5)])


# Resolves once the first element whose text starts with `start` says something else than `before`.
TEXT_CHANGED = """([start, before]) => {
  const found = [...document.querySelectorAll("[data-testid='stMain'] :is(p, h1, h2, h3)")]
    .find(element => element.textContent.startsWith(start));
  return found !== undefined && found.textContent !== before;
}"""


async def section_changes(page, url: str, path: str, change, answer: str) -> float:
    """Median ms of three changes made by `change(page)` on /`path`, each from the change to a new text
    in the first paragraph or heading starting with `answer`."""
    await page.goto(f"{url}/{path}")
    shown = page.locator("[data-testid='stMain']").locator("p, h1, h2, h3").filter(has_text=answer).first
    await shown.wait_for(timeout=120_000)
    await settled(page)
    times = []
    for _ in range(3):
        before = await shown.text_content()
        started = time.perf_counter()
        await change(page)
        await page.wait_for_function(TEXT_CHANGED, arg=[answer, before], polling="raf", timeout=60_000)
        times.append(1000 * (time.perf_counter() - started))
        await settled(page)
    return statistics.median(times)


async def other_view_changes(page, url: str) -> list[dict]:
    """The other pages' views: three the browser changes alone, two whose section reruns."""

    async def next_step(page):
        await page.locator("input[type=range][aria-label='Time step t']").focus()
        await page.keyboard.press("ArrowRight")

    async def next_word(page):
        await page.locator("input[type=range][aria-label='Word']").focus()
        await page.keyboard.press("ArrowRight")

    return [
        row(
            "bidirectional: move the step (in the browser)",
            await chart_changes(page, url, "bidirectional", "step t", OTHER_END),
        ),
        row(
            "translation: show another state (in the browser)",
            await chart_changes(
                page, url, "translation?translation_view=Hidden+states", "State", NEXT_QUANTITY
            ),
        ),
        row(
            "learning: scrub the training points (in the browser)",
            await chart_changes(page, url, "learning", "Recorded point of training", OTHER_END),
        ),
        row(
            "cell: another step (its section reruns)",
            await section_changes(page, url, "cell", next_step, "Step "),
        ),
        row(
            "captioning: another word (its section reruns)",
            await section_changes(page, url, "captioning", next_word, "attention before writing"),
        ),
    ]


async def browser_session(playwright):
    browser = await playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
    return browser, await browser.new_page(viewport={"width": 1400, "height": 1000})


async def _measure() -> list[dict]:
    from playwright.async_api import async_playwright

    process, url, started = start_app()
    try:
        async with async_playwright() as playwright:
            browser, page = await browser_session(playwright)
            await visit(page, url, "")
            first_page = time.perf_counter() - started
            rows = [
                row("start to the first rendered page", 1000 * first_page, "cold: a fresh server process")
            ]
            for path in PATHS:
                first = await visit(page, url, path)  # reads the page's models, if the warm-up has not
                rows.append(row(f"page /{path}: first visit after the start", 1000 * first))
                warm = statistics.median([await visit(page, url, path) for _ in range(3)])
                rows.append(
                    row(f"page /{path}: open, interact, answer", 1000 * warm, "warm, seen from the browser")
                )
            rows += await view_changes(page, url)
            rows += await other_view_changes(page, url)
            rows.append(row("recall task: click to first curve", 1000 * await first_curve(page, url)))
            await browser.close()
        memory = resident_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return [
        *rows,
        {
            "label": "resident memory, every model loaded",
            "median_ms": None,
            "note": f"{memory:.0f} MB, {'CUDA' if TORCH_CUDA else 'CPU'} build of torch",
            "mb": memory,
            "cpu_torch": not TORCH_CUDA,
        },
    ]


def measure() -> list[dict]:
    if not shutil.which("chromium"):
        raise SystemExit("bench.app needs Debian's chromium (make browser)")
    return asyncio.run(_measure())


if __name__ == "__main__":
    show("app: streamlit run app.py on checkpoints/, Debian's chromium", measure())
