"""The How it learned page in a real browser: the training points scrubbed and played, and a unit picked,
all in the chart itself, without a message to the server."""

import statistics
import urllib.parse

import pytest
from playwright.sync_api import expect

from bench.app import REPAINT
from models.record import read, record_path
from tests.conftest import ROOT
from tests.e2e.conftest import screenshot, sent_messages, serve

CHART = "[data-testid='stVegaLiteChart']"  # the scrubbed chart is the page's first
CANVAS = f'() => document.querySelector("{CHART} canvas").toDataURL()'


@pytest.fixture(scope="module")
def shipped_app():
    if not (ROOT / "checkpoints" / "sentiment.pt").is_file():
        pytest.fail("checkpoints/sentiment.pt is missing: it ships with the repository")
    yield from serve(ROOT / "checkpoints")


@pytest.fixture(scope="module")
def record():
    return read(record_path(ROOT / "checkpoints" / "sentiment.pt"))


def open_learning(page, url: str, **query) -> list:
    """The page opened with `query`, once it has drawn its chart and finished its run; returns the
    messages the page sends the server from its start."""
    page.set_viewport_size({"width": 1400, "height": 2000})  # the chart and its controls in view
    sent = sent_messages(page)
    page.goto(f"{url}/learning?{urllib.parse.urlencode(query)}")
    page.locator(f"{CHART} canvas").first.wait_for(timeout=120_000)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=60_000)
    page.wait_for_timeout(1_000)
    return sent


def slide_to(point: int) -> str:
    """JavaScript that moves the chart's own slider (given the chart's element as `view`), as a hand does."""
    return (
        "const slider = view.querySelector('.vega-bind input[type=range]');"
        f"slider.value = {point}; slider.dispatchEvent(new Event('input'));"
    )


def test_scrub_play_and_pick_in_the_browser(shipped_app, page, record):
    longest = max(range(len(record.texts)), key=lambda i: len(record.tokens[i]))  # the most data sent
    sent = open_learning(page, shipped_app, learning_review=record.texts[longest])
    chart = page.locator(CHART).first
    slider, play = (
        chart.locator(".vega-bind input[type=range]"),
        chart.locator(".vega-bind input[type=checkbox]"),
    )
    last = len(record.steps) - 1
    expect(slider).to_have_value(str(last))  # the trained model first
    quiet = len(sent)

    times = [page.evaluate(REPAINT, [0, slide_to(point)]) for point in (0, last // 2, 3, last, 1)]
    assert None not in times, times  # each move redrew the chart
    print(f"scrub: painted {statistics.median(times):.0f} ms after the move (median of {times})")
    screenshot(page, "learning-untrained")

    play.check()
    expect(slider).not_to_have_value("1", timeout=5_000)  # on to the next point by itself
    assert int(slider.input_value()) >= 2
    page.evaluate(f"() => {{ const view = document.querySelector(`{CHART}`); {slide_to(last - 1)} }}")
    expect(slider).to_have_value(str(last), timeout=5_000)
    expect(play).not_to_be_checked(timeout=5_000)  # at the trained model it stops

    canvas = chart.locator("canvas").first
    box = canvas.bounding_box()
    before = page.evaluate(CANVAS)
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.72)  # a heatmap row
    page.wait_for_function(f"before => ({CANVAS})() !== before", arg=before, timeout=10_000)  # its curve
    page.wait_for_timeout(1_000)
    assert sent[quiet:] == []  # every answer came from the browser
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "learning")


def test_a_link_opens_at_its_point_in_korean(shipped_app, page, record):
    open_learning(page, shipped_app, learning_point=0, lang="ko")
    chart = page.locator(CHART).first
    expect(chart.locator(".vega-bind input[type=range]")).to_have_value("0")  # the untrained model
    expect(chart.locator(".vega-bind-name")).to_have_text(["기록된 학습 시점", "재생"])
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "learning-ko")
