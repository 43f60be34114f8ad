"""Streamlit-only helpers shared by pages: cached model loading and friendly errors."""

import os
from pathlib import Path

import pandas as pd
import streamlit as st
import torch

import models
from models.checkpoint import train_command

# Streamlit runs each session's script in its own thread; one torch thread per request keeps
# concurrent sessions from fighting over the cores. `analyze`, which the pages call, is as fast
# on one thread as on two (make bench).
torch.set_num_threads(1)

# Tests point the app at fixture checkpoints through this variable.
CHECKPOINTS = Path(os.environ.get("UNFOLD_CHECKPOINTS", "checkpoints"))
STRUCTURE = {"sentiment": "many to one", "translation": "many to many", "captioning": "one to many"}


@st.cache_resource(show_spinner="Loading the model…", max_entries=8)
def _load(path: str, task: str | None, modified: float):
    return models.load(path, task)


def _load_path(path: Path, task: str | None = None):
    return _load(str(path), task, path.stat().st_mtime if path.exists() else 0.0)


def load_model(name: str, task: str | None):
    """The shared predictor for checkpoints/<name>.pt (of `task`, or any task if None), or a message
    and st.stop() if it is unusable."""
    path = CHECKPOINTS / f"{name}.pt"
    try:
        return _load_path(path, task)
    except models.CheckpointError as error:
        st.error(f"The {name} model cannot be loaded. {error}")
        st.info(f"To create it, run `{train_command(path, task)}` in the project folder.")
        st.stop()


def checkpoint_names() -> list[str]:
    """The checkpoints in CHECKPOINTS by name, the only ones a page offers."""
    return sorted(path.stem for path in CHECKPOINTS.glob("*.pt") if not path.name.endswith(".resume.pt"))


def model_table() -> list[dict]:
    """One row per checkpoint in CHECKPOINTS: task, cell, size and validation metrics."""
    rows = []
    for path in (CHECKPOINTS / f"{name}.pt" for name in checkpoint_names()):
        try:
            rows.append(_describe(path, _load_path(path)))
        except models.CheckpointError as error:
            rows.append({"checkpoint": path.name, "task": "unusable", "validation metrics": str(error)})
    return rows


def _describe(path: Path, predictor) -> dict:
    config = predictor.config
    direction = "bi" if getattr(config, "bidirectional", False) else ""
    layers = getattr(config, "num_layers", 1)
    return {
        "checkpoint": path.name,
        "task": f"{predictor.task} ({STRUCTURE.get(predictor.task, '')})",
        "cell": f"{layers}×{direction}{config.cell.upper()} {config.hidden_dim}",
        "parameters": f"{sum(p.numel() for p in predictor.model.parameters()) / 1e6:.1f} M",
        "file size": f"{path.stat().st_size / 2**20:.1f} MB",
        "validation metrics": _metrics_text(predictor.info.get("metrics", {})),
    }


def _metrics_text(metrics: dict) -> str:
    """'imdb accuracy 0.916, sst2 accuracy 0.843', 'BLEU 36.1 (greedy)' or 'BLEU-4 0.210 (beam 3)'."""
    if isinstance(metrics.get("bleu4"), float):
        return f"BLEU-4 {metrics['bleu4']:.3f} (beam {metrics.get('beam_size', 1)})"
    if isinstance(metrics.get("bleu"), float):
        beam = metrics.get("beam_size", 1)
        return f"BLEU {metrics['bleu']:.1f} ({'greedy' if beam == 1 else f'beam {beam}'})"
    return ", ".join(
        f"{name} accuracy {m['accuracy']:.3f}"
        for name, m in metrics.items()
        if isinstance(m, dict) and isinstance(m.get("accuracy"), float)
    )


def example_picker(examples: dict[str, str], key: str, target: str, placeholder: str) -> None:
    """A select box whose choice fills the text widget with key `target` (shown by label)."""

    def fill() -> None:
        st.session_state[target] = examples[st.session_state[key]]

    st.selectbox(
        "Try an example", list(examples), index=None, key=key, on_change=fill, placeholder=placeholder
    )


def beam_ui(candidates: list[tuple[str, float]], output: str, unit: str) -> None:
    """The final beam of a decoder as a table, best first."""
    st.subheader("The final beam")
    st.caption(f"Every {output} beam search kept, scored by log-probability per {unit} (higher is better).")
    frame = pd.DataFrame(candidates, columns=[output, "score"])
    st.dataframe(frame, hide_index=True, width="stretch")
