"""The RNN, LSTM and GRU step equations written out, run on the weights of a fused layer.

Training runs PyTorch's fused `nn.RNN` / `nn.LSTM` / `nn.GRU`; the heatmaps need what the fused
kernels hide (cell state, gates). `trace_layer` runs the *same* parameters through the textbook
equations and returns every intermediate. A test pins both paths together. `CELL_NAMES` and
`QUANTITIES` say what a page calls each cell and each traced quantity, `state_label` each traced
state ("update gate z_t, decoder").
"""

import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

FUSED = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
CELL_NAMES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}  # each cell of FUSED as people call it

# What `trace_layer` returns per cell type, besides the hidden state h.
TRACED = {
    "rnn": ("h",),
    "lstm": ("h", "c", "input_gate", "forget_gate", "candidate", "output_gate"),
    "gru": ("h", "reset_gate", "update_gate", "candidate"),
}


@dataclass(frozen=True)
class Quantity:
    """A traced quantity as a page names and explains it."""

    label: str  # "forget gate f_t"
    meaning: str  # one sentence: what it does, and its range
    bounds: tuple[float, float] | None  # the range its values stay in; None: unbounded


# Every name of TRACED, in the order a page lists them.
QUANTITIES = {
    "h": Quantity(
        "hidden state h_t", "The state the next step and the classifier see, between -1 and 1.", (-1.0, 1.0)
    ),
    "c": Quantity(
        "cell state c_t (LSTM memory)",
        "The LSTM's memory: c_t = f_t * c_{t-1} + i_t * g_t, unbounded.",
        None,
    ),
    "input_gate": Quantity(
        "input gate i_t", "How much of the new candidate is written into memory (0 to 1).", (0.0, 1.0)
    ),
    "forget_gate": Quantity(
        "forget gate f_t", "How much of the old memory is kept: 1 keeps it, 0 erases it.", (0.0, 1.0)
    ),
    "candidate": Quantity(
        "candidate content", "The new content proposed from this token (g_t or n_t), -1 to 1.", (-1.0, 1.0)
    ),
    "output_gate": Quantity(
        "output gate o_t", "How much of the memory is shown as h_t = o_t * tanh(c_t).", (0.0, 1.0)
    ),
    "reset_gate": Quantity(
        "reset gate r_t", "How much of the old state the GRU's candidate may look at.", (0.0, 1.0)
    ),
    "update_gate": Quantity(
        "update gate z_t", "How much of the old state is kept: h_t = (1 - z_t) n_t + z_t h_{t-1}.", (0.0, 1.0)
    ),
}


def state_label(name: str) -> str:
    """A traced state as a page shows it: its quantity's label, then where it was traced.

    "encoder.layer0.forward.h" -> "hidden state h_t, encoder layer 0 forward", "decoder.update_gate" ->
    "update gate z_t, decoder"; a bare quantity ("c") -> its label alone.
    """
    stream, _, quantity = name.rpartition(".")
    label = QUANTITIES[quantity].label
    where = re.sub(r"layer(\d+)", r"layer \1", stream.replace(".", " "))
    return f"{label}, {where}" if stream else label


def cell_type(layer: nn.RNNBase) -> str:
    return {nn.RNN: "rnn", nn.LSTM: "lstm", nn.GRU: "gru"}[type(layer)]


