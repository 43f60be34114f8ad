"""Greedy decoding and batched beam search over any decoder's one-token step function."""

from collections.abc import Callable

import torch
import torch.nn.functional as F

PAD, UNK, BOS, EOS = 0, 1, 2, 3  # the ids every decoder vocabulary reserves

# step(tokens [rows], cell state, attended) -> (logits [rows, vocab], next cell state). `attended`
# (what the decoder attends to) has a .select(rows); the cell state is a fused cell's (see select_state).
Step = Callable[[torch.Tensor, object, object], tuple[torch.Tensor, object]]


def greedy(step: Step, state, attended, max_length: int) -> list[list[int]]:
    """The most likely token at every step, until EOS or max_length."""
    batch = _rows(state)
    tokens = torch.full((batch,), BOS)
    outputs, done = [], torch.zeros(batch, dtype=torch.bool)
    for _ in range(max_length):
        logits, state = step(tokens, state, attended)
        tokens = logits.argmax(dim=-1)
        outputs.append(tokens)
        done |= tokens == EOS
        if done.all():
            break
    return [until_eos(row) for row in torch.stack(outputs, dim=1).tolist()]


def beam_search(step: Step, state, attended, beam_size: int, max_length: int):
    """Batched beam search: every input's beams advance together as one batch of rows.

    Returns, per input, its beams as (token ids, length-normalised log-probability), best first."""
    batch = _rows(state)
    rows = torch.arange(batch).repeat_interleave(beam_size)  # beam b of input i is row i * K + b
    state, attended = select_state(state, rows), attended.select(rows)  # beams never leave their input's rows
    scores = torch.full((batch, beam_size), float("-inf"))
    scores[:, 0] = 0.0  # all beams start identical: keep one
    tokens = torch.full((batch * beam_size,), BOS)
    history = torch.zeros(batch * beam_size, 0, dtype=torch.long)
    finished = torch.zeros(batch * beam_size, dtype=torch.bool)
    lengths = torch.zeros(batch * beam_size)
    for _ in range(max_length):
        logits, state = step(tokens, state, attended)
        log_probs = F.log_softmax(logits, dim=-1)  # [batch * K, vocab]
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


def until_eos(ids: list[int]) -> list[int]:
    return ids[: ids.index(EOS)] if EOS in ids else ids


def select_state(state, index: torch.Tensor):
    """Rows `index` of a fused cell's state [layers, batch, hidden] (a tensor, or the LSTM's (h, c))."""
    if isinstance(state, tuple):
        return tuple(s[:, index] for s in state)
    return state[:, index]


def _rows(state) -> int:
    return (state[0] if isinstance(state, tuple) else state).size(1)
