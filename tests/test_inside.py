"""The 'Inside an RNN' computations: the first-order system, the toy cell, BPTT and the recall task;
and their pages in Korean."""

import numpy as np
import pytest
import torch

from models import dynamics
from models.cells import trace_layer
from models.gradients import gradient_through_time, scaled_layer, spectral_radius
from models.recall import recall_batch, train_recall
from models.toy import hello_rnn
from tests.conftest import app, tiny_sentiment


def test_an_even_mix_keeps_a_quarter_of_x0_and_u1_and_half_of_u2():
    shares = dynamics.shares(0.5, 0.5, steps=2)
    np.testing.assert_allclose(shares[2], [0.25, 0.25, 0.5])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert shares[1, 2] == 0  # u_2 is not there yet at t = 1


def test_a_pulse_fades_geometrically_and_tanh_bounds_the_state():
    x, y = dynamics.simulate(dynamics.input_signal("pulse", 4), a=0.5, b=1.0, c=2.0)
    np.testing.assert_allclose(x, [0, 1, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(y, 2 * x[1:])
    x, _ = dynamics.simulate(dynamics.input_signal("step", 30), a=1.2, b=1.0, f="tanh")
    assert np.abs(x).max() < 1


def test_typed_inputs_are_checked():
    np.testing.assert_allclose(dynamics.input_signal("typed", 4, "1, -2 0.5"), [1, -2, 0.5, 0])
    with pytest.raises(ValueError, match="'x' is not a number"):
        dynamics.input_signal("typed", 4, "1 x")


def test_the_toy_cell_learns_hello_and_its_trace_is_the_fused_cell():
    model = hello_rnn()
    run = model.unfold("hell")
    assert "".join(run.letters[i] for i in run.y.argmax(axis=1)) == "ello"
    fused = model.cell(torch.tensor(run.x)[None])[0][0].detach().numpy()
    np.testing.assert_allclose(run.h[1:], fused, atol=1e-5)
    np.testing.assert_allclose(run.h[1], np.tanh(run.W_x @ run.x[0] + run.b), atol=1e-5)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gradients_through_time_match_finite_differences(cell):
    predictor = tiny_sentiment(cell, pool_last=True, seed=4)
    text = "a great film , moving and funny"
    trace = gradient_through_time(predictor, text)
    model, layer = predictor.model, predictor.model.encoder.layers[0][0]
    inputs = model.embedding(torch.tensor(predictor.encode(text)[1])).detach().double()
    layer = layer.double()
    read_last = model.classifier.weight[0, -layer.hidden_size :].detach().double()

    @torch.no_grad()
    def output(offsets):
        return float(trace_layer(layer, inputs, offsets=offsets)["h"][-1] @ read_last)

    epsilon, zeros = 1e-6, torch.zeros(len(trace.tokens), layer.hidden_size, dtype=torch.double)
    for step in (0, 3, len(trace.tokens) - 1):
        gradient = []
        for unit in range(layer.hidden_size):
            bump = zeros.clone()
            bump[step, unit] = epsilon
            gradient.append((output(bump) - output(-bump)) / (2 * epsilon))
        assert np.linalg.norm(gradient) == pytest.approx(trace.hidden[step], rel=1e-4, abs=1e-9)


def test_rescaling_w_h_sets_its_spectral_radius():
    layer = tiny_sentiment("rnn").model.encoder.layers[0][0]
    assert spectral_radius(scaled_layer(layer, 3.0).weight_hh_l0.detach()) == pytest.approx(3.0)


def test_recall_batches_flag_the_first_symbol_and_end_with_the_cue():
    inputs, targets = recall_batch(5, 4, torch.Generator().manual_seed(0))
    assert inputs.shape == (4, 7, 10)
    assert (inputs[:, 0, :8].argmax(dim=-1) == targets).all() and (inputs[:, 0, 8] == 1).all()
    assert (inputs[:, -1, 9] == 1).all() and (inputs[:, 1:-1, 8:] == 0).all()


def test_lstm_remembers_across_a_long_gap_where_the_vanilla_cell_does_not():
    accuracy = {"rnn": [], "lstm": []}
    for point in train_recall(["rnn", "lstm"], distractors=60, steps=400, seed=0):
        accuracy[point.cell].append(point.accuracy)
    final = {cell: np.mean(values[-50:]) for cell, values in accuracy.items()}
    assert final["lstm"] > 0.8 and final["rnn"] < 0.3, final


@pytest.mark.parametrize(
    "page, title",
    [
        ("state", "상태와 입력"),
        ("cell", "RNN 셀과 펼친 모습"),
        ("bptt", "시간에 따른 역전파"),
        ("recall", "왜 LSTM과 GRU인가"),
        ("bidirectional", "양방향 RNN"),
    ],
)
def test_the_inside_pages_speak_korean(monkeypatch, fixture_checkpoints, page, title):
    at = app(monkeypatch, fixture_checkpoints)
    at.query_params["lang"] = "ko"
    at.run().switch_page(f"pages/{page}.py").run(timeout=120)
    assert not at.exception, at.exception
    assert title in at.title[0].value
