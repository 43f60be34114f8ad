"""Save and load the one checkpoint format: a plain dict that `torch.load(weights_only=True)` reads."""

import io
from pathlib import Path

import torch

from models import registry
from models.errors import Said, first_line
from models.files import write_atomically

FORMAT_VERSION = 1
KEYS = ("format_version", "task", "config", "vocab", "state_dict", "train", "metrics")
MAX_UPLOAD_MB = 50  # the largest checkpoint a visitor may upload (.streamlit/config.toml's maxUploadSize)


# Settings renamed since checkpoints were written, per task: {old name: new name}. `read` renames them
# in the model config and the recorded training flags, so old files load and match their make targets.
RENAMED = {
    "translation": {"source_language": "src", "target_language": "tgt"},
    "captioning": {"hidden_dim": "decoder_dim"},
}


class CheckpointError(Said):
    """A checkpoint that cannot be used; the message says why and what to run."""


def save(path: str | Path, checkpoint: dict) -> None:
    """Write atomically: a crash mid-write leaves the previous file untouched."""
    missing = [key for key in KEYS[1:] if key not in checkpoint]
    assert not missing, f"checkpoint lacks {missing}"
    atomic_save({**checkpoint, "format_version": FORMAT_VERSION}, path)


def atomic_save(obj, path: str | Path) -> None:
    """torch.save, atomically: readers see the old file or the new one."""
    write_atomically(path, lambda tmp: torch.save(obj, tmp))


def half(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """float16 copies of the float tensors, to halve the file size."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state_dict.items()}


def read(path: str | Path, task: str | None = None, data: bytes | None = None) -> dict:
    """The checkpoint dict at `path`, or in `data` (an upload's bytes, which `path` names), checked;
    every failure becomes one CheckpointError."""
    path = Path(path)
    shown = named(path, data)
    where = {"path": shown, "command": registry.train_command(shown, task)}
    if data is None and not path.is_file():
        raise CheckpointError(
            "No checkpoint at {path}. Create it with `{command}`.", "checkpoint.missing", **where
        )
    if data is not None and len(data) > MAX_UPLOAD_MB * 2**20:
        raise CheckpointError(
            "{path} is {size} MB; an uploaded checkpoint may take up to {limit} MB.",
            "checkpoint.too_large",
            path=shown,
            size=f"{len(data) / 2**20:.1f}",
            limit=MAX_UPLOAD_MB,
        )
    try:
        checkpoint = torch.load(
            path if data is None else io.BytesIO(data), map_location="cpu", weights_only=True
        )
    except Exception as error:  # truncated, empty, not a torch file, or objects that run code
        if "Unsupported global" in str(error):
            raise CheckpointError(
                "{path} holds Python objects beyond plain weights; it was refused because loading it could "
                "run code. Use checkpoints made by Unfold's training scripts. Create it with `{command}`.",
                "checkpoint.unsafe",
                **where,
            ) from None
        raise CheckpointError(
            "{path} is not a readable checkpoint ({reason}). Create it with `{command}`.",
            "checkpoint.unreadable",
            reason=first_line(error),
            **where,
        ) from None
    if not isinstance(checkpoint, dict) or any(key not in checkpoint for key in KEYS):
        raise CheckpointError(
            "{path} is not an Unfold checkpoint (keys missing). Create it with `{command}`.",
            "checkpoint.not_unfold",
            **where,
        )
    version = checkpoint["format_version"]
    if not isinstance(version, int):
        raise CheckpointError(
            "{path} has no valid format version ({version}). Create it with `{command}`.",
            "checkpoint.no_version",
            version=repr(version),
            **where,
        )
    if version > FORMAT_VERSION:
        raise CheckpointError(
            "{path} has format version {version}; this code reads up to {supported}. "
            "Update Unfold (git pull) or retrain with this version.",
            "checkpoint.too_new",
            path=shown,
            version=version,
            supported=FORMAT_VERSION,
        )
    check_task(shown, checkpoint["task"], task)
    return migrate(checkpoint)


def named(path: Path, data: bytes | None) -> Path:
    """What messages call a checkpoint: its path, or an upload's file name."""
    return path if data is None else Path(path.name)


def trained_on(train: dict) -> list[str]:
    """The data a checkpoint's run trained on, as its `train` entry records the --data flag (hub
    names or paths; one string in files written before the flag took a list); [] when unrecorded."""
    data = train.get("args", {}).get("data", []) if isinstance(train, dict) else []
    return [data] if isinstance(data, str) else list(data)


def check_task(path: Path, found, task: str | None) -> None:
    """CheckpointError, with the command that creates the right one, if the checkpoint at `path` holds
    a `found` model where a `task` one is wanted (None: any)."""
    if task is not None and found != task:
        raise CheckpointError(
            "{path} holds a {found} model, not {task}. Create it with `{command}`.",
            "checkpoint.other_task",
            path=path,
            found=repr(found),
            task=repr(task),
            command=registry.train_command(path, task),
        )


def kept_epochs(train: dict) -> range:
    """The epochs whose weights a checkpoint holds, read from its "train" record: the one that
    scored best; with --average N, the mean of it and the epochs before it, N in all at most. (A
    record the training loop did not write may lack "epochs": its history's best epoch then.)"""
    best = (
        train.get("epochs") or max(train["history"], key=lambda epoch: epoch["validation"]["score"])["epoch"]
    )
    average = train.get("args", {}).get("average", 1)
    return range(max(best - average + 1, 1), best + 1)


def migrate(checkpoint: dict) -> dict:
    """The checkpoint with today's names for the settings RENAMED lists (also in a resume file's)."""
    renamed = RENAMED.get(checkpoint["task"], {}) if isinstance(checkpoint["task"], str) else {}
    train = checkpoint.get("train")
    if isinstance(train, dict) and isinstance(train.get("args"), dict):
        checkpoint["train"] = {**train, "args": _renamed(train["args"], renamed)}
    if isinstance(checkpoint.get("config"), dict):
        checkpoint["config"] = _renamed(checkpoint["config"], renamed)
    return checkpoint


def _renamed(settings: dict, renamed: dict) -> dict:
    return {renamed.get(name, name): value for name, value in settings.items()}
