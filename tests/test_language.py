"""Two languages: catalogues that match, every page in each, and no text that bypasses them."""

import ast
import re

import pytest

from tests.conftest import ROOT, app
from ui.language import LANGUAGES, SOURCE, catalogue, placeholders
from ui.navigation import PAGES

# Calls that put their text arguments on the screen, and the keyword arguments that do.
SHOWN = {
    "title", "header", "subheader", "markdown", "caption", "write", "info", "warning", "error", "success",
    "text", "button", "form_submit_button", "selectbox", "multiselect", "radio", "slider", "select_slider",
    "text_input", "text_area", "number_input", "checkbox", "toggle", "segmented_control", "pills", "tabs",
    "expander", "download_button", "file_uploader", "camera_input", "metric", "spinner", "toast", "popover",
    "link_button", "page_link", "progress", "status", "color_picker", "date_input", "chat_input",
}  # fmt: skip
SHOWN_KEYWORDS = {"label", "help", "placeholder", "title", "caption", "text", "body"}
WORDS = re.compile(r"[A-Za-z]{3,}")
TECHNICAL = {"LSTM", "GRU", "RNN", "BLEU", "CIDEr", "AUC", "CSV", "NPZ", "JSON", "tanh", "Unfold", "material"}


def test_every_catalogue_has_the_source_s_keys_and_placeholders():
    source = catalogue(SOURCE)
    assert len(source) > 20
    for language in LANGUAGES:
        texts = catalogue(language)
        assert set(texts) == set(source), f"{language}: keys differ: {sorted(set(texts) ^ set(source))[:10]}"
        for key, text in source.items():
            assert placeholders(texts[key]) == placeholders(text), f"{language} {key}: placeholders differ"
            assert texts[key].strip(), f"{language} {key} is empty"


def test_korean_is_korean():
    korean = catalogue("ko")
    hangul = [key for key, text in korean.items() if re.search("[\uac00-\ud7a3]", text)]
    assert len(hangul) >= 0.8 * len(korean), "most Korean texts hold Hangul"


def punctuation(character: str) -> bool:
    """As CommonMark counts it; a placeholder's brace and LaTeX's $ stand for text."""
    return not (character.isalnum() or character.isspace() or character in "{}$_")


def stranded_bold(text: str) -> list[str]:
    """The **bold** runs of `text` that Markdown (CommonMark) shows with their asterisks: an opening
    ** must not be followed by a space, nor by a punctuation mark unless a space or a punctuation mark
    comes before it; a closing ** the same, mirrored (**“어”**는 shows them, “**어**”는 is bold)."""
    stranded = []
    for run in re.finditer(r"\*\*([^*\n]+?)\*\*", text):
        before = text[run.start() - 1] if run.start() else " "
        after = text[run.end()] if run.end() < len(text) else " "
        first, last = run.group(1)[0], run.group(1)[-1]
        opens = not first.isspace() and (not punctuation(first) or before.isspace() or punctuation(before))
        closes = not last.isspace() and (not punctuation(last) or after.isspace() or punctuation(after))
        if not (opens and closes):
            stranded.append(run.group(0))
    return stranded


@pytest.mark.parametrize("language", LANGUAGES)
def test_bold_text_is_bold_in_every_language(language):
    stranded = {key: found for key, text in catalogue(language).items() if (found := stranded_bold(text))}
    assert stranded == {}


def words_of(node: ast.AST) -> list[str]:
    """The words a string literal or an f-string's literal parts show."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return []
    text = re.sub(r":material/\w+:", "", text)
    return [word for word in WORDS.findall(text) if word not in TECHNICAL]


def bypassing(path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SHOWN:
            continue
        first = [] if node.func.attr == "page_link" else node.args[:1]  # a page link's first is its path
        shown = first + [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for argument in shown:
            if words := words_of(argument):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {' '.join(words[:4])}")
    return found


def test_no_text_on_screen_bypasses_the_catalogue():
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    found = [line for path in files for line in bypassing(path)]
    assert not found, f"{len(found)} texts bypass the catalogue:\n" + "\n".join(found)


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.key)
def test_every_page_opens_in_each_language(monkeypatch, fixture_checkpoints, page, language):
    at = app(monkeypatch, fixture_checkpoints)
    at.query_params["lang"] = language
    at.run().switch_page(page.path).run(timeout=120)
    assert not at.exception, at.exception
    assert at.session_state["lang"] == language
    if language == "ko":
        headings = [e.value for e in [*at.title, *at.subheader]]
        assert any(re.search("[\uac00-\ud7a3]", h) for h in headings), headings
