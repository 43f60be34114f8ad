"""The one inference API: `models.load(path)` returns the predictor for the checkpoint's task."""

from pathlib import Path

import torch
from torch import nn

from models.atlas import AtlasError
from models.captioning import CaptioningPredictor
from models.checkpoint import CheckpointError, named, read
from models.predictor import Predictor
from models.sentiment import SentimentPredictor
from models.states import StatesError
from models.text import Embedding
from models.translation import TranslationPredictor

__all__ = ["AtlasError", "CheckpointError", "Predictor", "StatesError", "load"]


TASKS = {cls.task: cls for cls in (SentimentPredictor, TranslationPredictor, CaptioningPredictor)}


def load(path: str | Path, task: str | None = None, data: bytes | None = None) -> Predictor:
    """Load a checkpoint (from `data`, an upload's bytes, if given: `path` then names it and no file is
    read); raise CheckpointError with the fixing command if it cannot be used, or if it holds another
    task's model than `task` (None: any). The content is checked as the predictor is built, so any
    other error is a bug in this code."""
    checkpoint = read(path, task, data)
    shown = named(Path(path), data)
    if not isinstance(checkpoint["task"], str) or checkpoint["task"] not in TASKS:
        raise CheckpointError(
            "{path}: unknown task {task}.",
            "checkpoint.unknown_task",
            path=shown,
            task=repr(checkpoint["task"]),
        )
    try:
        loaded = TASKS[checkpoint["task"]].from_checkpoint(checkpoint)
    except CheckpointError as error:
        raise CheckpointError(
            "{path} is not a usable checkpoint for this code's {task} model: {error} "
            "Retrain it with this version.",
            "checkpoint.unusable",
            path=shown,
            task=checkpoint["task"],
            error=error,
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
