"""What the pages say and keep, held in place (issue 27): one way to fail, the models' own defaults and
answers, a history that states what the file keeps, caches whose keys stay small, text boxes that say
their limit, serving settings applied by a call and not by an import, and typed text quoted as written."""

import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ui
from models import checkpoint, registry
from models.captioning import MAX_WORDS, CaptioningPredictor
from models.cells import CELL_NAMES
from models.errors import InputError
from models.text import BOS, SPECIALS
from models.translation import TranslationPredictor
from tests.conftest import HISTORY, ROOT, app, open_page, tiny_sentiment, tiny_translation
from tests.test_upload import TEXTS, opened, send, states_bytes
from ui import navigation, serving, shared
from ui.language import catalogue
from ui.navigation import PAGES


def messages(at) -> list[str]:
    return [message.value for message in [*at.error, *at.warning, *at.info]]


@pytest.mark.parametrize("kind", ["missing", "unreadable", "other task"])
def test_a_checkpoint_problem_is_one_message_with_its_command_at_the_level_of_its_kind(
    monkeypatch, fixture_checkpoints, tmp_path, kind
):
    path = tmp_path / "sentiment.pt"
    if kind == "unreadable":
        path.write_bytes(b"\x00broken")
    elif kind == "other task":
        shutil.copy(fixture_checkpoints / f"{registry.default('translation')}.pt", path)
    at = open_page(monkeypatch, tmp_path, "pages/sentiment.py")
    assert not at.exception
    shown = at.warning if kind == "missing" else at.error  # missing: not there yet; else: broken
    command = registry.train_command(path, "sentiment")
    assert len(messages(at)) == len(shown) == 1 and f"`{command}`" in shown[0].value


def test_decoder_pages_start_from_the_model_s_own_beam_and_caption_length(monkeypatch, fixture_checkpoints):
    monkeypatch.setattr(CaptioningPredictor, "beam_size", 2)
    monkeypatch.setattr(TranslationPredictor, "beam_size", 4)
    at = open_page(monkeypatch, fixture_checkpoints, "pages/captioning.py")
    assert at.slider(key="captioning_beam").value == 2
    assert at.slider(key="captioning_max_length").max == MAX_WORDS
    at = open_page(monkeypatch, fixture_checkpoints, "pages/translation.py")
    assert at.slider(key="translation_beam").value == 4


def test_the_catalogue_names_each_cell_as_the_models_do():
    assert {cell: catalogue("en")[f"ui.cell.{cell}"] for cell in CELL_NAMES} == CELL_NAMES


def test_the_model_table_names_each_task_s_structure_as_the_registry_does(monkeypatch, fixture_checkpoints):
    monkeypatch.setitem(registry.STRUCTURES, "sentiment", "one to many")
    at = app(monkeypatch, fixture_checkpoints).run()
    assert "sentiment (one to many)" in list(at.dataframe[0].value["task"])


def test_the_translation_analysis_says_what_the_decoder_read_and_orders_its_states():
    result = tiny_translation().analyze("ein hund läuft über das gras .", beam_size=1)
    assert result.decoder_inputs == [SPECIALS[BOS], *result.target_tokens[:-1]]
    states = result.traced_states()
    hidden = [name for name in states if name.endswith(".h")]
    assert list(states)[: len(hidden)] == hidden  # the hidden states first
    assert hidden == ["encoder.layer0.forward.h", "encoder.layer0.backward.h", "decoder.h"]
    assert states["decoder.h"][1] == result.decoder_inputs
    assert states["encoder.layer0.backward.h"][1] == result.source_tokens


def test_the_encoder_s_states_are_read_without_decoding(monkeypatch, fixture_checkpoints):
    model = tiny_translation()
    full = model.analyze("ein hund läuft .", beam_size=1)
    read = model.encoder_states("ein hund läuft .")
    assert read.source_tokens == full.source_tokens and read.states.keys() == full.encoder_states.keys()
    for name, values in read.states.items():
        np.testing.assert_allclose(values, full.encoder_states[name], atol=1e-6)

    def decoding(*args, **kwargs):
        raise AssertionError("the bidirectional page translated to read the encoder")

    monkeypatch.setattr(TranslationPredictor, "analyze", decoding)
    at = open_page(monkeypatch, fixture_checkpoints, "pages/bidirectional.py")
    assert not at.exception and len(at.get("vega_lite_chart")) == 1  # both directions, one chart


