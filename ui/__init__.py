"""Streamlit-only helpers shared by pages: cached model loading and friendly errors."""

import os
from pathlib import Path

import streamlit as st

import models
from models.checkpoint import TRAIN_COMMANDS

# Tests point the app at fixture checkpoints through this variable.
CHECKPOINTS = Path(os.environ.get("UNFOLD_CHECKPOINTS", "checkpoints"))


@st.cache_resource(show_spinner="Loading the model…", max_entries=8)
def _load(path: str, modified: float):
    return models.load(path)


def checkpoint_path(name: str) -> Path:
    return CHECKPOINTS / f"{name}.pt"


def load_model(name: str, task: str | None = None):
    """The shared predictor for checkpoints/<name>.pt, or a message and st.stop() if it is unusable."""
    path = checkpoint_path(name)
    task = task or name
    try:
        predictor = _load(str(path), path.stat().st_mtime if path.exists() else 0.0)
        if predictor.task != task:
            raise models.CheckpointError(f"{path} holds a {predictor.task!r} model, not {task!r}.")
        return predictor
    except models.CheckpointError as error:
        st.error(f"The {task} model cannot be loaded. {error}")
        st.info(
            f"To create it, run `{TRAIN_COMMANDS.get(task, 'make train-' + task)}` in the project folder."
        )
        st.stop()


STRUCTURE = {"sentiment": "many to one", "translation": "many to many", "captioning": "one to many"}


def model_table() -> list[dict]:
    """One row per checkpoint in CHECKPOINTS: task, cell, size and validation metrics."""
    rows = []
    for path in sorted(CHECKPOINTS.glob("*.pt")):
        if path.name.endswith(".resume.pt"):
            continue
        try:
            predictor = _load(str(path), path.stat().st_mtime)
        except models.CheckpointError as error:
            rows.append({"checkpoint": path.name, "task": "unusable", "validation metrics": str(error)})
            continue
        config = predictor.config
        direction = "bi" if config.bidirectional else ""
        metrics = predictor.info.get("metrics", {})
        rows.append(
            {
                "checkpoint": path.name,
                "task": f"{predictor.task} ({STRUCTURE.get(predictor.task, '')})",
                "cell": f"{config.num_layers}×{direction}{config.cell.upper()} {config.hidden_dim}",
                "parameters": f"{sum(p.numel() for p in predictor.model.parameters()) / 1e6:.1f} M",
                "file size": f"{path.stat().st_size / 2**20:.1f} MB",
                "validation metrics": ", ".join(
                    f"{name} accuracy {m['accuracy']:.3f}"
                    for name, m in metrics.items()
                    if isinstance(m, dict)
                ),
            }
        )
    return rows
