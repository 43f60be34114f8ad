"""Controls answered by rerunning their own section (issue 28), in a real browser: every control of the
cell, state, bptt and history pages, a caption's word and a translation's view is changed, its answer
is awaited on the page, and every rerun the browser asked for names a fragment, never the whole page.
(The recall page is left out: its Stop button must interrupt training, which only a whole-page rerun
can do.)"""

import re

import pytest
from playwright.sync_api import expect

from models import dynamics
from tests.conftest import ROOT
from tests.e2e.conftest import reruns, sent_messages, serve

CHARTS = "[data-testid='stMain'] [data-testid='stVegaLiteChart'] svg.marks"


@pytest.fixture(scope="module")
def shipped_app():
    yield from serve(ROOT / "checkpoints")


def opened(page, url: str, ready) -> list:
    """The messages the page sends from the moment `ready` (a locator) shows, the page loaded."""
    messages = sent_messages(page)
    page.goto(url)
    expect(ready).to_be_visible(timeout=60_000)
    page.wait_for_timeout(500)  # the load's own messages sent
    return messages


def answered_by_its_section(page, messages: list, control: str, change, answer) -> set[str]:
    """`change()` the control, await `answer()` on the page, then check the server was asked, and only
    for a fragment: the page's top and the other sections were not run again. Returns the fragments
    asked for."""
    since = len(messages)
    change()
    answer()
    asked = reruns(messages[since:])
    assert asked, f"{control}: nothing reached the server"
    assert all(rerun.fragment_id for rerun in asked), f"{control}: the whole page reran"
    assert page.locator("[data-testid='stException']").count() == 0
    return {rerun.fragment_id for rerun in asked}


def nudge(page, slider: str, key: str = "ArrowRight"):
    """A change of the slider labelled `slider` by one step, as the keyboard makes it."""

    def change():
        page.get_by_role("slider", name=slider).focus()
        page.keyboard.press(key)

    return change


def typed(box, text: str):
    """A change of a text box: `text` typed and sent with Enter."""

    def change():
        box.fill(text)
        box.press("Enter")

    return change


def chart_drawing(page, index: int = 0) -> str:
    return page.locator(CHARTS).nth(index).inner_html()


def redrawn(page, before: str, index: int = 0):
    """An answer: the chart `index` of the main area drawn anew, other than `before`."""

    def answer():
        page.wait_for_function(
            "([selector, index, before]) => document.querySelectorAll(selector)[index]?.innerHTML !== before",
            arg=[CHARTS, index, before],
            timeout=30_000,
        )

    return answer


def shown(locator):
    return lambda: expect(locator).to_be_visible(timeout=30_000)


def test_the_cell_page_reruns_only_the_letters_or_the_step(shipped_app, page):
    messages = opened(page, shipped_app + "/cell", page.get_by_text("Step 1: reading “h”"))
    step = nudge(page, "Time step t")
    stepped = answered_by_its_section(
        page, messages, "step", lambda: (step(), step()), shown(page.get_by_text("Step 3: reading “l”"))
    )
    letters = page.get_by_label(re.compile(r"^Letters to read"))
    reading = page.get_by_text("Step 3: reading “e”")  # the same step (as many letters) of other letters
    read = answered_by_its_section(page, messages, "letters", typed(letters, "hoel"), shown(reading))
    assert stepped.isdisjoint(read)  # the step's section is inside the letters', and reruns alone
    refused = page.get_by_text("not in the alphabet")
    answered_by_its_section(page, messages, "letters", typed(letters, "help"), shown(refused))


def kept(a: float, b: float) -> str:
    """What the state page says x_0 keeps after two steps, with weights a and b."""
    return f"keeps {dynamics.shares(a, b, 2)[2, 0]:.0%}"