@pytest.mark.parametrize(
    "train, data",
    [
        ({"args": {"data": ["multi30k", "tatoeba_eng_deu"]}}, ["multi30k", "tatoeba_eng_deu"]),
        ({"args": {"data": "jxie/flickr8k"}}, ["jxie/flickr8k"]),  # written before --data took a list
        ({"args": {}}, []),
        ({}, []),
    ],
)
def test_what_a_model_trained_on_is_read_one_way(train, data):
    assert checkpoint.trained_on(train) == data


def test_no_page_reads_training_settings_or_builds_decoder_input_itself():
    for path in sorted((ROOT / "pages").glob("*.py")):
        source = path.read_text()
        assert '"data"' not in source and "BOS" not in source, f"{path.name}: ask the model"


def save_run(path, args: dict, epochs: int) -> None:
    train = {"command": "fixture", "args": args, "epochs": epochs, "history": HISTORY}
    metrics = {"split": "validation", "fixture": {"accuracy": 0.6, "examples": 6}, "score": 0.6}
    checkpoint.save(path, {**tiny_sentiment().to_checkpoint(), "train": train, "metrics": metrics})


def test_the_history_states_averaging_and_clipping_as_recorded(monkeypatch, tmp_path):
    save_run(tmp_path / "averaged.pt", {"average": 2, "clip": 0.25}, epochs=2)
    save_run(tmp_path / "single.pt", {"clip": 5.0}, epochs=2)
    at = open_page(monkeypatch, tmp_path, "pages/history.py")
    at.selectbox(key="history_checkpoint").set_value("averaged").run()
    said = " ".join(caption.value for caption in at.caption)
    assert "mean of the weights of epochs 1 to 2" in said and "keeps epoch" not in said
    assert "clipped the gradient norm at 0.25" in said
    assert not any("1.0" in markdown.value for markdown in at.markdown)  # no clipping hard-coded
    at.selectbox(key="history_checkpoint").set_value("single").run()
    said = " ".join(caption.value for caption in at.caption)
    assert "keeps epoch 2" in said and "clipped the gradient norm at 5" in said


def parts(key) -> list:
    return [part for item in key for part in (parts(item) if isinstance(item, tuple) else [item])]


def test_a_long_review_is_kept_by_its_hash_not_its_text(monkeypatch, fixture_checkpoints):
    review = "a great film , moving and funny . " * 100
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    at.text_area(key="sentiment_text").set_value(review)
    next(button for button in at.button if button.form_id).click().run()
    assert not at.exception and len(at.metric) == 1
    held = [part for key in list(shared.ANALYSES._values) for part in parts(key)]
    assert hashlib.sha256(review.encode()).hexdigest() in held
    assert all(len(part) <= serving.LONG for part in held if isinstance(part, str))


def test_a_cache_key_part_stays_small_and_tells_texts_from_bytes():
    assert serving.compact("x" * serving.LONG) == "x" * serving.LONG
    long = "x" * (serving.LONG + 1)
    assert serving.compact(long) != serving.compact(long.encode()) and len(serving.compact(long)[1]) == 64
    assert serving.compact("\ud800" * 300)  # a lone surrogate, as a link may carry, hashes too


def test_files_are_keyed_by_the_one_file_version():
    for path in [*(ROOT / "ui").glob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        source = path.read_text()
        assert "st_mtime" not in source and "def file_version" not in source, f"{path.name}: models.files"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.key)
def test_every_free_text_box_is_bounded_and_says_so(monkeypatch, fixture_checkpoints, page):
    at = open_page(monkeypatch, fixture_checkpoints, page.path)
    if page.key == "state":
        at.get("button_group")[0].set_value("typed").run()  # the typed numbers' box
    for box in [*at.text_input, *at.text_area]:
        assert box.max_chars, f"{box.key} takes any length"
        assert f"{box.max_chars:,}" in box.help, f"{box.key} does not say its limit"


PROBE = """
import os, torch
torch.set_num_threads(3)
import ui, ui.charts, ui.navigation, ui.shared
print(torch.get_num_threads(), os.environ.get("ONEDNN_PRIMITIVE_CACHE_CAPACITY"))
ui.serving.configure()
print(torch.get_num_threads(), os.environ.get("ONEDNN_PRIMITIVE_CACHE_CAPACITY"))
"""


