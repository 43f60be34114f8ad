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
    assert list(table["checkpoint"]) == ["sentiment.pt"]
    assert "fixture accuracy 0.500" in table["validation metrics"][0]


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