def test_the_state_page_reruns_only_its_system(shipped_app, page):
    summary = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="Unrolled")
    messages = opened(page, shipped_app + "/state", summary)
    expect(summary).to_contain_text(kept(0.5, 0.5))
    for label, answer in [
        ("a: weight of the old state", lambda: expect(summary).to_contain_text(kept(0.55, 0.5))),
        ("b: weight of the new input", lambda: expect(summary).to_contain_text(kept(0.55, 0.55))),
    ]:
        answered_by_its_section(page, messages, label, nudge(page, label), answer)
    for label in ["Time steps", "c: weight of the output", "x_0: the initial state"]:
        answered_by_its_section(page, messages, label, nudge(page, label), redrawn(page, chart_drawing(page)))

    tanh = page.get_by_role("radiogroup", name="f").get_by_text("tanh", exact=True)
    answered_by_its_section(page, messages, "f", tanh.click, redrawn(page, chart_drawing(page)))
    signal = page.get_by_role("radiogroup", name="Input u_t").get_by_role("radio", name="typed")
    numbers = page.get_by_label("Numbers, one per step", exact=True)
    answered_by_its_section(page, messages, "input", signal.click, shown(numbers))
    zero = page.get_by_text("The input is 0 at every step")
    answered_by_its_section(page, messages, "numbers", typed(numbers, "0 0 0"), shown(zero))


def metric(page, label: str):
    return page.locator("[data-testid='stMetric']").filter(has_text=label).get_by_test_id("stMetricValue")


def test_the_bptt_page_reruns_only_the_review_or_the_exploding_gradients(shipped_app, page):
    norm = metric(page, "‖dy/dW_h‖")
    messages = opened(page, shipped_app + "/bptt", norm)
    trained, clipped = norm.inner_text(), metric(page, "after clipping").inner_text()
    rescaled = answered_by_its_section(
        page,
        messages,
        "radius",
        nudge(page, "Spectral radius of W_h"),
        lambda: expect(norm).not_to_have_text(trained, timeout=30_000),
    )
    answered_by_its_section(
        page,
        messages,
        "clip",
        nudge(page, "Clip the gradient norm at", "ArrowLeft"),
        lambda: expect(metric(page, "after clipping")).not_to_have_text(clipped, timeout=30_000),
    )

    def review():
        page.get_by_label("Review", exact=True).fill("I loved every minute of it")
        page.get_by_role("button", name="Backpropagate").click()

    last = page.get_by_text(re.compile(r"^\d+ tokens; .* Last token: “it”"))
    reviewed = answered_by_its_section(page, messages, "review", review, shown(last))
    assert rescaled.isdisjoint(reviewed)  # the exploding gradients' section reruns alone

    def upload():
        page.get_by_text("Your own model").click()
        broken = {"name": "broken.pt", "mimeType": "application/octet-stream", "buffer": b"not a checkpoint"}
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(broken)

    refusal = page.get_by_test_id("stAlertContentError").filter(has_text="broken")
    answered_by_its_section(page, messages, "upload", upload, shown(refusal))


def test_the_history_page_reruns_only_the_chosen_checkpoint(shipped_app, page):
    checkpoint = page.get_by_role("combobox", name="Checkpoint")
    messages = opened(page, shipped_app + "/history", checkpoint)

    def choose():
        checkpoint.click()
        page.get_by_role("option", name="sentiment-gru", exact=True).click()

    kept_epoch = page.get_by_text(re.compile(r"^The checkpoint keeps epoch \d+ "))
    answered_by_its_section(page, messages, "checkpoint", choose, shown(kept_epoch))


def test_a_caption_s_word_and_a_translation_s_view_rerun_their_section(shipped_app, page):
    """The structures' pages too: another word of a caption, another view of a translation."""
    ready = page.get_by_text(re.compile("^attention before writing “")).first
    messages = opened(page, shipped_app + "/captioning", ready)
    first = ready.text_content()
    answered_by_its_section(
        page,
        messages,
        "captioning word",
        lambda: (
            page.locator("input[type=range][aria-label='Word']").focus(),
            page.keyboard.press("ArrowRight"),
        ),
        lambda: expect(page.get_by_text(re.compile("^attention before writing “")).first).not_to_have_text(
            first, timeout=30_000
        ),
    )
    messages = opened(page, shipped_app + "/translation", page.get_by_text("Attention and connectivity"))
    answered_by_its_section(
        page,
        messages,
        "translation view",
        lambda: page.get_by_text("Hidden states", exact=True).click(),
        lambda: expect(page.locator(".vega-bind-name").get_by_text("State", exact=True)).to_be_visible(
            timeout=30_000
        ),
    )
