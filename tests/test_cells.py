"""The written-out cell equations equal PyTorch's fused modules on the same weights."""

import pytest
import torch

from models.cells import FUSED, TRACED, step_layer, trace_layer
from models.encoder import RecurrentEncoder, reverse_padded


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_stepwise_equals_fused(cell, bidirectional, num_layers):
    torch.manual_seed(0)
    encoder = RecurrentEncoder(cell, 5, 7, num_layers, bidirectional, dropout=0.0).eval()
    x = torch.randn(9, 5)
    with torch.no_grad():
        fused = encoder(x[None], torch.tensor([9]))[0]  # [steps, output_dim]
        traced = encoder.trace(x)
    last = num_layers - 1
    stepwise = torch.cat([traced[f"layer{last}.{d}.h"] for d in encoder.directions], dim=-1)
    assert (fused - stepwise).abs().max() < 1e-5
    for layer in range(num_layers):
        for direction in encoder.directions:
            for name in TRACED[cell]:
                assert traced[f"layer{layer}.{direction}.{name}"].shape == (9, 7)


def test_lstm_gates_are_probabilities_and_state_matches_fused_cell():
    torch.manual_seed(1)
    encoder = RecurrentEncoder("lstm", 4, 3, 1, False, dropout=0.0).eval()
    x = torch.randn(6, 4)
    with torch.no_grad():
        _, (h, c) = encoder.layers[0][0](x[None])
        traced = encoder.trace(x)
    assert (traced["layer0.forward.c"][-1] - c[0, 0]).abs().max() < 1e-5
    for gate in ("input_gate", "forget_gate", "output_gate"):
        assert traced[f"layer0.forward.{gate}"].min() >= 0 and traced[f"layer0.forward.{gate}"].max() <= 1


def test_reverse_padded_keeps_padding_at_the_end():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]])[:, :, None]
    out = reverse_padded(x, torch.tensor([3, 2]))[:, :, 0]
    assert out.tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]


@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_never_changes_a_sequence(bidirectional):
    torch.manual_seed(2)
    encoder = RecurrentEncoder("gru", 3, 4, 2, bidirectional, dropout=0.0).eval()
    short = torch.randn(1, 4, 3)
    padded = torch.cat([short, torch.randn(1, 5, 3)], dim=1)  # garbage after the end
    with torch.no_grad():
        alone = encoder(short, torch.tensor([4]))
        in_batch = encoder(padded, torch.tensor([4]))[:, :4]
    assert (alone - in_batch).abs().max() < 1e-6


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_stepping_one_step_at_a_time_equals_all_steps_at_once(cell):
    torch.manual_seed(2)
    layer = FUSED[cell](5, 7, batch_first=True)
    x, h0, c0 = torch.randn(11, 5), torch.randn(7), torch.randn(7)
    with torch.no_grad():
        at_once = trace_layer(layer, x, initial=h0, initial_cell=c0)
        stepped = trace_layer(layer, x, initial=h0, initial_cell=c0, offsets=torch.zeros(11, 7))
    assert set(at_once) == set(stepped) == set(TRACED[cell])
    for name in TRACED[cell]:
        torch.testing.assert_close(at_once[name], stepped[name], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_one_written_out_step_equals_the_fused_module(cell):
    torch.manual_seed(3)
    layer = FUSED[cell](5, 7, batch_first=True)
    x, h = torch.randn(4, 5), torch.randn(1, 4, 7)
    state = (h, torch.randn(1, 4, 7)) if cell == "lstm" else h
    with torch.no_grad():
        fused_out, fused_state = layer(x[:, None], state)
        out, new_state = step_layer(layer, x, state)
    torch.testing.assert_close(out, fused_out[:, 0])
    for mine, theirs in zip(
        new_state if cell == "lstm" else [new_state], fused_state if cell == "lstm" else [fused_state]
    ):
        torch.testing.assert_close(mine, theirs)
