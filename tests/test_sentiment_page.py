"""The sentiment page through AppTest: the verdict and its reading trace, the heatmap, the atlas of
what its units track, blank and long reviews, a missing checkpoint, and the two languages (of the
visitor, of the model, of the review)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

import models
from models.sentiment import EXAMPLES
from tests.conftest import app, chart_rows, open_page


def submit(at: AppTest, text: str) -> AppTest:
    at.text_area(key="sentiment_text").set_value(text)
    return at.button[0].click().run()


def test_sentiment_page_reads_the_example_first_then_a_review(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    assert not at.exception
    assert at.metric[0].value in ("Positive", "Negative")  # no click needed
    assert any("10 tokens read" in c.value for c in at.caption)
    submit(at, "not terrible at all , it 's great !")
    assert not at.exception
    assert any("9 tokens read" in c.value for c in at.caption)
    spec = heatmap(at)
    assert by_name(spec["params"])["unit_order"]["value"] == "place in clustered"  # no atlas: no AUC order
    shown = by_name(spec["params"])["quantity"]  # every quantity sent: the browser chooses among them
    assert shown["value"] == "layer0.forward.h"
    assert "layer0.forward.forget_gate" in shown["bind"]["options"]
    assert "forget gate f_t, layer 0 forward" in shown["bind"]["labels"]
    assert set(chart_rows(at.get("vega_lite_chart")[1])["quantity"]) == set(shown["bind"]["options"])
    assert "sentiment_quantity" not in [box.key for box in at.selectbox]
    at.number_input(key="sentiment_unit").set_value(2).run()
    assert not at.exception
    assert at.html[0].value.count("<span") == 9  # every token coloured by unit 2


def heatmap(at: AppTest) -> dict:
    """The spec of the heatmap (its first layer) under the model's reading trace (its other layers)."""
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # the models' reading traces, then this model's trace over its heatmap
    return json.loads(charts[1].proto.spec)


def by_name(params: list[dict]) -> dict[str, dict]:
    return {param["name"]: param for param in params}


def test_a_review_with_too_many_cells_for_the_browser_is_shown_one_quantity_at_a_time(
    monkeypatch, fixture_checkpoints
):
    monkeypatch.setattr("ui.atlas.IN_BROWSER_CELLS", 100)
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    assert "quantity" not in by_name(heatmap(at)["params"])
    at.selectbox(key="sentiment_quantity").set_value("layer0.forward.forget_gate").run()
    assert not at.exception
    cells = heatmap(at)["layer"][0]
    assert cells["title"][0] == "forget gate f_t, layer 0 forward"
    assert cells["encoding"]["color"]["scale"]["domain"] == [0.0, 1.0]
    assert set(chart_rows(at.get("vega_lite_chart")[1])["quantity"]) == {"layer0.forward.forget_gate"}


