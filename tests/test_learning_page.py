"""The "How it learned" page on models trained here with their record: scrubbing, units, cartography."""

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import models
from tests.conftest import app, write_sentiment_data
from tests.test_training import train
from ui.record import PICKED, PLAYING, POINT, point_at

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


def scrubbed(at) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The scrubbed chart's spec (its parameters by name) and its data: the traces and the cells."""
    chart = at.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    data = {
        "traces": next(f for f in frames if "model" in f),
        "cells": next(f for f in frames if "unit" in f),
    }
    return {**spec, "params": {p["name"]: p for p in spec["params"]}}, data


def titles(spec: dict) -> list[str]:
    """The chart's title at each point: a Vega expression that picks from them by the slider's point."""
    expression = spec["title"]["text"]["expr"]
    assert expression.endswith(f"[{POINT}]")
    return json.loads(expression.removesuffix(f"[{POINT}]"))


def test_the_page_opens_on_the_trained_model_beside_the_other_cell(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    assert not at.exception
    spec, data = scrubbed(at)
    record = models.load(recorded / "sentiment.pt").dynamics
    last = len(record.steps) - 1
    slider = spec["params"][POINT]
    assert slider["value"] == last and slider["bind"] == {
        "input": "range",
        "min": 0,
        "max": last,
        "step": 1,
        "name": "Recorded point of training",
    }
    assert set(data["traces"]["model"]) == {"sentiment", "sentiment-rnn"}  # both cells on the same review
    assert spec["params"][PICKED]["value"] == [{"unit": record.ranking()[0]}]  # the best unit's curve
    assert "Units forming" in [s.value for s in at.subheader]


def test_every_point_is_sent_with_the_chart_once(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    _, data = scrubbed(at)
    record = models.load(recorded / "sentiment.pt").dynamics
    other = models.load(recorded / "sentiment-rnn.pt").dynamics
    traces, cells = data["traces"], data["cells"]
    assert sorted(set(traces["point"])) == list(range(len(record.steps)))
    for k, step in enumerate(record.steps):
        lstm = traces[(traces["model"] == "sentiment") & (traces["point"] == k)]
        rnn = traces[(traces["model"] == "sentiment-rnn") & (traces["point"] == k)]
        assert np.allclose(lstm["positive"], record.trace(k, 0), atol=1e-3)  # the first review
        assert np.allclose(rnn["positive"], other.trace(point_at(other, step), 0), atol=1e-3)
        states = record.states(k, 0)
        for unit, rows in cells[cells["point"] == k].groupby("unit"):
            assert np.allclose(rows.sort_values("position")["value"], states[:, unit], atol=1e-3)
    assert set(cells["unit"]) == set(record.ranking()[: min(64, len(record.ranking()))])
    untrained, trained = (
        traces[traces["point"] == k]["positive"].to_numpy() for k in (0, len(record.steps) - 1)
    )
    assert not np.allclose(untrained, trained, atol=1e-3)  # training changed the reading


def test_every_view_shows_the_point_the_slider_names(monkeypatch, recorded):
    spec, _ = scrubbed(open_learning(monkeypatch, recorded))
    trace, (heatmap, curve) = spec["vconcat"][0], spec["vconcat"][1]["hconcat"]
    layers = [*trace["layer"], *heatmap["layer"], *curve["layer"]]
    filters = [step["filter"] for layer in layers for step in layer.get("transform", []) if "filter" in step]
    assert filters.count(f"datum.point == {POINT}") == 4  # the traces, the heatmap, its outline, the curve
    assert {"param": PICKED, "empty": False} in filters  # the unit a click on the heatmap picks
    record = models.load(recorded / "sentiment.pt").dynamics
    total, epochs = f"{record.steps[-1]:,}", len(record.epoch_steps)
    assert titles(spec)[0] == f"After 0 of {total} training steps (0 epochs finished)"
    assert titles(spec)[-1] == f"After {total} of {total} training steps ({epochs} epochs finished)"


def test_play_steps_through_the_points_in_the_browser(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    spec, _ = scrubbed(at)
    last = spec["params"][POINT]["bind"]["max"]
    assert spec["params"][PLAYING]["bind"] == {"input": "checkbox", "name": "Play"}
    (tick,) = spec["params"][POINT]["on"]
    assert tick["events"].startswith("timer{")
    assert tick["update"] == f"{PLAYING} ? ({POINT} < {last} ? {POINT} + 1 : 0) : {POINT}"
    (stop,) = spec["params"][PLAYING]["on"]
    assert stop == {"events": {"signal": POINT}, "update": f"{PLAYING} && {POINT} < {last}"}
    assert not at.get("toggle")  # no server-side switch: nothing reruns while it plays


def test_the_hardest_examples_are_listed_with_the_trained_verdict(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded)
    tables = [frame.value for frame in at.dataframe]
    hardest = tables[-1]
    assert list(hardest.columns)[:3] == ["text", "label", "trained model says"] and len(hardest) == 6


def test_the_page_speaks_korean(monkeypatch, recorded):
    at = open_learning(monkeypatch, recorded, "ko")
    assert not at.exception
    assert "유닛이 자리 잡는 과정" in [s.value for s in at.subheader]
    spec, _ = scrubbed(at)
    assert spec["params"][POINT]["bind"]["name"] == "기록된 학습 시점"
    assert spec["params"][PLAYING]["bind"]["name"] == "재생"
    assert titles(spec)[0].startswith("전체 ") and "0단계 학습 후" in titles(spec)[0]


def test_a_model_without_a_record_says_how_to_get_one(monkeypatch, fixture_checkpoints):
    at = open_learning(monkeypatch, fixture_checkpoints)
    assert not at.exception
    assert "make train-sentiment" in at.info[0].value


def test_a_link_opens_at_its_point_unit_and_review(monkeypatch, recorded):
    at = app(monkeypatch, recorded)
    record = models.load(recorded / "sentiment.pt").dynamics
    unit = record.ranking()[2]
    at.query_params["learning_point"] = "5"  # between recorded steps 4 and 8: the one before
    at.query_params["learning_unit"] = str(unit)
    at.query_params["learning_review"] = record.texts[2]
    at.run().switch_page(PAGE).run()
    assert not at.exception
    spec, data = scrubbed(at)
    assert spec["params"][POINT]["value"] == point_at(record, 5) == list(record.steps).index(4)
    assert spec["params"][PICKED]["value"] == [{"unit": unit}]
    assert at.selectbox(key="learning_review").value == 2
    assert data["traces"]["position"].max() == len(record.tokens[2]) - 1  # that review's tokens
