"""A visitor's own checkpoint, uploaded beside a page's Model box: read through the same checks as
models.load, kept by the hash of its bytes in one cache bounded by bytes across all visitors, and
listed only in the session that sent it (its state holds the name and hash, never the model). Its
side files, the training record sent with it and the atlas built for it, lie in a folder of its own
that goes when the model leaves memory."""

import dataclasses
import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
import weakref
import zipfile
from pathlib import Path

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

import models
from models import atlas, states
from models.atlas import Atlas
from models.record import RecordError, record_path
from models.record import read as read_record
from ui import serving
from ui.language import t

log = logging.getLogger(__name__)

# Every uploaded model, shared by the sessions that sent the same bytes; the oldest leaves when they
# hold more than UNFOLD_UPLOAD_MB, and its page then asks for the file again.
UPLOADS = serving.ByteBoundedCache(
    int(os.environ.get("UNFOLD_UPLOAD_MB", "100")) * 10**6, serving.tensor_bytes
)
# Where an upload's model.path says it lies: in a folder of its own named by its hash, so that its
# analyses are keyed by its bytes (ui.shared.version). The checkpoint itself is never written there.
FOLDER = Path(tempfile.gettempdir()) / "unfold-uploads"
SESSION = "ui_uploads"  # {name in the Model box: (task, hash)}
SUFFIX = ".pt"  # an upload keeps it in its name; a checkpoint's name in the box has none
RECORD = ".record.npz"  # a training record sent beside it (models/record.py)
MAX_RECORD_MB = 200  # what a training record may take once unpacked (the shipped ones: about 10)
# The texts an uploaded sentiment model's atlas is built over (training/heldout.py writes them)
HELDOUT = Path(__file__).resolve().parents[1] / "assets"
MATCH_VALUES = 6_000_000  # the built atlas's match corpus: tokens x units, 6 MB (24 while building)
_reading = threading.Lock()


class Refused(Exception):
    """What was uploaded beside a checkpoint cannot be used: upload.refused.<key> says why."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


def names(task: str) -> list[str]:
    """This visitor's uploads of `task`, by their names in the Model box, oldest first."""
    return [name for name, (kind, _) in st.session_state.get(SESSION, {}).items() if kind == task]


def is_upload(name: str) -> bool:
    return name.endswith(SUFFIX)


def model(name: str):
    """The predictor of this visitor's upload `name`; None once the shared cache has let it go."""
    task_and_hash = st.session_state.get(SESSION, {}).get(name)
    return None if task_and_hash is None else UPLOADS.cached(task_and_hash[1])


def receive(files: list) -> tuple[str, object, bool]:
    """An uploaded checkpoint's name in the Model box, its predictor (read once for every visitor who
    sends the same bytes) and whether it is new to this visitor, who now has it listed under its task;
    a training record sent beside it is kept with it. Raises CheckpointError or Refused."""
    checkpoints = [file for file in files if is_upload(file.name)]
    records = [file for file in files if file.name.endswith(RECORD)]
    if len(checkpoints) != 1 or len(records) > 1 or len(files) > len(checkpoints) + len(records):
        raise Refused("files", names=", ".join(file.name for file in files))
    data = checkpoints[0].getvalue()
    digest = hashlib.sha256(data).hexdigest()
    name = Path(checkpoints[0].name).stem + SUFFIX
    predictor = UPLOADS.get(digest, lambda: _read(name, digest, data))
    if records:
        _keep_record(predictor, records[0])
    uploads = st.session_state.setdefault(SESSION, {})
    new = uploads.get(name) != (predictor.task, digest)
    uploads[name] = (predictor.task, digest)
    _release(files)
    return name, predictor, new


def _release(files: list) -> None:
    """Let the server drop its copy of files read: the model and its side files are kept here, and
    the session would otherwise hold the bytes until it ends (twenty visitors' own checkpoints:
    20 x 9 MB). The uploader still shows them; a refused file is kept, and so is its message."""
    if runtime.exists():  # not under AppTest, which keeps its own files
        session = get_script_run_ctx().session_id
        for file in files:
            runtime.get_instance().uploaded_file_mgr.remove_file(session, file.file_id)


def states_file(file) -> states.States:
    """An uploaded states file (models/states.py), read once for every visitor who sends the same
    bytes. Raises StatesError."""
    data = file.getvalue()
    return UPLOADS.get(hashlib.sha256(data).hexdigest(), lambda: _read_states(data, Path(file.name).name))


def _read_states(data: bytes, name: str) -> states.States:
    with _reading:
        return states.read(data, name)


def _read(name: str, digest: str, data: bytes):
    """The predictor of an upload, given a folder for its side files that lives as long as it does."""
    FOLDER.mkdir(exist_ok=True)
    # a new folder each time the bytes are read: an evicted copy's cleanup never takes the next one's
    folder = Path(tempfile.mkdtemp(prefix=f"{digest[:16]}-", dir=FOLDER))
    try:
        with _reading:  # one at a time: the bytes, the dict read from them and the model coexist meanwhile
            predictor = models.load(folder / name, data=data)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    weakref.finalize(predictor, shutil.rmtree, folder, ignore_errors=True)
    return predictor


