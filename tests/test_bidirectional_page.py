"""The bidirectional page (Inside an RNN) through AppTest: both directions' states in one chart, whose
step slider fades what each direction has not read yet, in the browser."""

import json

from tests.conftest import inside_page
from ui.charts import STEP


def test_bidirectional_page_shows_both_directions_with_one_step_slider(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "bidirectional")
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    forward, backward = spec["hconcat"]
    assert [forward["title"], backward["title"]] == [
        "forward: h_t has read tokens 1..t",
        "backward: h_t has read tokens t..T",
    ]
    (step,) = [param for param in spec["params"] if param["name"] == STEP]
    assert step["bind"]["input"] == "range" and step["bind"]["min"] == 1
    assert 1 <= step["value"] <= step["bind"]["max"]  # a step of the sentence, its middle at first
    fades = [view["encoding"]["opacity"]["condition"][0]["test"] for view in (forward, backward)]
    assert fades == [f"datum.position > {STEP} - 1", f"datum.position < {STEP} - 1"]
