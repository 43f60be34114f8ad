"""The translation page through AppTest: a result on arrival, what if (an alternative chosen or a
beginning typed), attention beside connectivity, links that reopen an analysis, files to keep, empty
input and a missing checkpoint."""

import io
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

import models
from models.pieces import piece_labels, special_pieces
from tests.conftest import app, without_checkpoint, write_translation_data
from training import translation
from ui import atlas, charts


def translation_page(monkeypatch, folder, **link: str) -> AppTest:
    """The page opened by a link whose query parameters are `link`."""
    at = app(monkeypatch, folder)
    at.query_params.update(link)
    return at.run().switch_page("pages/translation.py").run()


def translations(at: AppTest) -> list[str]:
    """The translations shown, as written (the page escapes Markdown)."""
    return [re.sub(r"\\(.)", r"\1", m.value[4:]) for m in at.markdown if m.value.startswith("### ")]


def analysis(folder, name: str, text: str, beam_size: int = 5, prefix: str = ""):
    return models.load(folder / f"{name}.pt").analyze(text, beam_size=beam_size, prefix=prefix)


def test_the_first_example_is_translated_on_arrival(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    assert not at.exception
    text = at.text_area(key="translation_text").value
    expected = analysis(fixture_checkpoints, "translation-de-en", text)
    assert text.startswith("Ein Mann") and translations(at) == [expected.text]
    assert at.metric[0].label == "score" and at.metric[0].value == f"{expected.candidates[0][1]:.3f}"
    assert "Click a piece" in at.info[-1].value  # what if: one click away


def axis_labels(spec: dict, axis: str) -> list[str]:
    expression = spec["encoding"][axis]["axis"]["labelExpr"]
    return json.loads(expression.removesuffix("[datum.value]"))


def test_connectivity_stands_beside_attention_on_one_labelled_square_grid(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    attention, connectivity = (json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart"))
    assert attention["title"].startswith("attention") and connectivity["title"].startswith("connectivity")
    for axis in ("x", "y"):
        assert attention["encoding"][axis] == connectivity["encoding"][axis]
    assert attention["width"] == attention["height"] == {"step": attention["width"]["step"]}
    result = analysis(fixture_checkpoints, "translation-de-en", at.text_area(key="translation_text").value)
    assert axis_labels(attention, "x") == piece_labels(result.source_tokens)
    assert axis_labels(attention, "y") == piece_labels(result.target_tokens)
    assert not any("▁" in label for label in axis_labels(attention, "x") + axis_labels(attention, "y"))
    assert attention["encoding"]["x"]["axis"]["labelOverlap"] is False  # every column labelled


def test_choosing_an_alternative_decodes_again_and_shows_both_with_scores(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    text = at.text_area(key="translation_text").value
    choice = next(b for b in at.button if b.key.startswith("translation_choice_1_") and not b.disabled)
    choice.click().run()
    assert not at.exception
    beginning = at.text_input(key="translation_prefix").value
    own = analysis(fixture_checkpoints, "translation-de-en", text)
    forced = analysis(fixture_checkpoints, "translation-de-en", text, prefix=beginning)
    assert translations(at) == [own.text, forced.text]
    assert [metric.value for metric in at.metric] == [f"{r.candidates[0][1]:.3f}" for r in (own, forced)]
    assert at.metric[1].delta == f"{forced.candidates[0][1] - own.candidates[0][1]:+.3f}"
    assert at.query_params["translation_prefix"] == beginning  # the what-if is in the link
    at.button(key=next(b.key for b in at.button if b.label.startswith("Back to"))).click().run()
    assert translations(at) == [own.text] and at.text_input(key="translation_prefix").value == ""


def test_a_reserved_piece_among_the_alternatives_cannot_be_chosen(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    model = models.load(fixture_checkpoints / "translation-de-en.pt")
    result = analysis(fixture_checkpoints, "translation-de-en", at.text_area(key="translation_text").value)
    reserved = [
        f"translation_choice_{step}_{rank}"
        for step, choices in enumerate(result.alternatives)
        for rank, (piece, _) in enumerate(choices)
        if piece in special_pieces(model.vocab) and piece != result.target_tokens[step]
    ]
    assert reserved  # the fixture model considers "<s>" somewhere
    for key in reserved:
        assert at.button(key=key).disabled and at.button(key=key).help == "Cannot be forced."


def test_a_typed_beginning_is_compared_with_the_models_own(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    at.text_input(key="translation_prefix").set_value("a dog")
    at.button[0].click().run()
    assert not at.exception
    own, forced = translations(at)
    assert forced.startswith("a dog") and any(c.value == "Made to start with “a dog”" for c in at.caption)


def test_a_beginning_the_model_cannot_write_is_a_message_beside_its_own(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    at.text_input(key="translation_prefix").set_value("a ☃")
    at.button[0].click().run()
    assert not at.exception
    assert "cannot start with “a ☃”" in at.warning[0].value and len(translations(at)) == 1


def test_a_link_reopens_the_same_analysis_in_the_same_view(monkeypatch, fixture_checkpoints):
    link = {
        "translation_model": "translation-en-de",
        "translation_text": "two dogs play in the snow .",
        "translation_beam": "3",
        "translation_prefix": "zwei",
        "translation_view": "Final beam",
    }
    at = translation_page(monkeypatch, fixture_checkpoints, **link)
    assert not at.exception
    forced = analysis(fixture_checkpoints, "translation-en-de", link["translation_text"], 3, "zwei")
    assert translations(at)[1] == forced.text
    assert "Reads English, writes German. Its training data is not recorded in the checkpoint." in [
        c.value for c in at.caption
    ]
    assert at.dataframe[0].value.equals(pd.DataFrame(forced.candidates, columns=["translation", "score"]))


def test_hidden_states_view_sends_every_state_and_the_browser_chooses(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints, translation_view="Hidden states")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    (chosen,) = [param for param in spec["params"] if param["name"] == charts.QUANTITY]
    assert (
        chosen["value"] == "encoder.layer0.forward.h" and "decoder.update_gate" in chosen["bind"]["options"]
    )
    assert "update gate z_t, decoder" in chosen["bind"]["labels"]  # shown, not its name
    assert '"decoder.h" ? "hidden state h_t, decoder"' in spec["title"]["text"]["expr"]
    assert {"filter": f"datum.quantity === {charts.QUANTITY}"} in spec["transform"]
    assert "translation_state" not in [box.key for box in at.selectbox]


def test_hidden_states_of_a_long_sentence_are_chosen_on_the_server(monkeypatch, fixture_checkpoints):
    monkeypatch.setattr(atlas, "IN_BROWSER_CELLS", 0)
    at = translation_page(monkeypatch, fixture_checkpoints, translation_view="Hidden states")
    title = json.loads(at.get("vega_lite_chart")[0].proto.spec)["title"]
    assert title == "hidden state h_t, encoder layer 0 forward"
    assert "update gate z_t, decoder" in at.selectbox(key="translation_state").options  # shown, not its name
    at.selectbox(key="translation_state").set_value("decoder.h").run()
    assert not at.exception
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec)["title"] == "hidden state h_t, decoder"


def test_a_bad_link_falls_back_to_the_defaults(monkeypatch, fixture_checkpoints):
    link = {"translation_model": "nope", "translation_beam": "99", "translation_view": "?"}
    at = translation_page(monkeypatch, fixture_checkpoints, **link)
    assert not at.exception
    assert at.selectbox(key="translation_model").value == "translation-de-en"
    assert at.slider(key="translation_beam").value == 5 and len(at.get("vega_lite_chart")) == 2


def test_every_translation_checkpoint_is_offered_and_a_switch_starts_over(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints, translation_prefix="a")
    assert at.selectbox(key="translation_model").options == ["translation-de-en", "translation-en-de"]
    at.selectbox(key="translation_model").set_value("translation-en-de").run()
    assert not at.exception
    assert at.text_area(key="translation_text").value.startswith("A man")
    assert at.text_input(key="translation_prefix").value == "" and len(translations(at)) == 1


def test_the_analysis_downloads_per_side_as_csv_and_npz(monkeypatch, fixture_checkpoints):
    files = {}  # file name -> what its download button writes when clicked
    register = MediaFileManager.add_deferred

    def kept(manager, data, mimetype, coordinates, file_name=None, **options):
        files[file_name] = data
        return register(manager, data, mimetype, coordinates, file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", kept)
    at = translation_page(monkeypatch, fixture_checkpoints)
    stems = ["translation-de-en-outputs", "translation-de-en-inputs"]
    assert sorted(files) == sorted(f"{stem}.{kind}" for stem in stems for kind in ("csv", "npz"))
    result = analysis(fixture_checkpoints, "translation-de-en", at.text_area(key="translation_text").value)
    rows = pd.read_csv(io.BytesIO(files["translation-de-en-outputs.csv"]()))
    attention = rows[rows["quantity"] == "attention"]
    assert np.allclose(attention["value"], result.attention.ravel(), atol=1e-6)
    assert list(attention["index"][: len(result.source_tokens)]) == charts.step_labels(result.source_tokens)
    outputs = np.load(io.BytesIO(files["translation-de-en-outputs.npz"]()))
    assert np.array_equal(outputs["connectivity"], result.connectivity)
    assert list(outputs["tokens"]) == result.target_tokens and "decoder.h" in outputs.files
    inputs = np.load(io.BytesIO(files["translation-de-en-inputs.npz"]()))
    assert np.array_equal(inputs["layer0.backward.h"], result.encoder_states["layer0.backward.h"])


FRENCH = [
    ("a man rides a bike .", "un homme fait du vélo ."),
    ("two dogs play in the snow .", "deux chiens jouent dans la neige ."),
    ("a woman reads a book .", "une femme lit un livre ."),
    ("a child plays with a ball .", "un enfant joue avec un ballon ."),
    ("three men stand on the street .", "trois hommes sont dans la rue ."),
    ("a dog runs across the grass .", "un chien court sur l'herbe ."),
]


def test_a_model_trained_on_ones_own_text_is_offered(monkeypatch, fixture_checkpoints, tmp_path, capsys):
    """README's layout (my-data/raw/{train,val}.{en,fr}.gz) and command, then the page."""
    data = str(write_translation_data(tmp_path, FRENCH, ("en", "fr"), "my-data"))
    command = ["--data", data, "--src", "en", "--tgt", "fr"]
    with pytest.raises(SystemExit):
        translation.main([*command, "--print-config"])
    assert json.loads(capsys.readouterr().out)["out"] == "checkpoints/translation-en-fr.pt"
    folder = tmp_path / "checkpoints"
    small = ["--vocab-size", "80", "--embedding-dim", "8", "--hidden-dim", "8", "--decoder-dim", "8"]
    translation.main([*command, "--out", str(folder / "translation-en-fr.pt"), "--max-steps", "2", *small])
    shutil.copy(fixture_checkpoints / "translation-de-en.pt", folder)
    at = translation_page(monkeypatch, folder, translation_model="translation-en-fr")
    assert not at.exception
    assert at.selectbox(key="translation_model").options == ["translation-de-en", "translation-en-fr"]
    said = next(
        caption.value for caption in at.caption if caption.value.startswith("Reads English, writes French.")
    )
    assert f"Learned from `{data}` only" in said  # the page names data it has no words for by its path
    assert at.text_area(key="translation_text").value.startswith("A man") and len(translations(at)) == 1


def test_translation_page_explains_empty_input(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    at.text_area(key="translation_text").set_value("  ")
    at.button[0].click().run()
    assert not at.exception
    assert "empty" in at.warning[0].value


def test_translation_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    assert "make train-translation-de-en" in without_checkpoint(monkeypatch, tmp_path, "pages/translation.py")


def test_the_korean_page_translates_the_same_sentence(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints, lang="ko", translation_view="최종 빔")
    assert not at.exception
    assert "다른 토큰을 썼다면?" in [subheader.value for subheader in at.subheader]
    text = at.text_area(key="translation_text").value
    expected = analysis(fixture_checkpoints, "translation-de-en", text)
    assert text.startswith("Ein Mann") and translations(at) == [expected.text]  # German in, English out
    assert any(caption.value.startswith("독일어 문장을 읽고 영어 문장을 씁니다.") for caption in at.caption)
    assert at.session_state["translation_view"] == "Final beam"  # a link names a view by its label
    assert at.dataframe[0].value.columns[0] == "번역"