def _keep_record(predictor, file) -> None:
    """A training record sent beside an upload, checked (bounded before it is read, readable without
    pickles, made by the run that wrote these very weights), then put where `predictor.dynamics` reads
    it. Raises Refused."""
    data, path = file.getvalue(), record_path(predictor.path)
    if path.is_file() and path.read_bytes() == data:
        return  # kept on an earlier run of the page
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise Refused("record_unreadable", name=file.name) from None
    if unpacked > MAX_RECORD_MB * 10**6:
        raise Refused("record_too_large", name=file.name, size=f"{unpacked / 1e6:,.0f}", limit=MAX_RECORD_MB)
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    try:
        record = read_record(tmp)
    except (RecordError, MemoryError):  # MemoryError: array headers that claim more than is there
        tmp.unlink()
        raise Refused("record_unreadable", name=file.name) from None
    if record.weights != atlas.weights_hash(predictor.model):
        tmp.unlink()
        raise Refused("record_other_weights", name=file.name, model=predictor.path.name)
    os.replace(tmp, path)


def info(name: str) -> dict:
    """What an upload says about itself, as ui.shared.checkpoint_info tells it of a file; empty settings once
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


@dataclasses.dataclass(eq=False)
class Build:
    """An uploaded sentiment model's atlas, being built or waiting its turn."""

    predictor: object
    done: int = 0  # texts read
    total: int = 0
    failed: bool = False
    finished: threading.Event = dataclasses.field(default_factory=threading.Event)


_line: list[Build] = []  # the builds asked for, in order; the first is under way
_line_lock = threading.Lock()
_worker = False  # whether a thread is working through the line
WAIT_SECONDS = 0.5  # between looks at a build's progress


def build(predictor) -> Build:
    """The build of an uploaded sentiment model's atlas: the one in line already, or a new one at the
    end of the line. One thread builds them in turn for all visitors, so that one core serves the
    pages meanwhile and a visitor who leaves does not stop the build of a file others sent too."""
    global _worker
    with _line_lock:
        if (job := _find(predictor)) is None:
            job = Build(predictor)
            _line.append(job)
        if not _worker:
            _worker = True
            threading.Thread(target=_build_in_turn, name="unfold-atlas", daemon=True).start()
    return job


def _find(predictor) -> Build | None:
    return next((job for job in _line if job.predictor is predictor), None)


def ahead(job: Build) -> int:
    """How many builds go before `job` (0: it is under way, or done)."""
    with _line_lock:
        return _line.index(job) if job in _line else 0


def _build_in_turn() -> None:
    global _worker
    while True:
        with _line_lock:
            if not _line:
                _worker = False
                return
            job = _line[0]
        _build(job)
        with _line_lock:
            _line.remove(job)
        job.finished.set()


def _build(job: Build) -> None:
    """The atlas over the held-out texts of the model's language, written beside its upload."""
    predictor, started = job.predictor, time.perf_counter()
    try:
        corpus = heldout(predictor.language)
        job.total = len(corpus.texts)
        meta, arrays = atlas.build(
            predictor, corpus, match_values=MATCH_VALUES, progress=lambda done, _: setattr(job, "done", done)
        )
        meta |= {"checkpoint": predictor.path.name, "seconds": round(time.perf_counter() - started, 1)}
        atlas.save(atlas.atlas_path(predictor.path), meta, arrays)
    except Exception:  # our code: the traceback goes to the server log, the page says it failed
        log.exception("building the atlas of %s failed", predictor.path)
        job.failed = True


def heldout(language: str) -> atlas.Corpus:
    """The held-out texts of `language` the app ships (assets/heldout-<language>.jsonl.gz)."""
    with gzip.open(HELDOUT / f"heldout-{language}.jsonl.gz", "rt", encoding="utf-8") as file:
        rows = [json.loads(line) for line in file]
    sources = list(dict.fromkeys(row["source"] for row in rows))
    return atlas.Corpus(
        sources,
        [row["text"] for row in rows],
        [row["label"] for row in rows],
        [sources.index(row["source"]) for row in rows],
    )


def atlas_ui(predictor) -> Atlas | None:
    """An uploaded sentiment model's atlas: a button that has one built over held-out texts, then the
    visitor's place in line or a progress bar, then the atlas, which the page uses as a shipped one;
    None until it is there."""
    with _line_lock:
        job = _find(predictor)
    if job is None:
        st.info(t("upload.no_atlas", name=predictor.path.name))
        if not st.button(t("upload.build"), key="upload_build_atlas", icon=":material/construction:"):
            return None
        job = build(predictor)
    status = st.empty()
    while not job.finished.wait(WAIT_SECONDS):  # a visitor who clicks meanwhile leaves the build going
        if place := ahead(job):
            status.info(t("upload.waiting", ahead=place))
        else:
            status.progress(
                job.done / max(job.total, 1),
                t("upload.building", done=f"{job.done:,}", total=f"{job.total:,}"),
            )
    status.empty()
    if job.failed:
        st.error(t("upload.build_failed", name=predictor.path.name))
        return None
    return predictor.atlas
