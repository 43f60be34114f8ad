"""The home page (app.py) through AppTest: the checkpoints it lists, or how to train one."""

from tests.conftest import app


def test_home_lists_the_models(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints).run()
    assert not at.exception
    assert "recurrent" in at.title[0].value
    table = at.dataframe[0].value
    names = [
        "captioning",
        "sentiment",
        "sentiment-gru",
        "sentiment-rnn",
        "translation-de-en",
        "translation-en-de",
    ]
    assert list(table["checkpoint"]) == [f"{name}.pt" for name in names]
    assert table["validation metrics"][0] == "BLEU-4 0.050 (beam 3)"
    assert "fixture accuracy 0.500" in table["validation metrics"][1]
    assert table["validation metrics"][4] == "multi30k BLEU 1.5 (greedy)"
    layers = list(table["recurrent layers"])  # the captioner has a decoder alone, its size its own
    assert (
        layers[0] == "LSTM 10 decoder"
        and layers[1] == "1×LSTM 6"
        and layers[4] == "1×biGRU 6 → GRU 10 decoder"
    )


def test_home_without_checkpoints_says_how_to_train(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path).run()
    assert not at.exception
    assert "make train-sentiment" in at.info[0].value
