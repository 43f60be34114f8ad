"""The bptt page (Inside an RNN) through AppTest: gradients through time for the three cells, W_h rescaled."""

import json

import numpy as np

import models
from models import registry
from models.gradients import gradient_through_time
from tests.conftest import chart_rows, inside_page


def test_bptt_page_compares_the_three_cells_and_rescales_w_h(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "bptt")
    chart = at.get("vega_lite_chart")[0].proto
    assert json.loads(chart.spec)["encoding"]["y"]["scale"]["type"] == "log"
    rows = chart_rows(at.get("vega_lite_chart")[0])
    assert set(rows["cell"]) == {"vanilla RNN", "LSTM", "GRU"}
    at.slider(key="bptt_radius").set_value(8.0).run()
    assert not at.exception
    vanilla = models.load(fixture_checkpoints / f"{registry.of_cell('rnn')}.pt")
    rescaled = gradient_through_time(vanilla, at.text_area(key="bptt_text").value, radius=8.0)
    assert at.metric[0].label == "‖dy/dW_h‖" and at.metric[0].value == f"{rescaled.recurrent_weight:.3g}"
    compare = chart_rows(at.get("vega_lite_chart")[2])
    drawn = compare.loc[compare["W_h"] == "radius 8.00", "‖dy/dh_k‖"]
    assert np.allclose(drawn, rescaled.hidden)


def test_a_korean_review_backpropagates_through_the_korean_model(monkeypatch, korean_checkpoints):
    at = inside_page(monkeypatch, korean_checkpoints, "bptt")
    at.text_area(key="bptt_text").set_value("재미없지는 않았다")
    at.button[0].click().run()
    assert not at.exception
    rows = chart_rows(at.get("vega_lite_chart")[0])
    assert set(rows["cell"]) == {"LSTM reading Korean"}
    assert any("sentiment-ko" in caption.value for caption in at.caption)
    assert at.metric[0].label == "‖dy/dW_h‖"  # the vanilla cell's section reads its English example
