"""The "How it learned" page on models trained here with their record: scrubbing, units, cartography."""

import numpy as np
import pytest

import models
from tests.conftest import app, chart_rows, write_sentiment_data
from tests.test_training import train

PAGE = "pages/learning.py"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Tiny LSTM and vanilla RNN sentiment models with their training records, as shipped names."""
    folder = tmp_path_factory.mktemp("recorded")
    data = [str(p) for p in write_sentiment_data(tmp_path_factory.mktemp("data"))]
    for name, cell in (("sentiment", "lstm"), ("sentiment-rnn", "rnn")):
        train(data, folder / f"{name}.pt", "--cell", cell, "--epochs", "2", "--cartography", "40")
    return folder


def open_learning(monkeypatch, folder, language="en"):
    at = app(monkeypatch, folder)
    at.query_params["lang"] = language
    return at.run().switch_page(PAGE).run(timeout=120)


def test_the_page_opens_on_the_trained_model_beside_the_other_cell(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    assert not at.exception
    slider = at.select_slider(key="learning_point")
    assert slider.value == int(slider.options[-1]) and slider.options[0] == "0"
    assert "Units forming" in [s.value for s in at.subheader]
    traces = chart_rows(at.get("vega_lite_chart")[0])
    assert set(traces["model"]) == {"sentiment", "sentiment-rnn"}  # both cells on the same review


def test_scrubbing_to_step_0_shows_the_untrained_model(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    trained = chart_rows(at.get("vega_lite_chart")[0])
    at.select_slider(key="learning_point").set_value(0).run()
    assert not at.exception
    assert any(c.value.startswith("After 0 of") for c in at.caption)
    untrained = chart_rows(at.get("vega_lite_chart")[0])
    record = models.load(recorded / "sentiment.pt").dynamics
    lstm = untrained[untrained["model"] == "sentiment"]["positive"].to_numpy()
    assert np.allclose(lstm, record.trace(0, 0), atol=1e-3)  # the first review, before any update
    assert not np.allclose(untrained["positive"], trained["positive"], atol=1e-3)


def test_the_hardest_examples_are_listed_with_the_trained_verdict(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    tables = [frame.value for frame in at.dataframe]
    hardest = tables[-1]
    assert list(hardest.columns)[:3] == ["text", "label", "trained model says"] and len(hardest) == 6


def test_the_page_speaks_korean(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded, "ko")
    assert not at.exception
    assert "유닛이 자리 잡는 과정" in [s.value for s in at.subheader]


def test_a_model_without_a_record_says_how_to_get_one(monkeypatch, fixture_checkpoints):
    at = open_learning(monkeypatch, fixture_checkpoints)
    assert not at.exception
    assert "make train-sentiment" in at.info[0].value


def test_play_steps_through_the_recorded_points_from_the_start(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    at.toggle(key="learning_play").set_value(True).run()
    assert not at.exception
    steps = [int(s) for s in at.select_slider(key="learning_point").options]
    assert int(at.select_slider(key="learning_point").value) == steps[1]  # from step 0, one point on


def test_a_link_opens_at_its_point_and_review(monkeypatch, recorded):
    at = app(monkeypatch, recorded)
    at.query_params["learning_point"] = "4"
    at.query_params["learning_review"] = models.load(recorded / "sentiment.pt").dynamics.texts[2]
    at.run().switch_page(PAGE).run()
    assert not at.exception
    assert int(at.select_slider(key="learning_point").value) == 4
    assert at.selectbox(key="learning_review").value == 2