def test_sentiment_page_overlays_the_models_and_explains_a_missing_atlas(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    trace = chart_rows(at.get("vega_lite_chart")[0])
    assert set(trace["model"]) == {"sentiment (LSTM)", "sentiment-gru (GRU)", "sentiment-rnn (vanilla RNN)"}
    assert f"make atlas CHECKPOINT={fixture_checkpoints / 'sentiment.pt'}" in at.info[0].value
    assert [s.value for s in at.subheader][-2:] == [
        "One unit, read along the text",
        "Gates: switches or dials",
    ]
    at.selectbox(key="sentiment_model").set_value("sentiment-rnn").run()
    assert not at.exception
    assert "Gates: switches or dials" not in [s.value for s in at.subheader]  # the vanilla cell has none


def test_sentiment_atlas_ranks_units_and_shows_one_on_first_load(monkeypatch, atlas_checkpoints):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    assert not at.exception
    atlas = models.load(atlas_checkpoints / "sentiment.pt").atlas
    best = atlas.units("layer0.forward.h")[0]
    assert at.metric[1].label == "Units with AUC above 0.9" and at.metric[1].value.endswith("of 6")
    assert list(at.dataframe[0].value["unit"]) == [unit.index for unit in atlas.units("layer0.forward.h")]
    assert at.number_input(key="sentiment_unit").value == best.index
    assert any(
        m.value.startswith(f"**Unit {best.index}**: AUC {best.auc:.3f}, rank 1 of 6") for m in at.markdown
    )
    highest, lowest = at.html[1].value, at.html[2].value
    assert highest.count("outline") == lowest.count("outline") == 5  # every snippet, its token framed
    at.number_input(key="sentiment_unit").set_value(4).run()
    assert not at.exception
    titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    assert "unit 4, mean per text" in titles
    assert "input gate i_t" in titles  # the gates' saturation over held-out texts


def test_sentiment_heatmap_orders_units_in_the_browser_starting_with_atlas_auc(
    monkeypatch, atlas_checkpoints
):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    heatmap = at.get("vega_lite_chart")[1]
    spec, data = json.loads(heatmap.proto.spec), chart_rows(heatmap)
    order, cells = by_name(spec["params"])["unit_order"], spec["layer"][0]
    assert order["bind"]["labels"] == ["index", "mean activation", "variance", "clustered", "atlas AUC"]
    assert order["value"] == "place in atlas AUC"
    assert {"calculate": "datum[unit_order]", "as": "place"} in cells["transform"]
    assert cells["encoding"]["y"]["sort"] == {"field": "place", "op": "min"}
    atlas = models.load(atlas_checkpoints / "sentiment.pt").atlas
    places = data.groupby("unit")["place in atlas AUC"].first().sort_values()
    assert list(places.index) == [unit.index for unit in atlas.units("layer0.forward.h")]
    at.selectbox(key="sentiment_atlas_state").set_value("layer0.forward.c").run()
    assert not at.exception and at.metric[1].value.endswith("of 6")


def test_sentiment_pattern_search_finds_the_span_units_elsewhere(monkeypatch, atlas_checkpoints):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    at.select_slider[0].set_value((4, 5)).run()  # "terrible ,"
    at.slider[0].set_value(0.0).run()
    assert not at.exception
    pattern = next(m.value for m in at.markdown if "above 0.000 at every token" in m.value)
    count = int(pattern.split("**")[1].split()[0])
    assert "“terrible ,”" in pattern
    matches = at.html[-1].value
    assert f"of {count} units on at" in matches and "outline" in matches
    at.slider[0].set_value(at.slider[0].max).run()
    assert not at.exception and "No unit stays above" in at.info[0].value


@pytest.mark.parametrize("text", ["h", "\x00\x01\x07 !", "😀🎬 🔥🔥", "a great film " * 1_540])
def test_sentiment_atlas_sections_take_any_review(monkeypatch, atlas_checkpoints, text):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    submit(at, text)
    assert not at.exception
    assert "Pattern search" in [s.value for s in at.subheader]


def test_sentiment_page_explains_a_stale_atlas_and_a_model_without_one(monkeypatch, atlas_checkpoints):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    assert at.selectbox(key="sentiment_model").options == [  # the shipped models first, in page order
        "sentiment",
        "sentiment-gru",
        "sentiment-rnn",
        "mine",
    ]
    at.selectbox(key="sentiment_model").set_value("sentiment-gru").run()
    assert not at.exception
    assert "built from other weights" in at.warning[0].value and "make atlas" in at.warning[0].value
    assert at.metric[0].value in ("Positive", "Negative") and len(at.html) == 1  # the unit, without atlas
    at.selectbox(key="sentiment_model").set_value("mine").run()
    assert not at.exception
    assert f"make atlas CHECKPOINT={atlas_checkpoints / 'mine.pt'}" in at.info[0].value


def test_sentiment_examples_fill_the_text_box(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    at.selectbox(key="sentiment_example").set_value("Negative").run()
    assert at.text_area(key="sentiment_text").value.startswith("A dull")


@pytest.mark.parametrize("text", ["", "   "])
def test_sentiment_page_explains_empty_input(monkeypatch, fixture_checkpoints, text):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    submit(at, text)
    assert not at.exception
    assert "empty" in at.warning[0].value


def test_sentiment_page_long_text_is_windowed(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    submit(at, "great film " * 2000)
    assert not at.exception
    assert "read only its first 50 tokens" in at.info[0].value


def test_sentiment_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path, "pages/sentiment.py")
    assert not at.exception
    assert not at.error and len(at.warning) == 1  # missing: a warning, with the command that fixes it
    assert "No checkpoint" in at.warning[0].value and "`make train-sentiment`" in at.warning[0].value


def test_switching_the_language_keeps_the_typed_review(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    submit(at, "a moving film , i loved it")
    at.segmented_control(key="lang").set_value("ko").run()
    assert not at.exception
    assert at.text_area(key="sentiment_text").value == "a moving film , i loved it"
    assert "감성 분석" in at.title[0].value
    assert "토큰 7개를 읽었습니다" in [c.value for c in at.caption]
    assert at.metric[0].value in ("긍정", "부정")


def test_a_review_in_another_language_than_the_model_s_says_which_model_reads_it(
    monkeypatch, fixture_checkpoints
):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    assert not at.warning  # an English review, an English model
    submit(at, EXAMPLES["ko"]["부정의 부정"])
    assert not at.exception
    mismatch = at.warning[0].value
    assert "reads English" in mismatch and "looks Korean" in mismatch
    assert "sentiment-ko" in mismatch and "make train-sentiment-ko" in mismatch


def open_in(monkeypatch, folder, language: str) -> AppTest:
    at = app(monkeypatch, folder)
    at.query_params["lang"] = language
    at.run().switch_page("pages/sentiment.py").run()
    assert not at.exception, at.exception
    return at


def test_a_korean_visitor_starts_on_the_korean_model_and_its_examples(monkeypatch, korean_checkpoints):
    at = open_in(monkeypatch, korean_checkpoints, "ko")
    assert at.selectbox(key="sentiment_model").value == "sentiment-ko"
    assert at.text_area(key="sentiment_text").value == EXAMPLES["ko"]["부정의 부정"]
    assert at.selectbox(key="sentiment_example").options == list(EXAMPLES["ko"])
    assert at.multiselect(key="sentiment_compare").value == []
    assert not at.warning  # a Korean review, a Korean model
    steps = chart_rows(at.get("vega_lite_chart")[1])["step"]
    assert not any("▁" in step for step in steps)  # pieces without their word mark
    assert any("sentencepiece" in c.value and "“재미없지는”" in c.value for c in at.caption)


def test_the_review_and_the_comparison_follow_the_model_s_language(monkeypatch, korean_checkpoints):
    at = open_in(monkeypatch, korean_checkpoints, "en")
    assert at.selectbox(key="sentiment_model").value == "sentiment"
    assert at.multiselect(key="sentiment_compare").value == ["sentiment", "sentiment-gru", "sentiment-rnn"]
    assert not any("sentencepiece" in c.value for c in at.caption)  # a model of words
    submit(at, "a moving film , i loved it")
    at.selectbox(key="sentiment_model").set_value("sentiment-rnn").run()
    assert at.text_area(key="sentiment_text").value == "a moving film , i loved it"  # still English
    at.selectbox(key="sentiment_model").set_value("sentiment-ko").run()
    assert not at.exception
    assert at.text_area(key="sentiment_text").value == EXAMPLES["ko"]["부정의 부정"]
    assert at.selectbox(key="sentiment_example").options[0] == "Double negation"
    assert at.multiselect(key="sentiment_compare").value == []
    at.selectbox(key="sentiment_model").set_value("sentiment").run()
    assert at.text_area(key="sentiment_text").value == EXAMPLES["en"]["Negation"]


def test_a_link_opens_the_atlas_on_its_model_and_unit(monkeypatch, atlas_checkpoints):
    at = app(monkeypatch, atlas_checkpoints)
    at.query_params["sentiment_model"] = "sentiment"
    at.query_params["sentiment_unit"] = "5"
    at.run().switch_page("pages/sentiment.py").run()
    assert not at.exception
    assert at.number_input(key="sentiment_unit").value == 5