def trace_layer(
    layer: nn.RNNBase,
    inputs: torch.Tensor,
    initial: torch.Tensor | None = None,
    initial_cell: torch.Tensor | None = None,
    offsets: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Run one single-layer, one-direction fused module step by step over `inputs` [steps, input_dim],
    from the hidden state `initial` and, for an LSTM, the cell state `initial_cell` (each [hidden_dim],
    zeros if None). `offsets` [steps, hidden_dim], added to each h_t before the next step reads it,
    are zeros whose gradient is the total gradient dL/dh_t (backpropagation through time).

    Returns {name: [steps, hidden_dim]} for every name in TRACED[cell]."""
    assert layer.num_layers == 1 and not layer.bidirectional and inputs.dim() == 2
    step = STEPS[cell_type(layer)]
    w_hh, b_hh = layer.weight_hh_l0, layer.bias_hh_l0
    x_proj = inputs @ layer.weight_ih_l0.T + layer.bias_ih_l0  # W_x x_t + b for every t at once
    zeros = inputs.new_zeros(layer.hidden_size)
    state = {
        "h": zeros if initial is None else initial,
        "c": zeros if initial_cell is None else initial_cell,
    }
    if offsets is None:
        return _all_steps_at_once(layer, inputs, x_proj, state)
    steps = []
    for t, x_t in enumerate(x_proj):
        state = step(x_t, w_hh @ state["h"] + b_hh, state)
        state = {**state, "h": state["h"] + offsets[t]}
        steps.append(state)
    return {name: torch.stack([s[name] for s in steps]) for name in TRACED[cell_type(layer)]}


def step_layer(layer: nn.RNNBase, x: torch.Tensor, state) -> tuple[torch.Tensor, object]:
    """One time step of a single-layer fused module over a batch x [batch, input_dim], through the
    written-out equations; `state` as the fused module keeps it ([1, batch, hidden], or (h, c) for
    an LSTM). Returns h_t [batch, hidden] and the new state.

    For one step at a time this beats calling the fused module, which on the CPU prepares its
    weights anew on every call (make bench measures both decoders)."""
    cell = cell_type(layer)
    h, c = (state[0][0], state[1][0]) if cell == "lstm" else (state[0], None)
    x_proj = F.linear(x, layer.weight_ih_l0, layer.bias_ih_l0)
    h_proj = F.linear(h, layer.weight_hh_l0, layer.bias_hh_l0)
    out = STEPS[cell](x_proj, h_proj, {"h": h, "c": c})
    return out["h"], (out["h"][None], out["c"][None]) if cell == "lstm" else out["h"][None]


def _all_steps_at_once(layer: nn.RNNBase, inputs: torch.Tensor, x_proj: torch.Tensor, initial: dict):
    """The fused kernel yields every h_t; given each step's h_{t-1}, the equations of all steps run
    as one batch. Only the LSTM's cell state, c_t = f_t c_{t-1} + i_t g_t, is left to a (cheap) loop."""
    h0, c0 = initial["h"], initial["c"]
    fused_state = (h0[None, None], c0[None, None]) if isinstance(layer, nn.LSTM) else h0[None, None]
    batch = inputs[None] if layer.batch_first else inputs[:, None]
    hidden = layer(batch, fused_state)[0].reshape(len(inputs), -1)  # [steps, hidden]
    h_prev = torch.cat([h0[None], hidden[:-1]])
    h_proj = h_prev @ layer.weight_hh_l0.T + layer.bias_hh_l0
    if not isinstance(layer, nn.LSTM):
        return STEPS[cell_type(layer)](x_proj, h_proj, {"h": h_prev})
    return _lstm_steps(x_proj + h_proj, c0)


def _rnn_step(x_t, h_proj, state):
    # h_t = tanh(W_x x_t + W_h h_{t-1} + b)
    return {"h": torch.tanh(x_t + h_proj)}


def _lstm_steps(pre_activations, c0):
    """The LSTM's equations over steps [steps, ..., 4 * hidden] of W_x x_t + W_h h_{t-1} + b (each
    step's h_{t-1} known): its gates at once, then the cell state step by step from c0."""
    i, f, g, o = pre_activations.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    written = i * g
    c_t, c = c0, []
    for f_t, written_t in zip(f.unbind(), written.unbind()):
        c_t = torch.addcmul(written_t, f_t, c_t)  # c_t = f_t c_{t-1} + i_t g_t: forget, then write
        c.append(c_t)
    c = torch.stack(c)
    h = o * torch.tanh(c)
    return {"h": h, "c": c, "input_gate": i, "forget_gate": f, "candidate": g, "output_gate": o}


def _lstm_step(x_t, h_proj, state):
    return {name: values[0] for name, values in _lstm_steps((x_t + h_proj)[None], state["c"]).items()}


def _gru_step(x_t, h_proj, state):
    x_r, x_z, x_n = x_t.chunk(3, dim=-1)
    h_r, h_z, h_n = h_proj.chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h = (1 - z) * n + z * state["h"]  # z keeps the old state, 1 - z takes the candidate
    return {"h": h, "reset_gate": r, "update_gate": z, "candidate": n}


STEPS = {"rnn": _rnn_step, "lstm": _lstm_step, "gru": _gru_step}
