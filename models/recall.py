"""The recall task, trained live: recall the first symbol after N distractors (rnn vs lstm vs gru)."""

from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from models.adam import Adam
from models.cells import FUSED

SYMBOLS = 8  # the symbols one may have to remember
CHANCE = 1 / SYMBOLS  # the accuracy of a guess
CHANNELS = SYMBOLS + 2  # one-hot symbol, a "remember this" flag, a "recall now" cue
# The run the page starts with, and the recording made of it (python -m training.recall)
DISTRACTORS, STEPS, SEED = 60, 400, 0


@dataclass(frozen=True)
class RecallStep:
    cell: str
    step: int
    loss: float
    accuracy: float


def recall_batch(
    distractors: int, batch: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences of 1 + distractors + 1 steps: the flagged symbol to remember, random symbols,
    then the cue. Returns inputs [batch, steps, CHANNELS] and the first symbols [batch]."""
    symbols = torch.randint(SYMBOLS, (batch, distractors + 1), generator=generator)
    inputs = F.one_hot(symbols, CHANNELS).float()
    inputs[:, 0, SYMBOLS] = 1.0  # remember this one
    cue = F.one_hot(torch.full((batch, 1), SYMBOLS + 1), CHANNELS).float()
    return torch.cat([inputs, cue], dim=1), symbols[:, 0]


# Gated cells start out keeping their state: the LSTM writes little (input gate sigmoid(-3) = 0.05) and
# forgets little (forget gate sigmoid(5) = 0.993) until it learns what to store; the GRU keeps its
# state (update gate 0.993). Initial gate biases as in Gers et al. (2000) and Jozefowicz et al. (2015).
GATE_BIASES = {"lstm": {0: -3.0, 1: 5.0}, "gru": {1: 5.0}}  # gate (chunk of the weights) -> bias


class RecallModel(nn.Module):
    def __init__(self, cell: str, hidden_dim: int = 32):
        super().__init__()
        self.recurrent = FUSED[cell](CHANNELS, hidden_dim, batch_first=True)
        self.readout = nn.Linear(hidden_dim, SYMBOLS)
        with torch.no_grad():
            for gate, bias in GATE_BIASES.get(cell, {}).items():
                rows = slice(gate * hidden_dim, (gate + 1) * hidden_dim)
                self.recurrent.bias_ih_l0[rows] = bias
                self.recurrent.bias_hh_l0[rows] = 0.0

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """inputs [batch, steps, CHANNELS] -> logits of the first symbol, read from h_T [batch, SYMBOLS]."""
        return self.readout(self.recurrent(inputs)[0][:, -1])


def train_recall(
    cells: list[str],
    distractors: int = DISTRACTORS,
    steps: int = STEPS,
    seed: int = SEED,
    batch: int = 32,
    lr: float = 1e-2,
) -> Iterator[RecallStep]:
    """Train one model per cell on the same batches, step by step, yielding each one's progress."""
    torch.manual_seed(seed)
    models = {cell: RecallModel(cell) for cell in cells}
    optimizers = {cell: Adam(m.parameters(), lr=lr) for cell, m in models.items()}
    generator = torch.Generator().manual_seed(seed)
    for step in range(1, steps + 1):
        inputs, targets = recall_batch(distractors, batch, generator)
        for cell, model in models.items():
            logits = model(inputs)
            loss = F.cross_entropy(logits, targets)
            optimizers[cell].zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizers[cell].step()
            accuracy = (logits.argmax(dim=-1) == targets).float().mean().item()
            yield RecallStep(cell, step, loss.item(), accuracy)
