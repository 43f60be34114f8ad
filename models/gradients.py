"""Backpropagation through time, measured: how much of the output's gradient reaches each earlier step."""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from models.cells import trace_layer
from models.sentiment import SentimentPredictor


@dataclass(frozen=True)
class GradientTrace:
    tokens: list[str]
    hidden: np.ndarray  # [steps]: ||dy/dh_k||, every path from h_k to the output included
    inputs: np.ndarray  # [steps]: ||dy/dx_k||, x_k the embedding of token k
    recurrent_weight: float  # ||dy/dW_h||: what one training step would change W_h by, before clipping
    spectral_radius: float  # of the W_h the run used (vanilla cell only; nan for gated cells)


def spectral_radius(matrix: torch.Tensor) -> float:
    return float(torch.linalg.eigvals(matrix.double()).abs().max())


def scaled_layer(layer: nn.RNNBase, radius: float) -> nn.RNNBase:
    """A copy of a vanilla RNN layer whose W_h is rescaled to the given spectral radius."""
    assert isinstance(layer, nn.RNN), "only the vanilla cell has a single W_h to rescale"
    copy = nn.RNN(layer.input_size, layer.hidden_size, nonlinearity=layer.nonlinearity)
    copy.load_state_dict(layer.state_dict())
    with torch.no_grad():
        copy.weight_hh_l0.mul_(radius / spectral_radius(copy.weight_hh_l0))
    return copy


def gradient_through_time(
    predictor: SentimentPredictor, text: str, radius: float | None = None
) -> GradientTrace:
    """Gradients of y, the classifier's read of the final state h_T (y = w . h_T), with respect
    to every earlier state and input: the signal BPTT sends back through the recurrence alone.

    `radius` rescales a vanilla cell's W_h to that spectral radius first (exploding gradients)."""
    model = predictor.model
    if model.config.num_layers != 1 or model.config.bidirectional or not model.config.pool_last:
        raise ValueError("Gradients through time need a one-layer, one-direction model that reads h_T.")
    tokens, ids, _ = predictor.encode(text)
    layer = model.encoder.layers[0][0]
    layer = scaled_layer(layer, radius) if radius is not None else layer
    with torch.enable_grad():
        inputs = model.embedding(torch.tensor(ids)).detach().requires_grad_(True)  # [steps, embedding]
        offsets = torch.zeros(len(ids), layer.hidden_size, requires_grad=True)
        h = trace_layer(layer, inputs, offsets=offsets)["h"]  # [steps, hidden]
        read_last = model.classifier.weight[0, -layer.hidden_size :]  # the part that reads h_T
        y = h[-1] @ read_last
        d_offsets, d_inputs, d_weight = torch.autograd.grad(y, [offsets, inputs, layer.weight_hh_l0])
    return GradientTrace(
        tokens=tokens,
        hidden=d_offsets.norm(dim=-1).numpy(),
        inputs=d_inputs.norm(dim=-1).numpy(),
        recurrent_weight=float(d_weight.norm()),
        spectral_radius=spectral_radius(layer.weight_hh_l0.detach()) if isinstance(layer, nn.RNN) else np.nan,
    )
