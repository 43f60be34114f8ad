"""Every page through Streamlit's AppTest, with fixture checkpoints and with none."""

import json

import pytest
from streamlit.testing.v1 import AppTest

import ui
from tests.conftest import ROOT


def app(monkeypatch, folder) -> AppTest:
    monkeypatch.setattr(ui, "CHECKPOINTS", folder)
    ui._load.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_home_lists_the_models(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints).run()
    assert not at.exception
    assert "recurrent" in at.title[0].value
    table = at.dataframe[0].value
    names = ["captioning.pt", "sentiment.pt", "translation-de-en.pt", "translation-en-de.pt"]
    assert list(table["checkpoint"]) == names
    assert table["validation metrics"][0] == "BLEU-4 0.050 (beam 3)"
    assert "fixture accuracy 0.500" in table["validation metrics"][1]
    assert table["validation metrics"][2] == "BLEU 1.5 (greedy)"


def test_home_without_checkpoints_says_how_to_train(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path).run()
    assert not at.exception
    assert "make train-sentiment" in at.info[0].value


def submit(at: AppTest, text: str) -> AppTest:
    at.text_area(key="sentiment_text").set_value(text)
    return at.button[0].click().run()


def test_sentiment_page_reads_a_review(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints).run()
    at.switch_page("views/sentiment.py").run()
    assert not at.exception
    submit(at, "not terrible at all , it 's great !")
    assert not at.exception
    assert at.metric[0].value in ("Positive", "Negative")
    assert any("9 tokens read" in c.value for c in at.caption)
    assert heatmap(at)["title"] == "hidden state h_t, layer0.forward"
    at.selectbox(key="sentiment_quantity").set_value("forget_gate").run()
    at.selectbox(key="sentiment_order").set_value("clustered").run()
    spec = heatmap(at)
    assert spec["title"] == "forget gate f_t, layer0.forward"
    assert spec["encoding"]["color"]["scale"]["domain"] == [0.0, 1.0]
    assert spec["encoding"]["y"]["title"] == "unit (clustered)"
    at.number_input(key="sentiment_unit").set_value(2).run()
    assert not at.exception
    assert at.html[0].value.count("<span") == 9  # every token coloured by unit 2


def heatmap(at: AppTest) -> dict:
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # the reading trace, then the heatmap
    return json.loads(charts[1].proto.spec)


def test_sentiment_examples_fill_the_text_box(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints).run()
    at.switch_page("views/sentiment.py").run()
    at.selectbox(key="sentiment_example").set_value("Negative").run()
    assert at.text_area(key="sentiment_text").value.startswith("A dull")


@pytest.mark.parametrize("text", ["", "   "])
def test_sentiment_page_explains_empty_input(monkeypatch, fixture_checkpoints, text):
    at = app(monkeypatch, fixture_checkpoints).run()
    at.switch_page("views/sentiment.py").run()
    submit(at, text)
    assert not at.exception
    assert "empty" in at.warning[0].value


def test_sentiment_page_long_text_is_windowed(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints).run()
    at.switch_page("views/sentiment.py").run()
    submit(at, "great film " * 2000)
    assert not at.exception
    assert "read only its first 50 tokens" in at.info[0].value


def test_sentiment_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path).run()
    at.switch_page("views/sentiment.py").run()
    assert not at.exception
    assert "No checkpoint" in at.error[0].value
    assert "make train-sentiment" in at.info[0].value


def test_broken_checkpoint_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    (tmp_path / "sentiment.pt").write_bytes(b"\x00broken")
    at = app(monkeypatch, tmp_path).run()
    at.switch_page("views/sentiment.py").run()
    assert not at.exception
    assert "not a readable checkpoint" in at.error[0].value
    home = app(monkeypatch, tmp_path).run()
    assert home.dataframe[0].value["task"][0] == "unusable"


def translation_page(monkeypatch, folder) -> AppTest:
    at = app(monkeypatch, folder).run()
    return at.switch_page("views/translation.py").run()


def test_translation_page_shows_alignment_states_and_beam(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    assert not at.exception
    at.slider(key="translation_beam").set_value(3)
    at.button[0].click().run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert [c["title"] for c in charts] == ["attention", "layer0.forward.h", "decoder.h"]
    assert charts[0]["encoding"]["y"]["title"] == "output step (token)"
    beam = at.dataframe[0].value
    assert len(beam) == 3 and list(beam.columns) == ["translation", "score"]
    assert any(m.value.startswith("### ") for m in at.markdown)  # the translation itself


def test_translation_direction_switch_changes_model_and_example(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    assert at.text_area(key="translation_text").value.startswith("Ein Mann")
    at.get("button_group")[0].set_value("English → German").run()
    assert not at.exception
    assert at.text_area(key="translation_text").value.startswith("A man")


def test_translation_page_explains_empty_input(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    at.text_area(key="translation_text").set_value("  ")
    at.button[0].click().run()
    assert not at.exception
    assert "empty" in at.warning[0].value


def test_translation_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    at = translation_page(monkeypatch, tmp_path)
    assert not at.exception
    assert "make train-translation-de-en" in at.info[0].value


def captioning_page(monkeypatch, folder) -> AppTest:
    at = app(monkeypatch, folder).run()
    return at.switch_page("views/captioning.py").run()


def test_captioning_page_captions_a_sample_photo(monkeypatch, fixture_checkpoints):
    at = captioning_page(monkeypatch, fixture_checkpoints)
    assert not at.exception
    caption = next(m.value for m in at.markdown if m.value.startswith("### "))
    words = at.select_slider(key="captioning_word").options
    assert len(words) == len(caption.split()) - 1 and len(at.image) == 2 + len(words)
    assert "<span" in at.html[0].value  # the words, shaded by probability
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["title"] == "h" and chart["encoding"]["x"]["title"] == "step (word written)"
    at.selectbox(key="captioning_state").set_value("forget_gate").run()
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec)["title"] == "forget_gate"
    at.get("button_group")[1].set_value("Rocket launch").run()
    assert not at.exception and at.dataframe[0].value.columns.tolist() == ["caption", "score"]


def test_captioning_page_takes_an_upload_and_explains_a_bad_one(monkeypatch, fixture_checkpoints):
    at = captioning_page(monkeypatch, fixture_checkpoints)
    at.get("button_group")[0].set_value("Upload").run()
    assert not any(m.value.startswith("### ") for m in at.markdown)  # nothing uploaded yet
    image = (ROOT / "assets" / "gallery" / "coffee.jpg").read_bytes()
    at.file_uploader(key="captioning_upload").upload("coffee.jpg", image, "image/jpeg").run()
    assert not at.exception and any(m.value.startswith("### ") for m in at.markdown)
    at = captioning_page(monkeypatch, fixture_checkpoints)
    at.get("button_group")[0].set_value("Upload").run()
    at.file_uploader(key="captioning_upload").upload("fake.png", b"not really a png", "image/png").run()
    assert not at.exception
    assert "not an image" in at.warning[0].value


def test_captioning_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    at = captioning_page(monkeypatch, tmp_path)
    assert not at.exception
    assert "make train-captioning" in at.info[0].value
