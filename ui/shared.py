"""The models and analyses every session shares: loading them, the Model box and the uploader of a
visitor's own, the home page's table of checkpoints, the warm-up, and what a model's error says.

Kept apart from the rest of ui, all that the pages without a model (the home page, the glossary)
import: this module imports torch, and those pages are drawn before it is."""

import logging
import os
from pathlib import Path

import streamlit as st
import torch

import models
from models import registry
from models.atlas import Atlas, rebuild_command
from models.checkpoint import MAX_UPLOAD_MB
from models.checkpoint import read as read_checkpoint
from models.errors import InputError, Said
from models.files import file_version
from models.search import connectivity
from ui import as_written, serving, upload
from ui.language import t

log = logging.getLogger(__name__)

# Tests point the app at fixture checkpoints through this variable.
CHECKPOINTS = Path(os.environ.get("UNFOLD_CHECKPOINTS", "checkpoints"))


# Every loaded model, shared by all sessions; least recently used ones leave when they hold more
# than UNFOLD_MODEL_MB (default: room for every shipped model, so a class walking every page does not
# reload them).
MODELS = serving.ByteBoundedCache(int(os.environ.get("UNFOLD_MODEL_MB", "200")) * 10**6, serving.tensor_bytes)


# Every page's analyses, shared by all sessions: the default view of a page is computed once.
ANALYSES = serving.ByteBoundedCache(
    int(os.environ.get("UNFOLD_ANALYSES_MB", "64")) * 10**6, serving.array_bytes
)


def version(model) -> tuple:
    """What a cached result of `model` is keyed by: its checkpoint and that file's version (never
    id(model), which a later model may reuse once this one has left the cache)."""
    return str(model.path), file_version(model.path)


def analyze(model, *inputs, how=None, spinner: str | None = None, **options):
    """how(model, *inputs, **options) (model.analyze by default), once per checkpoint version and
    input for every session, under `spinner` (default: "Reading it…"); the result is shared, so it
    must not be changed. ValueError (bad input) is raised, not cached. A photo or a long text is
    keyed by its hash, so that the cache, bounded by the arrays it holds, holds little else."""
    how = how or type(model).analyze
    named = tuple(serving.compact(i) for i in inputs)
    settings = tuple(sorted((name, serving.compact(value)) for name, value in options.items()))
    key = (*version(model), how.__module__, how.__qualname__, named, settings)
    if (result := ANALYSES.cached(key)) is not None:
        return result
    with st.spinner(spinner or t("ui.reading")):
        return ANALYSES.get(key, lambda: how(model, *inputs, **options))


def _key(path: Path, task: str) -> tuple:
    """What MODELS keeps a checkpoint's predictor by: the file's version and the task it was asked
    for (models.load refuses a file of another task with the command that fixes it; none is kept)."""
    return str(path), file_version(path), task


def _load(path: Path, task: str):
    key = _key(path, task)
    if (model := MODELS.cached(key)) is None:
        with st.spinner(t("ui.loading")):
            model = MODELS.get(key, lambda: models.load(path, task))
    return model


def warm() -> None:
    """Read the shipped models and their atlases, and import what the charts need, so that no
    visitor's first look at a page waits for them (a page that asks for one meanwhile waits for that
    one only). Run once per server, in the background after its first page (ui.navigation)."""
    from ui import charts  # noqa: F401  altair and SciPy, which most pages draw with

    serving.configure()
    for shipped in registry.SHIPPED:
        path = CHECKPOINTS / f"{shipped.name}.pt"
        try:
            key = _key(path, shipped.task)
            model = MODELS.get(key, lambda path=path, task=shipped.task: models.load(path, task))
            if model.task == "sentiment":
                model.atlas  # noqa: B018  read once, then shared
            if model.task == "captioning":
                _first_connectivity()
        except (models.CheckpointError, models.AtlasError):
            pass  # missing or unusable: the page that opens it says what is wrong and how to fix it
        except Exception:
            log.exception("warming up %s failed", path)


def _first_connectivity() -> None:
    """Autograd's batched gradients, behind every connectivity map, import sympy the first time they
    run (about a second, more before the bytecode is compiled): here rather than in a request."""
    inputs = torch.ones(1, 1, 2, requires_grad=True)
    connectivity((2 * inputs).sum(-1)[0], inputs)


def load_model(name: str, task: str):
    """The shared predictor for checkpoints/<name>.pt (or this visitor's upload `name`), which must
    hold a `task` model, or a message and st.stop() if it is unusable."""
    if upload.is_upload(name):
        return _uploaded(name)
    path = CHECKPOINTS / f"{name}.pt"
    try:
        return _load(path, task)
    except models.CheckpointError as error:  # the file: retraining fixes it
        problem(error, command=registry.train_command(path, task))
        st.stop()
    except Exception:  # our code: the traceback goes to the server log, not to the visitor
        log.exception("loading %s failed", path)
        st.error(t("ui.bug", name=name))
        st.stop()


