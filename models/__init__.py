"""The one inference API: `models.load(path)` returns the predictor for the checkpoint's task."""

import dataclasses
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn

from models.atlas import AtlasError
from models.captioning import Captioner, CaptioningConfig, CaptioningPredictor
from models.checkpoint import CheckpointError, read
from models.sentiment import SentimentConfig, SentimentModel, SentimentPredictor
from models.text import PAD, UNK, Embedding
from models.translation import Seq2Seq, TranslationConfig, TranslationPredictor

__all__ = ["AtlasError", "CheckpointError", "Predictor", "load"]


@runtime_checkable
class Predictor(Protocol):
    """What every task's predictor offers pages, tests, benchmarks and the evaluation CLI."""

    task: str
    config: Any  # the task's config dataclass
    info: dict  # the checkpoint's "train" and "metrics"
    model: nn.Module

    @classmethod
    def from_checkpoint(cls, checkpoint: dict) -> "Predictor": ...

    def to_checkpoint(self) -> dict: ...

    def analyze(self, *inputs, **options) -> Any: ...


# task -> (predictor, its config, its model, the vocabulary entries a checkpoint must hold)
TASKS = {
    "sentiment": (SentimentPredictor, SentimentConfig, SentimentModel, {"words"}),
    "translation": (TranslationPredictor, TranslationConfig, Seq2Seq, {"sentencepiece"}),
    "captioning": (CaptioningPredictor, CaptioningConfig, Captioner, {"words"}),
}


def load(path: str | Path, task: str | None = None) -> Predictor:
    """Load a checkpoint; raise CheckpointError with the fixing command if the file cannot be used.
    Content is checked before the model is built, so any other error is a bug in this code."""
    checkpoint = read(path, task)
    if not isinstance(checkpoint["task"], str) or checkpoint["task"] not in TASKS:
        raise CheckpointError(f"{path}: unknown task {checkpoint['task']!r}.")
    predictor = TASKS[checkpoint["task"]][0]
    try:
        _check_fits(checkpoint)
        loaded = predictor.from_checkpoint(checkpoint)
    except CheckpointError as error:
        raise CheckpointError(
            f"{path} is not a usable checkpoint for this code's {checkpoint['task']} model: {error} "
            "Retrain it with this version."
        ) from None
    loaded.path = Path(path)  # side files, such as a sentiment model's atlas, lie beside it
    _keep_half_tables(loaded.model, checkpoint["state_dict"])
    return loaded


def _keep_half_tables(model: nn.Module, stored: dict) -> None:
    """Embedding tables back in float16 where the file stores them so: the values are the file's,
    in half the memory. Not in `from_checkpoint`, which also starts training runs (--init)."""
    for name, module in model.named_modules():
        if isinstance(module, Embedding) and stored[f"{name}.weight"].dtype == torch.float16:
            module.half()


def _check_fits(checkpoint: dict) -> None:
    """CheckpointError unless config, vocabulary and weights have the names and shapes this code's
    model has, built from its config and thrown away. (Not on the meta device: an embedding made
    there imports torch's symbolic machinery, 150 MB that would stay resident in the app.)"""
    _, config_class, model_class, vocab_keys = TASKS[checkpoint["task"]]
    config, vocab, weights = checkpoint["config"], checkpoint["vocab"], checkpoint["state_dict"]
    fields = {field.name for field in dataclasses.fields(config_class)}
    required = {f.name for f in dataclasses.fields(config_class) if f.default is dataclasses.MISSING}
    if not isinstance(config, dict) or not required <= set(config) <= fields:  # newer settings: defaults
        unknown = (
            sorted((set(config) - fields) | (required - set(config))) if isinstance(config, dict) else config
        )
        raise CheckpointError(f"its config differs in {unknown}.")
    if not isinstance(vocab, dict) or not vocab_keys <= set(vocab):
        raise CheckpointError(f"its vocabulary lacks {sorted(vocab_keys)}.")
    words = vocab.get("words", [PAD, UNK])
    if not isinstance(words, list) or words[:2] != [PAD, UNK]:
        raise CheckpointError(f"its word list does not start with {PAD} and {UNK}.")
    try:
        expected = model_class(config_class(**config)).state_dict()
    except (TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"its config cannot build the model ({error}).") from None
    shapes = {name: tuple(tensor.shape) for name, tensor in expected.items()}
    if (
        not isinstance(weights, dict)
        or {k: tuple(getattr(v, "shape", ())) for k, v in weights.items()} != shapes
    ):
        raise CheckpointError("its weights have other names or shapes than the model its config describes.")
