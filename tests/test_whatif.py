"""Both decoders' what-if and why views: a forced prefix, hidden regions, the alternatives at each step
and the connectivity of each output over the input."""

import dataclasses

import numpy as np
import pytest
import torch

from models import vision
from models.captioning import Captioner, CaptioningPredictor
from models.regions import visible_regions
from models.search import beam_search, greedy, known, sample, select_state
from models.text import BOS, EOS, PAD, UNK
from tests.conftest import PAIRS, picture, tiny_captioning, tiny_translation

SOURCE = PAIRS[0][0]
RED = picture("red")
TOP_LEFT = [(row, col) for row in range(3) for col in range(3)]


def encoded(predictor, source: str):
    ids = predictor.encode(source)[0]
    return predictor.model.encode(torch.tensor([ids]), torch.tensor([len(ids)]))


def assert_same_analysis(first, second):
    for field in dataclasses.fields(first):
        a, b = getattr(first, field.name), getattr(second, field.name)
        if isinstance(a, dict):
            assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a), field.name
        else:
            assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, field.name


def test_a_blank_prefix_and_nothing_hidden_give_the_plain_result():
    translation, captioning = tiny_translation(seed=4), tiny_captioning(seed=2)
    assert_same_analysis(translation.analyze(SOURCE, beam_size=3, prefix=" "), translation.analyze(SOURCE, 3))
    assert_same_analysis(captioning.analyze(RED, prefix="", hide=[]), captioning.analyze(RED))


@pytest.mark.parametrize("beam_size", [1, 3])
def test_a_forced_prefix_starts_the_translation(beam_size):
    predictor = tiny_translation(seed=4)
    result = predictor.analyze(SOURCE, beam_size=beam_size, prefix="two dogs")
    pieces = predictor.vocab.encode("two dogs", out_type=str)
    assert result.target_tokens[: len(pieces)] == pieces and result.text.startswith("two dogs")
    assert all(candidate.startswith("two dogs") for candidate, _ in result.candidates)


@pytest.mark.parametrize("beam_size", [1, 3])
def test_a_forced_prefix_starts_the_caption(beam_size):
    result = tiny_captioning(seed=2).analyze(RED, beam_size=beam_size, prefix="A Blue,")
    assert result.tokens[:2] == ["a", "blue"] and result.text.startswith("a blue")
    assert all(candidate.startswith("a blue") for candidate, _ in result.candidates)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@torch.inference_mode()
def test_forcing_the_models_own_beginning_changes_nothing_at_beam_1(cell):
    predictor = tiny_translation(cell, seed=3)
    for source in [source for source, _ in PAIRS]:
        attended, state, _ = encoded(predictor, source)
        step = predictor.model.next_token_function()
        own = greedy(step, state, attended, max_length=12)[0]
        assert greedy(step, state, attended, 12, prefix=own[:2]) == [own]
        (plain,), (forced,) = (beam_search(step, state, attended, 1, 12, prefix) for prefix in ([], own[:2]))
        assert forced[0][0] == plain[0][0] == own and forced[0][1] == pytest.approx(plain[0][1], abs=1e-6)


@torch.inference_mode()
def test_a_forced_prefix_counts_in_the_score_and_the_length():
    predictor = tiny_translation(seed=4)
    attended, state, _ = encoded(predictor, SOURCE)
    prefix = predictor.vocab.encode("a woman")
    step = predictor.model.next_token_function()
    beams = beam_search(step, state, attended, 3, 12, prefix)[0]
    for ids, score in beams:
        output = ids + [EOS] if len(ids) < 12 else ids
        log_prob, cell = 0.0, state
        for previous, token in zip([BOS, *output[:-1]], output):  # the search's own step, teacher-forced
            logits, cell = step(torch.tensor([previous]), cell, attended)
            log_prob += known(logits).log_softmax(dim=-1)[0, token].item()
        assert ids[: len(prefix)] == prefix
        assert score == pytest.approx(log_prob / len(output), abs=1e-5)


