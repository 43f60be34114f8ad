"""The one inference API: `models.load(path)` returns the predictor for the checkpoint's task."""

from pathlib import Path

from models.captioning import CaptioningPredictor
from models.checkpoint import CheckpointError, read
from models.sentiment import SentimentPredictor
from models.translation import TranslationPredictor

PREDICTORS = {
    "sentiment": SentimentPredictor,
    "translation": TranslationPredictor,
    "captioning": CaptioningPredictor,
}

__all__ = ["CheckpointError", "load"]


def load(path: str | Path, task: str | None = None):
    """Load a checkpoint; raise CheckpointError with the fixing command if it cannot be used."""
    checkpoint = read(path, task)
    predictor = PREDICTORS.get(checkpoint["task"]) if isinstance(checkpoint["task"], str) else None
    if predictor is None:
        raise CheckpointError(f"{path}: unknown task {checkpoint['task']!r}.")
    try:
        return predictor.from_checkpoint(checkpoint)
    except Exception as error:  # any malformed content: config, vocabulary or weights
        raise CheckpointError(
            f"{path} does not fit this code's {checkpoint['task']} model "
            f"({type(error).__name__}: {str(error)[:200]}). Retrain it with this version."
        ) from None
