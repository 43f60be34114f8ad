"""The int8 output layer the searches use on the CPU: close to the float one, independent of the
other rows in a batch, and made again when the weights change."""

import torch

from models.int8 import Int8Layers, Int8Linear, tied_output
from tests.conftest import tiny_translation


def test_int8_linear_is_close_to_the_float_layer():
    torch.manual_seed(0)
    weight, bias, x = torch.randn(300, 64) * 0.1, torch.randn(300), torch.randn(7, 64)
    exact = x @ weight.T + bias
    assert (Int8Linear(weight, bias)(x) - exact).abs().max() <= 0.02 * exact.abs().max()


def test_a_rows_result_does_not_depend_on_the_other_rows():
    torch.manual_seed(1)
    layer = Int8Linear(torch.randn(50, 16), torch.randn(50))
    row, others = torch.randn(1, 16), torch.randn(4, 16) * 100  # neighbours of another scale
    alone = layer(row)[0]
    assert torch.equal(layer(torch.cat([row, others]))[0], alone)
    assert torch.equal(layer(torch.cat([others, row]))[-1], alone)


def test_the_int8_copy_follows_weight_changes():
    layers, layer = Int8Layers(), torch.nn.Linear(8, 5)
    first = layers.linear("output", layer.weight, layer.bias)
    assert layers.linear("output", layer.weight, layer.bias) is first  # made once
    with torch.no_grad():
        layer.weight.mul_(2)  # what an optimizer step or load_state_dict does
    assert layers.linear("output", layer.weight, layer.bias) is not first


def test_the_translator_uses_int8_on_the_cpu_and_the_float_layer_otherwise():
    model = tiny_translation().model
    assert isinstance(tied_output(model), Int8Linear)
    assert tied_output(model.double()) == model.output  # float64 weights: no int8 kernel