def test_a_prefix_the_model_cannot_write_is_refused_by_name():
    with pytest.raises(ValueError, match="'zebra' is not among"):
        tiny_captioning().analyze(RED, prefix="a zebra")
    with pytest.raises(ValueError, match="cannot write '☃'"):
        tiny_translation().analyze(SOURCE, prefix="a ☃")
    with pytest.raises(ValueError, match="pieces long"):
        tiny_translation().analyze(SOURCE, prefix="a man " * 20)


def test_hidden_cells_get_no_attention():
    predictor = tiny_captioning(seed=2)
    plain, hidden = predictor.analyze(RED), predictor.analyze(RED, hide=TOP_LEFT)
    assert plain.tokens and hidden.tokens
    assert (hidden.attention[:, :3, :3] == 0).all() and (plain.attention[:, :3, :3] > 0).all()
    np.testing.assert_allclose(hidden.attention.sum(axis=(1, 2)), 1, atol=1e-6)
    assert np.array_equal(hidden.image, plain.image)


@torch.inference_mode()
def test_hiding_cells_changes_the_features_the_decoder_sees_and_nothing_else():
    model = tiny_captioning(seed=1).model
    features = torch.randn(1, vision.GRID**2, vision.FEATURE_DIM)
    visible = visible_regions(TOP_LEFT)
    (plain, plain_state), (hidden, hidden_state) = model.start(features), model.start(features, visible)
    assert torch.equal(hidden.features, plain.features) and torch.equal(hidden.keys, plain.keys)
    only_visible = model.start(features[:, visible[0]])[1]  # the initial state sees no hidden region
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(hidden_state, only_visible))
    word = torch.tensor([BOS])
    # from the same state, the step reads only the visible regions, renormalised
    plain_step, hidden_step = model.step(word, plain_state, plain), model.step(word, plain_state, hidden)
    renormalised = plain_step.attention * visible / (plain_step.attention * visible).sum()
    torch.testing.assert_close(hidden_step.attention, renormalised)
    embedding_dim = model.config.embedding_dim
    assert torch.equal(hidden_step.inputs[:, :embedding_dim], plain_step.inputs[:, :embedding_dim])
    gate = torch.sigmoid(model.gate(plain_state[0][0]))
    torch.testing.assert_close(hidden_step.inputs[:, embedding_dim:], gate * (renormalised @ features[0]))


@pytest.mark.parametrize(
    "hide, message",
    [
        ([(row, col) for row in range(7) for col in range(7)], "All 49 regions are hidden"),
        ([(7, 0)], "not a cell of the grid"),
        ([(1,)], "not a cell of the grid"),
        ([("a", "b")], "not a cell of the grid"),
        ([(0.5, 1)], "not a cell of the grid"),
    ],
)
def test_impossible_hides_are_refused(hide, message):
    with pytest.raises(ValueError, match=message):
        tiny_captioning().analyze(RED, hide=hide)


def test_at_beam_1_the_first_alternative_is_the_chosen_token():
    translation = tiny_translation(seed=4).analyze(SOURCE, beam_size=1)
    caption = tiny_captioning(seed=2).analyze(RED, beam_size=1)
    written = translation.target_tokens[:-1]  # "</s>" closes every translation, one cut at the limit too
    assert [row[0][0] for row in translation.alternatives[:-1]] == written
    assert [row[0][0] for row in caption.alternatives] == caption.tokens
    for result in (translation, caption):
        for row in result.alternatives:
            probabilities = [p for _, p in row]
            assert (
                len(row) == 5
                and probabilities == sorted(probabilities, reverse=True)
                and sum(probabilities) <= 1
            )


def test_saliency_rows_sum_to_1():
    translation = tiny_translation(seed=4).analyze(SOURCE, beam_size=3, prefix="a")
    caption = tiny_captioning(seed=2).analyze(RED, beam_size=3, hide=TOP_LEFT)
    assert translation.connectivity.shape == (len(translation.target_tokens), len(translation.source_tokens))
    assert caption.connectivity.shape == (len(caption.tokens), vision.GRID, vision.GRID)
    for rows in (translation.connectivity, caption.connectivity.reshape(len(caption.tokens), -1)):
        assert (rows >= 0).all()
        np.testing.assert_allclose(rows.sum(axis=1), 1, atol=1e-5)


