"""A visitor's own checkpoint, uploaded beside a page's Model box: read through the same checks as
models.load, kept by the hash of its bytes in one cache bounded by bytes across all visitors, and
listed only in the session that sent it (its state holds the name and hash, never the model)."""

import dataclasses
import hashlib
import os
import threading
from pathlib import Path

import streamlit as st

import models
from models import states
from ui import serving

# Every uploaded model, shared by the sessions that sent the same bytes; the oldest leaves when they
# hold more than UNFOLD_UPLOAD_MB, and its page then asks for the file again.
UPLOADS = serving.ByteBoundedCache(
    int(os.environ.get("UNFOLD_UPLOAD_MB", "100")) * 10**6, serving.tensor_bytes
)
# Where an upload's model.path says it lies: under its hash, so that its analyses are keyed by its
# bytes (ui.version); no file is written, and no side file (atlas, training record) is found there.
FOLDER = Path("<uploaded>")
SESSION = "ui_uploads"  # {name in the Model box: (task, hash)}
SUFFIX = ".pt"  # an upload keeps it in its name; a checkpoint's name in the box has none
_reading = threading.Lock()


def names(task: str) -> list[str]:
    """This visitor's uploads of `task`, by their names in the Model box, oldest first."""
    return [name for name, (kind, _) in st.session_state.get(SESSION, {}).items() if kind == task]


def is_upload(name: str) -> bool:
    return name.endswith(SUFFIX)


def model(name: str):
    """The predictor of this visitor's upload `name`; None once the shared cache has let it go."""
    task_and_hash = st.session_state.get(SESSION, {}).get(name)
    return None if task_and_hash is None else UPLOADS.cached(task_and_hash[1])


def receive(file) -> tuple[str, object, bool]:
    """An uploaded file's name in the Model box, its predictor (read once for every visitor who sends
    the same bytes) and whether it is new to this visitor, who now has it listed under its task.
    Raises CheckpointError."""
    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    name = Path(file.name).stem + SUFFIX
    predictor = UPLOADS.get(digest, lambda: _read(name, digest, data))
    uploads = st.session_state.setdefault(SESSION, {})
    new = uploads.get(name) != (predictor.task, digest)
    uploads[name] = (predictor.task, digest)
    return name, predictor, new


def states_file(file) -> states.States:
    """An uploaded states file (models/states.py), read once for every visitor who sends the same
    bytes. Raises StatesError."""
    data = file.getvalue()
    return UPLOADS.get(hashlib.sha256(data).hexdigest(), lambda: _read_states(data, Path(file.name).name))


def _read_states(data: bytes, name: str) -> states.States:
    with _reading:
        return states.read(data, name)


def _read(name: str, digest: str, data: bytes):
    with _reading:  # one at a time: the bytes, the dict read from them and the model coexist meanwhile
        return models.load(FOLDER / digest / name, data=data)


def info(name: str) -> dict:
    """What an upload says about itself, as ui.checkpoint_info tells it of a file; empty settings once
    the cache has let it go."""
    task = st.session_state.get(SESSION, {})[name][0]
    if (predictor := model(name)) is None:
        return {"task": task, "config": {}, "train": {}, "metrics": {}, "parameters": 0}
    weights = predictor.model.parameters()
    return {
        "task": task,
        "config": dataclasses.asdict(predictor.config),
        "train": predictor.info.get("train", {}),
        "metrics": predictor.info.get("metrics", {}),
        "parameters": sum(weight.numel() for weight in weights),
    }
