"""The sentiment predictor: batching, padding invariance, the reading trace and bad input."""

import numpy as np
import pytest

from tests.conftest import tiny_sentiment

TEXTS = ["a great film", "dull", "this movie is wonderful and i loved it , not boring"]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_batched_predictions_equal_one_by_one(cell):
    model = tiny_sentiment(cell, pool_last=True)
    batched = model.predict(TEXTS)
    alone = [model.predict([text])[0] for text in TEXTS]
    assert np.allclose(batched, alone, atol=1e-6)
    assert all(0 <= p <= 1 for p in batched)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pool_last", [False, True])
def test_analyze_matches_predict_and_prefixes(bidirectional, pool_last):
    model = tiny_sentiment("lstm", bidirectional=bidirectional, num_layers=2, pool_last=pool_last)
    text = TEXTS[2]
    result = model.analyze(text)
    assert result.positive == pytest.approx(model.predict([text])[0], abs=1e-5)
    assert result.label == ("positive" if result.positive >= 0.5 else "negative")
    assert len(result.step_positive) == len(result.tokens)
    # P(positive) after token k is what the model says about the text cut after token k.
    for k in (0, 3, len(result.tokens) - 1):
        prefix = " ".join(result.tokens[: k + 1])
        assert result.step_positive[k] == pytest.approx(model.predict([prefix])[0], abs=1e-5)


def test_states_cover_every_layer_direction_and_gate():
    model = tiny_sentiment("lstm", bidirectional=True, num_layers=2)
    result = model.analyze("a great film")
    assert set(result.states) >= {"layer1.backward.h", "layer0.forward.c", "layer0.backward.forget_gate"}
    assert all(v.shape == (3, 6) and isinstance(v, np.ndarray) for v in result.states.values())


def test_analyze_is_deterministic():
    model = tiny_sentiment("gru")
    first, second = model.analyze(TEXTS[0]), model.analyze(TEXTS[0])
    assert first.step_positive == second.step_positive
    assert all(np.array_equal(first.states[k], second.states[k]) for k in first.states)


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_a_clear_value_error(text):
    with pytest.raises(ValueError, match="empty"):
        tiny_sentiment().analyze(text)
    with pytest.raises(ValueError, match="empty"):
        tiny_sentiment().predict(["fine", text])


@pytest.mark.parametrize(
    "text", ["zxqv unseen words", "😀😀", "<br /><br />great", "映画はすばらしい", "!!!"]
)
def test_unusual_text_works(text):
    result = tiny_sentiment().analyze(text)
    assert result.tokens and 0 <= result.positive <= 1


def test_huge_text_is_truncated():
    model = tiny_sentiment()
    result = model.analyze("great " * 200_000)
    assert result.truncated and len(result.tokens) == model.config.max_tokens
    assert not model.analyze("great film").truncated


def test_awd_regularisation_acts_in_training_only():
    import torch

    from models.sentiment import SentimentConfig, SentimentModel

    plain = SentimentConfig(vocab_size=40, embedding_dim=6, hidden_dim=5, num_layers=2, dropout=0.3)
    awd = SentimentConfig(**{**vars(plain), "word_dropout": 0.2, "weight_drop": 0.5, "locked_dropout": True})
    torch.manual_seed(0)
    model = SentimentModel(awd)
    reference = SentimentModel(plain)
    reference.load_state_dict(model.state_dict())
    ids, lengths = torch.randint(1, 40, (4, 9)), torch.tensor([9, 7, 4, 1])
    model.eval(), reference.eval()
    assert torch.equal(model(ids, lengths), reference(ids, lengths))
    model.train()
    model(ids, lengths).sum().backward()  # the dropped recurrent matrix still learns
    assert model.encoder.layers[0][0].weight_hh_l0.grad.abs().sum() > 0
    assert not torch.equal(model(ids, lengths), model(ids, lengths))