def finite_difference_saliency(log_probs, inputs: torch.Tensor, epsilon: float = 1e-6) -> np.ndarray:
    """The reference: each input coordinate nudged both ways; gradient norms per item, rows summing to 1."""
    gradient = torch.zeros(len(log_probs(inputs)), *inputs.shape[1:], dtype=torch.float64)
    for index in np.ndindex(*inputs.shape[1:]):
        nudge = torch.zeros_like(inputs)
        nudge[(0, *index)] = epsilon
        gradient[(slice(None), *index)] = (log_probs(inputs + nudge) - log_probs(inputs - nudge)) / (
            2 * epsilon
        )
    norms = gradient.norm(dim=-1)
    return (norms / norms.sum(dim=-1, keepdim=True)).numpy()


@torch.no_grad()  # not inference mode: analyze needs weights that autograd may use
def test_translation_saliency_is_the_finite_difference_estimate():
    predictor = tiny_translation(seed=4)
    predictor.model.double()
    result = predictor.analyze(SOURCE, beam_size=2)
    source = predictor.encode(SOURCE)[0]
    output = [predictor.vocab.piece_to_id(piece) for piece in result.target_tokens[:-1]] + [EOS]

    def log_probs(embedded):
        attended, state, _ = predictor.model.encode_embedded(embedded, torch.tensor([len(source)]))
        logits = predictor.model.decode(torch.tensor([[BOS, *output[:-1]]]), state, attended).logits[0]
        return logits.log_softmax(dim=-1)[torch.arange(len(output)), output]

    expected = finite_difference_saliency(log_probs, predictor.model.embedding(torch.tensor([source])))
    np.testing.assert_allclose(result.connectivity, expected, atol=1e-6)


@torch.no_grad()
def test_caption_saliency_is_the_finite_difference_estimate():
    tiny = tiny_captioning(seed=2)
    small = Captioner(dataclasses.replace(tiny.config, feature_dim=3)).double()  # 49 x 3 inputs to nudge
    predictor = CaptioningPredictor(small, tiny.vocab)
    features = torch.randn(1, 49, 3, dtype=torch.float64)
    visible, words = visible_regions(TOP_LEFT), [5, 9, 7]
    _, _, connectivity = predictor._explain(features, visible, words)

    def log_probs(regions):
        attended, state = small.start(regions, visible)
        steps = predictor._teacher_force(words, state, attended)
        return torch.stack([step.logits[0].log_softmax(dim=-1)[word] for step, word in zip(steps, words)])

    np.testing.assert_allclose(connectivity, finite_difference_saliency(log_probs, features), atol=1e-6)


@pytest.mark.parametrize("beam_size", [1, 3])
def test_no_search_writes_the_unknown_piece(beam_size):
    predictor = tiny_translation(seed=4)
    with torch.no_grad():
        predictor.model.output_bias[UNK] = 100.0  # UNK is now by far the likeliest piece at every step
    attended, state, _ = encoded(predictor, SOURCE)
    step = predictor.model.next_token_function()
    outputs = (
        greedy(step, state, attended, 12)
        if beam_size == 1
        else [beams[0][0] for beams in beam_search(step, state, attended, beam_size, 12)]
    )
    assert outputs[0] and UNK not in outputs[0]


def test_sampling_never_draws_a_token_no_search_writes_and_follows_the_seed():
    predictor = tiny_translation(seed=4)
    with torch.no_grad():
        predictor.model.output_bias[[PAD, UNK, BOS]] = 100.0  # by far the likeliest, were they allowed
    attended, state, _ = encoded(predictor, SOURCE)
    rows = torch.zeros(16, dtype=torch.long)  # the one sentence, 16 times
    step, state, attended = (
        predictor.model.next_token_function(),
        select_state(state, rows),
        attended.select(rows),
    )
    draws = []
    for _ in range(2):
        torch.manual_seed(0)
        draws.append(sample(step, state, attended, 12))
    assert draws[0] == draws[1] and len(draws[0]) == 16
    drawn = {token for ids in draws[0] for token in ids}
    assert drawn and not drawn & {PAD, UNK, BOS, EOS}
