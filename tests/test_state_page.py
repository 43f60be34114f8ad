"""The state page (Inside an RNN) through AppTest: the mix of inputs in the state, typed numbers."""

from tests.conftest import inside_page


def test_state_page_shows_the_even_mix_and_explains_bad_numbers(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "state")
    assert "**25%**, $u_1$ **25%** and $u_2$ **50%**" in at.markdown[1].value
    assert len(at.get("vega_lite_chart")) == 2
    at.get("button_group")[0].set_value("typed").run()
    at.text_input(key="state_typed").set_value("1 two 3").run()
    assert not at.exception and "'two' is not a number" in at.warning[0].value
