"""The recurrent encoder: stacked, optionally bidirectional fused layers over padded batches."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from models.cells import FUSED, trace_layer


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence's first `length` steps and leave its padding at the end.

    [a b c <pad>] -> [c b a <pad>]: the backward direction reads real tokens first, so padding
    never reaches a real token's state (cheaper than packed sequences on CPU)."""
    steps = torch.arange(x.size(1), device=x.device).expand(x.size(0), -1)  # [batch, steps]
    index = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    return x.gather(1, index[:, :, None].expand_as(x))


class RecurrentEncoder(nn.Module):
    """`num_layers` of fused cells; each layer has a forward and, if bidirectional, a backward
    module (in the order of `directions`), and feeds both directions' states to the next layer."""

    def __init__(
        self,
        cell: str,
        input_dim: int,
        hidden_dim: int,
        num_layers: int,
        bidirectional: bool,
        dropout: float,
        weight_drop: float = 0.0,
        locked: bool = False,
    ):
        super().__init__()
        self.directions = ("forward", "backward") if bidirectional else ("forward",)
        self.output_dim = hidden_dim * len(self.directions)
        self.layers = nn.ModuleList()
        for layer in range(num_layers):
            layer_input = input_dim if layer == 0 else self.output_dim
            cells = [FUSED[cell](layer_input, hidden_dim, batch_first=True) for _ in self.directions]
            self.layers.append(nn.ModuleList(cells))
        self.dropout = nn.Dropout(dropout)
        self.weight_drop, self.locked = weight_drop, locked

    def drop(self, x: torch.Tensor) -> torch.Tensor:
        """Dropout on x [batch, steps, dim]; with `locked`, one mask per sequence for every step
        (variational dropout, Gal & Ghahramani 2016)."""
        if not (self.locked and self.training and self.dropout.p):
            return self.dropout(x)
        keep = x.new_full((x.size(0), 1, x.size(2)), 1 - self.dropout.p)
        return x * keep.bernoulli() / keep

    def run(self, module: nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
        """One direction's outputs; while training with `weight_drop`, its recurrent matrix loses a
        fresh random set of entries each batch (DropConnect, AWD-LSTM)."""
        if not (self.training and self.weight_drop):
            return module(x)[0]
        weight = F.dropout(module.weight_hh_l0, self.weight_drop)
        return functional_call(module, {"weight_hh_l0": weight}, (x,), strict=False)[0]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x [batch, steps, input_dim], right-padded -> [batch, steps, output_dim]."""
        for i, layer in enumerate(self.layers):
            if i > 0:
                x = self.drop(x)
            outputs = [self.run(layer[0], x)]
            if len(layer) == 2:
                reversed_out = self.run(layer[1], reverse_padded(x, lengths))
                outputs.append(reverse_padded(reversed_out, lengths))
            x = torch.cat(outputs, dim=-1)
        return x

    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """One unpadded sequence x [steps, input_dim] through the written-out equations.

        Returns {"layer{i}.{direction}.{name}": [steps, hidden_dim]} (see cells.TRACED)."""
        traces = {}
        for i, layer in enumerate(self.layers):
            outputs = []
            for direction, module in zip(self.directions, layer):
                inputs = x if direction == "forward" else x.flip(0)
                trace = trace_layer(module, inputs)
                if direction == "backward":
                    trace = {name: values.flip(0) for name, values in trace.items()}
                traces.update({f"layer{i}.{direction}.{name}": v for name, v in trace.items()})
                outputs.append(trace["h"])
            x = torch.cat(outputs, dim=-1)
        return traces
