"""Every text box and number input of every page, submitted with hostile values: a message, never a
traceback."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests.conftest import open_page
from ui.navigation import PAGES

TEXTS = [
    "",
    "   ",
    "\t\n \r\n",
    "h",  # one character: one time step
    "\x00\x01\x07\x1b[31m\x7f\x9f",  # control characters
    "x" * 20_000,
    "a great film " * 1_540,  # 20,000 characters of words
    "😀🎬 👩‍👩‍👧 🔥🔥🔥",
    "Hola, Привет, 世界, مرحبا, שלום, नमस्ते",
    "\u202eevil\u200b\ufeff\u0301",  # a right-to-left override, zero-width characters, a lone accent
    "1e308 -1e308 1e-320 nan inf -0",
    "<script>alert(1)</script> {0} %s \\ ' \"",
]

# Any text, and any floats written out as the state page's typed numbers.
ANY_TEXT = st.text(max_size=200) | st.lists(st.floats(), max_size=20).map(lambda xs: " ".join(map(str, xs)))


def reached(at: AppTest, key: str) -> AppTest:
    """What puts a widget on screen: the typed numbers are one input signal of four, and the recall
    task trains briefly."""
    if key == "state_typed":
        at.get("button_group")[0].set_value("typed").run()
    elif key == "recall_seed":
        at.slider(key="recall_n").set_value(5)
        at.slider(key="recall_steps").set_value(50)
    return at


def translations(at: AppTest) -> int:
    return sum(markdown.value.startswith("### ") for markdown in at.markdown)


# Every text and number widget of the app by key: its page, and whether the page used the input.
WIDGETS = {
    "sentiment_text": ("pages/sentiment.py", lambda at: len(at.metric) == 1),
    "sentiment_unit": ("pages/sentiment.py", lambda at: len(at.html) == 1),
    "translation_text": ("pages/translation.py", lambda at: translations(at) == 1),
    "captioning_prefix": ("pages/captioning.py", lambda at: len(at.metric) == 2),  # two captions, scored
    "translation_prefix": ("pages/translation.py", lambda at: translations(at) == 2),  # own and forced
    "state_typed": ("pages/state.py", lambda at: len(at.get("vega_lite_chart")) == 2),
    "cell_text": ("pages/cell.py", lambda at: len(at.get("graphviz_chart")) == 2),
    "bptt_text": ("pages/bptt.py", lambda at: len(at.metric) == 3),
    "recall_seed": ("pages/recall.py", lambda at: at.markdown[-1].value.startswith("**rnn**")),
    "bidirectional_text": ("pages/bidirectional.py", lambda at: len(at.get("vega_lite_chart")) == 1),
}
OPTIONAL = {"captioning_prefix", "translation_prefix"}  # blank by default: a blank one asks for nothing


def input_widgets(at: AppTest) -> list:
    return [*at.text_input, *at.text_area, *at.number_input]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path or "home")
def test_every_input_widget_is_driven_below(monkeypatch, fixture_checkpoints, page):
    at = open_page(monkeypatch, fixture_checkpoints, page.path)
    keys = {key for key, (path, _) in WIDGETS.items() if path == page.path}
    for key in keys:
        reached(at, key).run()
    assert {widget.key for widget in input_widgets(at)} == keys


def submit(at: AppTest, key: str, value) -> AppTest:
    """Set the widget, click its form's submit button if it is in a form, and run."""
    widget = next(widget for widget in input_widgets(at) if widget.key == key)
    widget.set_value(value)
    buttons = [button for button in at.button if widget.form_id and button.form_id == widget.form_id]
    return (buttons[0].click() if buttons else widget).run()


def messages(at: AppTest) -> set[str]:
    return {message.value for message in [*at.warning, *at.error, *at.info]}


def check(at: AppTest, key: str, value, before: set[str]) -> None:
    """No traceback, and a message about the value wherever the page did not use it. `before` is what
    the page said on its first view: a notice it shows anyway answers no value. Blank text gets a
    message, or, where blank is the default (OPTIONAL), the first view's messages again."""
    shown = f"{key} = {value!r:.60}"
    assert not at.exception, f"{shown}: {at.exception[0].value}"
    said = messages(at) - before
    if isinstance(value, str) and not value.strip():
        assert messages(at) == before if key in OPTIONAL else said, f"{shown}: not read as blank"
    else:
        assert said or WIDGETS[key][1](at), f"{shown}: no answer and no message"


def limits(at: AppTest, key: str) -> list[int]:
    widget = at.number_input(key=key)
    return [widget.min, widget.max, widget.min - 1, widget.max + 1, None]


@pytest.mark.parametrize("key", WIDGETS)
def test_every_input_survives_hostile_values(monkeypatch, fixture_checkpoints, key):
    at = reached(open_page(monkeypatch, fixture_checkpoints, WIDGETS[key][0]), key)
    before, is_number = messages(at), key in {widget.key for widget in at.number_input}
    for value in limits(at, key) if is_number else TEXTS:
        check(submit(at, key, value), key, value, before)


@pytest.mark.parametrize("key", ["sentiment_text", "state_typed"])
def test_any_text_gets_an_answer_or_a_message(monkeypatch, fixture_checkpoints, key):
    at = reached(open_page(monkeypatch, fixture_checkpoints, WIDGETS[key][0]), key)
    before = messages(at)

    @settings(max_examples=25, deadline=None)
    @given(ANY_TEXT)
    def any_text(text: str) -> None:
        check(submit(at, key, text), key, text, before)

    any_text()