def test_importing_ui_changes_nothing_and_serving_is_set_by_one_call():
    environment = {k: v for k, v in os.environ.items() if k != "ONEDNN_PRIMITIVE_CACHE_CAPACITY"}
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["3 None", "1 8"]


def top_imports(script: Path) -> list[str]:
    """The modules a script imports at its top level (what runs before its first line draws)."""
    tree = ast.parse(script.read_text())
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [
                f"{node.module}.{alias.name}" if node.module == "ui" else node.module for alias in node.names
            ]
    return found


def test_pages_without_a_model_are_drawn_before_torch_is_imported():
    """A cold server's first page waits for nothing it does not show: the home page and the glossary
    import no torch (seconds), which loads in the background (the home page's table reads it last)."""
    for page in navigation.section("unfold"):
        modules = top_imports(ROOT / page.path)
        heavy = "sorted({'torch', 'pandas'} & set(sys.modules))"
        probe = f"import sys; import {', '.join(modules)}; print({heavy})"
        run = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "[]", f"{page.path} imports {run.stdout.strip()} before it draws"


TYPED = "**bold** [link](http://x.y) $x^2$ :smile: &amp; <b>`code`\\ \u200b\u202eevil\ufeff"


def test_typed_text_is_shown_as_written_with_invisible_characters_made_visible():
    shown = ui.as_written(TYPED)
    visible = TYPED.replace("\u200b", "⟨U+200B⟩").replace("\u202e", "⟨U+202E⟩").replace("\ufeff", "⟨U+FEFF⟩")
    assert re.sub(r"\\(.)", r"\1", shown) == visible  # every character there, in its place
    assert not re.search(r"(?<!\\)[*\[\]()$:&<>`]", shown.replace("\\\\", ""))  # none active in Markdown


def test_an_input_error_quotes_what_was_typed_as_written():
    error = InputError(
        "{word} is not a number; type numbers such as 1 0 -0.5 2.", "dynamics.not_a_number", word=TYPED
    )
    assert shared.message(error).startswith(ui.as_written(TYPED))


@pytest.mark.parametrize("by", ["box", "link"])
def test_a_typed_beginning_is_quoted_as_typed_and_not_as_markdown(monkeypatch, fixture_checkpoints, by):
    typed = "  **a** [b](http://c.d) $e$\u200b"
    at = app(monkeypatch, fixture_checkpoints)
    if by == "link":
        at.query_params["translation_prefix"] = typed
    at = at.run().switch_page("pages/translation.py").run()
    if by == "box":
        at.text_input(key="translation_prefix").set_value(typed)
        next(button for button in at.button if button.form_id).click().run()
    assert not at.exception
    quoted = ui.quote(typed)  # its spaces kept, its Markdown escaped, the zero-width space shown
    assert "⟨U+200B⟩" in quoted and quoted.startswith("“  ")
    assert any(quoted in shown.value for shown in [*at.warning, *at.caption])


def test_the_state_page_quotes_a_typed_word_as_written(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/state.py")
    at.get("button_group")[0].set_value("typed").run()
    at.text_input(key="state_typed").set_value("1 [x](http://y.z) 2").run()
    assert not at.exception and ui.as_written("'[x](http://y.z)'") in at.warning[0].value


def test_a_states_file_s_tokens_are_quoted_as_written(monkeypatch, fixture_checkpoints):
    tokens = np.array([f"**{token}**" for text in TEXTS for token in text])
    at = opened(monkeypatch, fixture_checkpoints, "sentiment")
    send(at, "sentiment_states_upload", "mine.npz", states_bytes(tokens=tokens))
    quoted = [shown.value for shown in [*at.markdown, *at.info] if "“" in shown.value]  # the pattern's span
    assert quoted and all("“\\*\\*" in shown and "“**" not in shown for shown in quoted)


def test_the_photo_uploader_offers_the_formats_the_refusal_names(monkeypatch, fixture_checkpoints):
    from models import images

    at = open_page(monkeypatch, fixture_checkpoints, "pages/captioning.py")
    at.segmented_control(key="captioning_source").set_value("Upload").run()
    uploader = at.get("file_uploader")[-1]
    assert sorted(uploader.proto.type) == sorted(f".{ending}" for ending in images.ENDINGS)
    assert all(name in uploader.proto.label for name in images.FORMATS)
    with pytest.raises(images.ImageError) as refused:
        images.open_image(b"%PDF-1.4 a document")
    assert all(name in str(refused.value) for name in images.FORMATS)
