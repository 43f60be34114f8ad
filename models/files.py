"""Files written whole or not at all: a checkpoint, a card, an .npz side file (its meta as JSON
beside its arrays)."""

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np


def file_version(path: str | Path) -> tuple[int, int] | None:
    """What tells one version of the file at `path` from the next, to key what is read from it:
    (modification time in ns, size); None when there is no such file."""
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """write(tmp) into a temporary file beside `path` (its folder made if missing), then rename it:
    readers see the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # processes writing the same file do not collide
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_npz(path: str | Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """`arrays` and `meta` (as JSON bytes, the array "meta") in one compressed .npz, atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:  # a file, not a name: numpy would add ".npz" to the name
            np.savez_compressed(file, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)

    write_atomically(path, write)


def read_npz(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """The meta and the other arrays of a `save_npz` file; no pickled object is read. Raises what
    np.load and json raise on a file that is not one (OSError, ValueError, KeyError, EOFError,
    zipfile.BadZipFile)."""
    with np.load(path, allow_pickle=False) as file:
        arrays = {name: file[name] for name in file.files}
    return json.loads(arrays.pop("meta").tobytes()), arrays
