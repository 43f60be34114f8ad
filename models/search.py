"""What every decoder shares: greedy and batched beam search over its one-token step function (after
an optional forced prefix, never writing UNK), the likeliest tokens at each step, and the connectivity of
outputs over inputs."""

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from models.text import BOS, EOS, PAD, UNK

# step(tokens [rows], cell state, attended) -> (logits [rows, vocab], next cell state). `attended`
# (what the decoder attends to) has a .select(rows); the cell state is a fused cell's (see select_state).
Step = Callable[[torch.Tensor, object, object], tuple[torch.Tensor, object]]


def force(step: Step, state, attended, prefix: Sequence[int]) -> tuple[object, torch.Tensor, torch.Tensor]:
    """Teacher-force BOS + prefix: the state that reads the prefix's last token next, that token (BOS
    for no prefix) per row, and the prefix's log-probability per row."""
    rows = _rows(state)
    tokens, log_prob = torch.full((rows,), BOS), torch.zeros(rows)
    for token in prefix:
        logits, state = step(tokens, state, attended)
        log_prob = log_prob + F.log_softmax(known(logits), dim=-1)[:, token]
        tokens = torch.full((rows,), token)
    return state, tokens, log_prob


def greedy(step: Step, state, attended, max_length: int, prefix: Sequence[int] = ()) -> list[list[int]]:
    """The prefix, then the most likely token at every step until EOS or max_length tokens in all (at
    least one after the prefix)."""
    state, tokens, _ = force(step, state, attended, prefix)
    batch = _rows(state)
    outputs, done = [torch.full((batch,), token) for token in prefix], torch.zeros(batch, dtype=torch.bool)
    for _ in range(max(max_length - len(prefix), 1)):
        logits, state = step(tokens, state, attended)
        tokens = known(logits).argmax(dim=-1)
        outputs.append(tokens)
        done |= tokens == EOS
        if done.all():
            break
    return [until_eos(row) for row in torch.stack(outputs, dim=1).tolist()]


def sample(step: Step, state, attended, max_length: int) -> list[list[int]]:
    """Each row's tokens drawn one at a time from the decoder's distribution until EOS or max_length
    tokens; torch's random generator decides. Never UNK, and never PAD or BOS, which argmax and beams
    never reach but a draw could."""
    batch, banned = _rows(state), torch.tensor([PAD, BOS])
    tokens, outputs, done = torch.full((batch,), BOS), [], torch.zeros(batch, dtype=torch.bool)
    for _ in range(max_length):
        logits, state = step(tokens, state, attended)
        allowed = known(logits).index_fill(-1, banned.to(logits.device), float("-inf"))
        tokens = torch.multinomial(F.softmax(allowed, dim=-1), 1).squeeze(-1)
        outputs.append(tokens)
        done |= tokens == EOS
        if done.all():
            break
    return [until_eos(row) for row in torch.stack(outputs, dim=1).tolist()]


