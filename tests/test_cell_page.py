"""The cell page (Inside an RNN) through AppTest: the toy cell stepping through “hello”."""

from tests.conftest import inside_page


def test_cell_page_steps_through_time(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "cell")
    at.slider(key="cell_step").set_value(3).run()
    assert not at.exception
    assert "Step 3: reading “l”" in at.subheader[0].value and len(at.get("graphviz_chart")) == 2
    at.text_input(key="cell_text").set_value("help").run()
    assert "not in the alphabet" in at.warning[0].value
