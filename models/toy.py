"""A three-unit vanilla RNN, small enough to print every weight and every vector of every step."""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.adam import Adam
from models.cells import trace_layer
from models.errors import InputError


@dataclass(frozen=True)
class Unfolded:
    letters: list[str]  # the input alphabet; x_t is a one-hot vector over it
    inputs: str  # the letters read, one per step
    x: np.ndarray  # [steps, letters]
    h: np.ndarray  # [steps + 1, units]: h_0 (zeros) first
    y: np.ndarray  # [steps, letters]: softmax(W_y h_t + b_y), the next letter's probabilities
    W_x: np.ndarray  # [units, letters]
    W_h: np.ndarray  # [units, units]
    b: np.ndarray  # [units]
    W_y: np.ndarray  # [letters, units]
    b_y: np.ndarray  # [letters]


class ToyRNN(nn.Module):
    """h_t = tanh(W_x x_t + W_h h_{t-1} + b), y_t = softmax(W_y h_t + b_y), over one-hot letters."""

    def __init__(self, letters: str, units: int = 3):
        super().__init__()
        self.letters = sorted(set(letters))
        self.cell = nn.RNN(len(self.letters), units, batch_first=True)
        self.readout = nn.Linear(units, len(self.letters))

    def one_hot(self, text: str) -> torch.Tensor:
        unknown = sorted(set(text) - set(self.letters))
        if unknown:
            raise InputError(
                "Letters {unknown} are not in the alphabet {alphabet}.",
                "toy.not_in_alphabet",
                unknown=unknown,
                alphabet="".join(self.letters),
            )
        index = torch.tensor([self.letters.index(c) for c in text])
        return F.one_hot(index, len(self.letters)).float()

    def fit(self, word: str, steps: int = 300, lr: float = 0.05) -> "ToyRNN":
        """Learn to predict each next letter of `word` (a few hundred tiny steps, well under a second)."""
        inputs, targets = (
            self.one_hot(word[:-1])[None],
            torch.tensor([self.letters.index(c) for c in word[1:]]),
        )
        optimizer = Adam(self.parameters(), lr=lr)
        for _ in range(steps):
            loss = F.cross_entropy(self.readout(self.cell(inputs)[0][0]), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return self

    @torch.no_grad()
    def unfold(self, text: str) -> Unfolded:
        """Run the written-out cell over `text`, one step per letter, and keep every vector."""
        x = self.one_hot(text)
        h = trace_layer(self.cell, x)["h"]
        y = self.readout(h).softmax(dim=-1)
        return Unfolded(
            letters=self.letters,
            inputs=text,
            x=x.numpy(),
            h=torch.cat([torch.zeros(1, self.cell.hidden_size), h]).numpy(),
            y=y.numpy(),
            W_x=self.cell.weight_ih_l0.numpy().copy(),
            W_h=self.cell.weight_hh_l0.numpy().copy(),
            b=(self.cell.bias_ih_l0 + self.cell.bias_hh_l0).numpy(),
            W_y=self.readout.weight.numpy().copy(),
            b_y=self.readout.bias.numpy().copy(),
        )


def hello_rnn(seed: int = 0) -> ToyRNN:
    """Karpathy's classic: three units learn the next letter of "hello" (h->e, e->l, l->l or o)."""
    torch.manual_seed(seed)
    return ToyRNN("helo").fit("hello")
