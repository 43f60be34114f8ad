"""The one inference API: `models.load(path)` returns the predictor for the checkpoint's task."""

from pathlib import Path

from models.checkpoint import CheckpointError, read
from models.sentiment import SentimentPredictor

PREDICTORS = {"sentiment": SentimentPredictor}

__all__ = ["CheckpointError", "load"]


def load(path: str | Path, task: str | None = None):
    """Load a checkpoint; raise CheckpointError with the fixing command if it cannot be used."""
    checkpoint = read(path, task)
    if checkpoint["task"] not in PREDICTORS:
        raise CheckpointError(f"{path}: unknown task {checkpoint['task']!r}.")
    try:
        return PREDICTORS[checkpoint["task"]].from_checkpoint(checkpoint)
    except (TypeError, KeyError, RuntimeError) as error:
        raise CheckpointError(
            f"{path} does not match this code's {checkpoint['task']} model ({error}). "
            "Retrain it with this version."
        ) from None
