"""The recall page (Inside an RNN) through AppTest: a recorded run on arrival, the three cells trained."""

import json

from tests.conftest import inside_page


def test_recall_page_trains_the_three_cells(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "recall")
    at.slider(key="recall_n").set_value(5)
    at.slider(key="recall_steps").set_value(50)
    at.button[0].click().run()
    assert not at.exception
    assert [part.split("**")[1] for part in at.markdown[-1].value.split(" · ")] == ["rnn", "lstm", "gru"]


def test_recall_page_shows_the_recorded_run_before_any_click(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "recall")
    assert at.caption[0].value.startswith("A recorded run: N = 60, 400 steps, seed 0")
    titles = [json.loads(chart.proto.spec)["title"] for chart in at.get("vega_lite_chart")]
    assert titles == ["training loss", "accuracy"] and at.markdown[-1].value.startswith("**rnn**")
