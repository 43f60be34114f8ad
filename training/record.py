"""The training record a run keeps: what the model made of fixed probes at points of training, and
each epoch's confidence on kept training examples (dataset cartography); models/record.py reads it."""

from collections.abc import Callable

import numpy as np
import torch

from models.record import pack_texts, record_path, save


def due(step: int) -> bool:
    """Points recorded inside an epoch: before the first update and after 1, 2, 4, 8, ... updates, so
    the early changes are seen; every epoch's end is recorded besides."""
    return step & (step - 1) == 0


class Recorder:
    """Collects the record during `loop.fit` and writes it beside the checkpoint, ending at the
    weights the checkpoint keeps.

    `probe()` reads the model as it is now: {name: array} (a task's probe outputs and states, for
    sentiment each unit's held-out AUC too). `cartography()`, where a task has one, gives each kept
    training example's probability of its right label. `meta` and `arrays` hold what does not change
    (the probe texts, the kept examples)."""

    def __init__(
        self,
        probe: Callable[[], dict[str, np.ndarray]],
        meta: dict,
        arrays: dict[str, np.ndarray] | None = None,
        cartography: Callable[[], np.ndarray] | None = None,
    ):
        self.probe, self.cartography = probe, cartography
        self.meta, self.arrays = meta, arrays or {}
        self.points: list[tuple[int, dict[str, np.ndarray]]] = []  # (step, readings), steps increasing
        self.epochs: list[tuple[int, np.ndarray]] = []  # (step, P(right label) per kept example)

    def take(self, step: int) -> None:
        """Record the model at `step` (a later reading at the same step replaces it)."""
        readings = self.probe()
        self.points = [(s, r) for s, r in self.points if s != step] + [(step, readings)]

    def end_epoch(self, step: int) -> None:
        self.take(step)
        if self.cartography:
            self.epochs.append((step, self.cartography().astype(np.float16)))

    def write(self, out: str, weights: str) -> None:
        """The record up to the last point taken (the weights just saved to `out`, hashed as
        `weights`), beside `out`."""
        last = self.points[-1][0]
        arrays = dict(self.arrays)
        for k, (_, readings) in enumerate(self.points):
            arrays.update({f"point{k}/{name}": value for name, value in readings.items()})
        epochs = [(s, p) for s, p in self.epochs if s <= last]
        if epochs:
            arrays["cartography/probabilities"] = np.stack([p for _, p in epochs])
        meta = {
            **self.meta,
            "weights": weights,
            "steps": [s for s, _ in self.points],
            "epoch_steps": [s for s, _ in epochs],
        }
        save(record_path(out), meta, arrays)

    def state(self) -> dict:
        """What a resumed run needs, as tensors (resume files are read with weights only)."""
        return {
            "points": [(s, {n: torch.tensor(v) for n, v in r.items()}) for s, r in self.points],
            "epochs": [(s, torch.tensor(p)) for s, p in self.epochs],
        }

    def restore(self, state: dict) -> None:
        self.points = [(s, {n: v.numpy() for n, v in r.items()}) for s, r in state["points"]]
        self.epochs = [(s, p.numpy()) for s, p in state["epochs"]]


def decoder_recorder(predictor, probes: list, names: list[str], tokens: Callable) -> Recorder:
    """Translation and captioning: each probe's greedy output, its tokens (`tokens(analysis)`) and
    its attention at every point; `names` says what each probe is."""

    def probe() -> dict[str, np.ndarray]:
        analyses = [predictor.analyze(p, beam_size=1) for p in probes]
        readings = {f"outputs/{k}": v for k, v in pack_texts([a.text for a in analyses]).items()}
        for i, analysis in enumerate(analyses):
            readings.update({f"tokens{i}/{k}": v for k, v in pack_texts(tokens(analysis)).items()})
            readings[f"attention{i}"] = analysis.attention.astype(np.float16)
        return readings

    return Recorder(probe, {"task": predictor.task, "probes": names})
