"""How a heatmap shows the units of a state: their order, their colour range, the one that follows a trace;
and the names the pages give cells and traced quantities."""

import numpy as np
import pytest
import torch
from torch import nn

from models.cells import CELL_NAMES, FUSED, QUANTITIES, TRACED, trace_layer
from models.units import UNIT_ORDERS, closest_unit, state_domain, unit_order

# 4 steps x 4 units: unit 0 rises, unit 1 falls, unit 2 rises like unit 0 (scaled), unit 3 is constant.
VALUES = np.array(
    [
        [0.1, 0.9, 0.2, 0.5],
        [0.3, 0.6, 0.6, 0.5],
        [0.5, 0.2, 1.0, 0.5],
        [0.7, -0.4, 1.4, 0.5],
    ]
)


def test_units_order_by_index_mean_and_variance():
    assert unit_order(VALUES, "index").tolist() == [0, 1, 2, 3]
    assert unit_order(VALUES, "mean activation").tolist() == [2, 3, 0, 1]
    assert unit_order(VALUES, "variance").tolist() == [1, 2, 0, 3]


def test_clustering_puts_units_that_rise_together_side_by_side():
    order = unit_order(VALUES, "clustered").tolist()
    assert sorted(order) == [0, 1, 2, 3] and abs(order.index(0) - order.index(2)) == 1
    assert unit_order(VALUES[:2], "clustered").tolist() == [0, 1, 2, 3]  # two steps: too few to cluster


def test_every_order_a_page_offers_is_a_permutation():
    for order in UNIT_ORDERS:
        assert sorted(unit_order(VALUES, order).tolist()) == [0, 1, 2, 3]


def test_the_closest_unit_follows_a_trace_up_or_down():
    assert closest_unit(VALUES, np.array([0.0, 1.0, 2.0, 3.0])) in (0, 2)
    assert closest_unit(VALUES[:, [0, 1, 3]], np.array([3.0, 2.0, 1.0, 0.0])) == 0  # falling: -1 counts
    assert closest_unit(VALUES[:, [1, 3]], np.array([0.2, 0.1, -0.2, -0.9])) == 0


def test_colour_ranges_come_from_the_quantity():
    memory = np.array([[0.5, -2.5], [1.0, 0.0]])
    assert state_domain("h", memory) == (-1.0, 1.0)
    assert state_domain("decoder.update_gate", memory) == (0.0, 1.0)
    assert state_domain("layer0.forward.c", memory) == (-2.5, 2.5)  # unbounded: its largest value
    assert state_domain("c", np.zeros((2, 2))) == (-1.0, 1.0)
    assert state_domain("encoder.layer0.backward.candidate", memory) == (-1.0, 1.0)


@pytest.mark.parametrize("cell", list(FUSED))
def test_every_traced_quantity_is_named_and_stays_in_its_range(cell):
    torch.manual_seed(0)
    layer = FUSED[cell](3, 5)
    with torch.no_grad():
        traced = trace_layer(layer, 4 * torch.randn(20, 3))
    assert set(traced) == set(TRACED[cell]) <= set(QUANTITIES)
    for name, values in traced.items():
        bounds = QUANTITIES[name].bounds
        if bounds is not None:
            assert bounds[0] <= values.min() and values.max() <= bounds[1], name


def test_the_cell_names_name_every_fused_cell():
    assert list(CELL_NAMES) == list(FUSED) and CELL_NAMES["rnn"] == "vanilla RNN"
    assert all(isinstance(layer, type) and issubclass(layer, nn.RNNBase) for layer in FUSED.values())