def _uploaded(name: str):
    """This visitor's uploaded model `name`, or a line that asks for the file again and st.stop()."""
    if (model := upload.model(name)) is None:
        st.warning(t("upload.evicted", name=name))
        st.stop()
    return model


def model_names(task: str) -> list[str]:
    """The checkpoints of `task` a page offers: the shipped ones first, in page order, then the others
    in CHECKPOINTS (a user's own), by name, then this visitor's uploads (named with their .pt)."""
    found = checkpoint_names(task)
    first = [m.name for m in registry.shipped(task) if m.name in found]
    return first + [name for name in found if name not in first] + upload.names(task)


def model_picker(
    task: str, key: str, default: str | None = None, container=st, **options
) -> tuple[str, object]:
    """The one "Model" box of every page, with the uploader of a visitor's own checkpoint under it:
    the chosen checkpoint's name and shared predictor (`default` first chosen, else the task's first
    shipped one; a new upload at once). With none of the task, a message and st.stop()."""
    box = container.container()
    if uploaded := upload_ui(task, f"{key}_upload", container, linked="bind" in options):
        st.session_state[key] = uploaded
        if "on_change" in options:
            options["on_change"]()  # as if the visitor had picked it
    names = model_names(task)
    if not names:
        load_model(default or registry.default(task), task)  # says what is missing and how to train it
    first = default if default in names else names[0]
    name = box.selectbox(
        t("ui.model"),
        names,
        index=names.index(first),
        key=key,
        help=t("ui.model_help", task=t(f"ui.task.{task}"), command=f"python -m training.{task} --help"),
        **options,
    )
    return name, load_model(name, task)


def upload_ui(task: str, key: str, container=st, linked: bool = False) -> str | None:
    """The uploader (`key`) of a visitor's own `task` checkpoint, how to make one, and (`linked`: where
    the page's link keeps its model) that a link cannot carry the file. Returns the name of a new
    upload, which the page's Model boxes now list; one that cannot be used gets a line that says why."""
    with container.expander(t("upload.title"), icon=":material/upload_file:"):
        files = st.file_uploader(
            t("upload.label"),
            type=["pt", "npz"],
            accept_multiple_files=True,
            key=key,
            max_upload_size=MAX_UPLOAD_MB,
            help=t("upload.help", limit=MAX_UPLOAD_MB),
        )
        st.caption(t(f"upload.how.{task}"))
        if linked:
            st.caption(t("upload.not_linked"))
    if not files:
        return None
    try:
        name, model, new = upload.receive(files)
    except models.CheckpointError as error:
        container.error(message(error))
        return None
    except upload.Refused as error:
        container.error(t(f"upload.refused.{error.key}", **error.values))
        return None
    if model.task != task:
        names = {"name": name, "task": t(f"ui.task.{model.task}"), "page": t(f"nav.{model.task}.title")}
        container.warning(t("upload.other_task", **names))
        return None
    return name if new else None


def checkpoint_names(task: str | None = None) -> list[str]:
    """The checkpoints in CHECKPOINTS by name, the only ones a page offers; with `task`, only the
    readable ones that hold a model for it."""
    names = sorted(path.stem for path in CHECKPOINTS.glob("*.pt") if not path.name.endswith(".resume.pt"))
    return names if task is None else [name for name in names if _task(name) == task]


def _task(name: str) -> str | None:
    try:
        return checkpoint_info(name)["task"]
    except models.CheckpointError:
        return None


def load_atlas(model) -> Atlas | None:
    """The atlas beside a sentiment model's checkpoint (an upload's: built when its visitor asks), or
    None after a line that says how to build it (there is none yet) or why it cannot be used (stale,
    unreadable)."""
    try:
        atlas = model.atlas
    except models.AtlasError as error:
        problem(error)
        return None
    if atlas is None and model.path.is_relative_to(upload.FOLDER):
        return upload.atlas_ui(model)
    if atlas is None:
        st.info(t("ui.no_atlas", file=model.path.name, command=rebuild_command(model.path)))
    return atlas


@st.cache_data(max_entries=32, show_spinner=False)
def _info(path: str, version: tuple[int, int] | None) -> dict:  # read again once the file changes
    checkpoint = read_checkpoint(path)
    weights = checkpoint["state_dict"].values()
    parameters = sum(w.numel() for w in weights if hasattr(w, "numel"))
    return {**{k: checkpoint[k] for k in ("task", "config", "train", "metrics")}, "parameters": parameters}


