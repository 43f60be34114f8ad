"""A checkpoint that cannot be loaded, on any page: a short message, never a traceback."""

import models
from tests.conftest import app, open_page


def test_broken_checkpoint_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    (tmp_path / "sentiment.pt").write_bytes(b"\x00broken")
    at = open_page(monkeypatch, tmp_path, "pages/sentiment.py")
    assert not at.exception
    assert "not a readable checkpoint" in at.error[0].value
    home = app(monkeypatch, tmp_path).run()
    assert home.dataframe[0].value["task"][0] == "unusable"


def test_a_bug_while_loading_is_a_short_message_and_a_logged_traceback(
    monkeypatch, fixture_checkpoints, caplog
):
    def broken(cls, checkpoint):
        raise AttributeError("a bug")

    monkeypatch.setattr(models.SentimentPredictor, "from_checkpoint", classmethod(broken))
    at = open_page(monkeypatch, fixture_checkpoints, "pages/bptt.py")
    assert not at.exception
    assert "a bug in Unfold" in at.error[0].value
    assert "AttributeError: a bug" in caplog.text
