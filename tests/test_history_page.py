"""The history page (Inside an RNN) through AppTest: recorded training curves, or why there are none."""

from tests.conftest import inside_page


def test_history_page_draws_recorded_curves_and_explains_missing_ones(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "history")
    at.selectbox(key="history_checkpoint").set_value("sentiment").run()
    assert len(at.get("vega_lite_chart")) == 3 and "epoch 2" in at.caption[0].value
    at.selectbox(key="history_checkpoint").set_value("translation-de-en").run()
    assert "holds no training history" in at.info[0].value
