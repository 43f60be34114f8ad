"""The bptt page (Inside an RNN) through AppTest: gradients through time for the three cells, W_h rescaled."""

import json

import pyarrow as pa

from tests.conftest import inside_page


def test_bptt_page_compares_the_three_cells_and_rescales_w_h(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "bptt")
    chart = at.get("vega_lite_chart")[0].proto
    assert json.loads(chart.spec)["encoding"]["y"]["scale"]["type"] == "log"
    rows = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas()
    assert set(rows["cell"]) == {"vanilla RNN", "LSTM", "GRU"}
    at.slider(key="bptt_radius").set_value(8.0).run()
    assert not at.exception and at.metric[0].label == "‖dy/dW_h‖"


def test_a_korean_review_backpropagates_through_the_korean_model(monkeypatch, korean_checkpoints):
    at = inside_page(monkeypatch, korean_checkpoints, "bptt")
    at.text_area(key="bptt_text").set_value("재미없지는 않았다")
    at.button[0].click().run()
    assert not at.exception
    rows = pa.ipc.open_stream(at.get("vega_lite_chart")[0].proto.datasets[0].data.data).read_all().to_pandas()
    assert set(rows["cell"]) == {"LSTM reading Korean"}
    assert any("sentiment-ko" in caption.value for caption in at.caption)
    assert at.metric[0].label == "‖dy/dW_h‖"  # the vanilla cell's section reads its English example