def beam_search(step: Step, state, attended, beam_size: int, max_length: int, prefix: Sequence[int] = ()):
    """Batched beam search: every input's beams advance together as one batch of rows, from the forced
    prefix on (which counts in the score and the length, as generated tokens do).

    Returns, per input, its beams as (token ids, length-normalised log-probability), best first."""
    batch = _rows(state)
    state, tokens, forced = force(step, state, attended, prefix)  # before the beams: once per input
    rows = torch.arange(batch).repeat_interleave(beam_size)  # beam b of input i is row i * K + b
    state, attended = select_state(state, rows), attended.select(rows)  # beams never leave their input's rows
    tokens = tokens[rows]
    scores = torch.full((batch, beam_size), float("-inf"))
    scores[:, 0] = forced  # all beams start identical: keep one
    history = torch.tensor(prefix, dtype=torch.long).repeat(batch * beam_size, 1)  # [batch * K, len(prefix)]
    finished = torch.zeros(batch * beam_size, dtype=torch.bool)
    lengths = torch.full((batch * beam_size,), float(len(prefix)))
    for _ in range(max(max_length - len(prefix), 1)):
        logits, state = step(tokens, state, attended)
        log_probs = F.log_softmax(known(logits), dim=-1)  # [batch * K, vocab]
        vocab = log_probs.size(-1)
        log_probs[finished] = float("-inf")
        log_probs[finished, PAD] = 0.0  # a finished beam carries on unchanged
        total = (scores.view(-1, 1) + log_probs).view(batch, beam_size * vocab)
        scores, flat = total.topk(beam_size, dim=-1)  # [batch, K]
        origin = (torch.arange(batch)[:, None] * beam_size + flat // vocab).view(-1)
        tokens = (flat % vocab).view(-1)
        history = torch.cat([history[origin], tokens[:, None]], dim=1)
        lengths = lengths[origin] + (~finished[origin]).float()
        finished = finished[origin] | (tokens == EOS)
        state = select_state(state, origin)
        if finished.all():
            break
    normalised = (scores.view(-1) / lengths.clamp(min=1)).view(batch, beam_size)
    results = []
    for i in range(batch):
        order = normalised[i].argsort(descending=True).tolist()
        beams = history[i * beam_size : (i + 1) * beam_size].tolist()
        results.append([(until_eos(beams[b]), normalised[i, b].item()) for b in order])
    return results


def known(logits: torch.Tensor) -> torch.Tensor:
    """Logits [rows, vocab] that never choose UNK: a text shown to a person holds no placeholder, and
    the probability of the words that remain is renormalised."""
    return logits.index_fill(-1, torch.tensor([UNK], device=logits.device), float("-inf"))


def most_probable(logits: torch.Tensor, count: int = 5) -> list[list[tuple[int, float]]]:
    """Per row of logits [steps, vocab], the `count` most probable tokens as (id, probability)."""
    probabilities, ids = logits.softmax(dim=-1).topk(min(count, logits.size(-1)), dim=-1)
    return [
        list(zip(row_ids, row_probabilities))
        for row_ids, row_probabilities in zip(ids.tolist(), probabilities.tolist())
    ]


def connectivity(log_probs: torch.Tensor, inputs: torch.Tensor) -> np.ndarray:
    """For each output's log-probability (log_probs [outputs], computed from inputs [1, items, dim]),
    the L2 norm of its gradient w.r.t. each input item, normalised to sum to 1: [outputs, items].

    One backward pass, batched over the outputs (autograd's vmap), instead of one pass per output."""
    if log_probs.numel() == 0:
        return np.zeros((0, inputs.size(1)), np.float32)
    one_hot = torch.eye(len(log_probs), dtype=log_probs.dtype)
    (gradients,) = torch.autograd.grad(log_probs, inputs, one_hot, is_grads_batched=True)
    norms = gradients[:, 0].norm(dim=-1)  # [outputs, items]
    return (norms / norms.sum(dim=-1, keepdim=True).clamp(min=torch.finfo(norms.dtype).tiny)).numpy()


def on_device(step: Step, device: torch.device) -> Step:
    """`step` for a model whose weights are on `device`: the searches keep tokens and scores on the CPU."""
    if device.type == "cpu":
        return step

    def moved(tokens: torch.Tensor, state, attended) -> tuple[torch.Tensor, object]:
        logits, state = step(tokens.to(device), state, attended)
        return logits.cpu(), state

    return moved


def until_eos(ids: list[int]) -> list[int]:
    return ids[: ids.index(EOS)] if EOS in ids else ids


def select_state(state, index: torch.Tensor):
    """Rows `index` of a fused cell's state [layers, batch, hidden] (a tensor, or the LSTM's (h, c))."""
    if isinstance(state, tuple):
        return tuple(s[:, index] for s in state)
    return state[:, index]


def _rows(state) -> int:
    return (state[0] if isinstance(state, tuple) else state).size(1)