def checkpoint_info(name: str) -> dict:
    """What checkpoints/<name>.pt (or this visitor's upload `name`) says about itself (task, config,
    train, metrics, parameters), read without building the model; raises CheckpointError."""
    if upload.is_upload(name):
        return upload.info(name)
    path = CHECKPOINTS / f"{name}.pt"
    return _info(str(path), file_version(path))


def first_command() -> str:
    """What to run with no checkpoint at all: the command that trains the sentiment page's model."""
    name = registry.default("sentiment")
    return registry.train_command(CHECKPOINTS / f"{name}.pt", "sentiment")


def model_table() -> list[dict]:
    """One row per checkpoint in CHECKPOINTS: task, cell, size and validation metrics, under headers in
    the visitor's language."""
    rows = []
    for name in checkpoint_names():
        try:
            row = _describe(name, checkpoint_info(name))
        except models.CheckpointError as error:
            row = {"checkpoint": f"{name}.pt", "task": t("ui.table.unusable"), "metrics": message(error)}
        rows.append({t(f"ui.table.{column}"): value for column, value in row.items()})
    return rows


def _describe(name: str, info: dict) -> dict:
    return {
        "checkpoint": f"{name}.pt",
        "task": _task_text(info["task"]),
        "layers": _recurrent(info["config"]),
        "parameters": f"{info['parameters'] / 1e6:.1f} M",
        "size": f"{(CHECKPOINTS / f'{name}.pt').stat().st_size / 1e6:.1f} MB",
        "metrics": _metrics_text(info["metrics"]),
    }


def _task_text(task: str) -> str:
    """'sentiment (many to one)', its structure as models.registry.STRUCTURES names it; a task Unfold
    does not know, as its checkpoint names it."""
    if task not in registry.STRUCTURES:
        return str(task)
    structure = t(f"ui.structure.{registry.STRUCTURES[task].replace(' ', '_')}")
    return t("ui.table.task_structure", task=t(f"ui.task.{task}"), structure=structure)


def _recurrent(config: dict) -> str:
    """'1×LSTM 256' (an encoder), 'LSTM 512 decoder', or both joined by an arrow."""
    cell = config["cell"].upper()
    layers = []
    if "hidden_dim" in config:
        direction = "bi" if config["bidirectional"] else ""
        layers.append(f"{config['num_layers']}×{direction}{cell} {config['hidden_dim']}")
    if "decoder_dim" in config:
        layers.append(t("ui.table.decoder", cell=cell, size=config["decoder_dim"]))
    return " → ".join(layers)


def _metrics_text(metrics: dict) -> str:
    """'imdb accuracy 0.916, sst2 accuracy 0.843', 'multi30k BLEU 36.1 (greedy)' or 'BLEU-4 0.210
    (beam 3)'."""
    if isinstance(metrics.get("bleu4"), float):
        return f"BLEU-4 {metrics['bleu4']:.3f} ({_beam(metrics.get('beam_size', 1))})"
    sources = {name: m for name, m in metrics.items() if isinstance(m, dict)}
    return ", ".join(
        t("ui.table.accuracy", source=name, accuracy=f"{m['accuracy']:.3f}")
        if isinstance(m.get("accuracy"), float)
        else f"{name} BLEU {m['bleu']:.1f} ({_beam(m.get('beam_size', 1))})"
        for name, m in sources.items()
        if isinstance(m.get("accuracy"), float) or isinstance(m.get("bleu"), float)
    )


def _beam(width: int) -> str:
    return t("ui.table.greedy") if width == 1 else t("ui.table.beam", width=width)


def message(error: Exception) -> str:
    """What a model's error says, in the visitor's language (locales/*/errors.toml) when it has a key,
    else as it says it; an error among its values is worded the same way. The values of an input
    error, which quote what the visitor typed, are shown as written (Markdown shows the message)."""
    if not isinstance(error, Said):
        return str(error)
    shown = as_written if isinstance(error, InputError) else str
    values = {
        name: message(v) if isinstance(v, Exception) else shown(str(v)) for name, v in error.values.items()
    }
    return t(f"errors.{error.key}", **values)


# Missing or out of date: what the page cannot use yet, until the command in the message is run. Any
# other problem with a file is an error: the file is broken, or not what it should be.
OUT_OF_DATE = {
    "checkpoint.missing",
    "checkpoint.too_new",
    "checkpoint.unusable",
    "atlas.other_version",
    "atlas.other_weights",
}


def problem(error: Exception, command: str | None = None, container=st) -> None:
    """The one way a page says what is wrong with a model or one of its files: the error in the
    visitor's language and the command that fixes it (`command`, where the message does not name
    one), as a warning where something is missing or out of date, else as an error."""
    text = message(error)
    if command and command not in text:
        text = f"{text} {t('ui.to_create', command=command)}"
    shown = container.warning if getattr(error, "key", None) in OUT_OF_DATE else container.error
    shown(text)
