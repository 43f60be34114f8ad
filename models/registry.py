"""The shipped models: each checkpoint's name, task and what it is, and the make target that rebuilds it."""

from dataclasses import dataclass
from pathlib import Path

# What each task's network maps, inputs to outputs (the study note's structures of an RNN).
STRUCTURES = {"sentiment": "many to one", "captioning": "one to many", "translation": "many to many"}


@dataclass(frozen=True)
class Shipped:
    name: str  # checkpoints/<name>.pt
    task: str
    cell: str  # of its recurrent layers ("lstm", "gru", "rnn")
    language: str = "en"  # of the text it reads (sentiment) or writes (translation, captioning)

    @property
    def target(self) -> str:
        return f"make train-{self.name}"


# In the order their pages come; the first of a task is the one its pages open on.
SHIPPED = (
    Shipped("sentiment", "sentiment", "lstm"),
    Shipped("sentiment-gru", "sentiment", "gru"),
    Shipped("sentiment-rnn", "sentiment", "rnn"),
    Shipped("sentiment-ko", "sentiment", "lstm", language="ko"),
    Shipped("captioning", "captioning", "lstm"),
    Shipped("translation-de-en", "translation", "gru"),
    Shipped("translation-en-de", "translation", "gru", language="de"),
)
BY_NAME = {model.name: model for model in SHIPPED}


def shipped(task: str, language: str | None = None) -> list[Shipped]:
    """The shipped models of `task` (reading `language`, if given), in page order."""
    return [m for m in SHIPPED if m.task == task and language in (None, m.language)]


def default(task: str, language: str = "en") -> str:
    """The model a page of `task` opens on: the first shipped one in `language`, else the first."""
    return (shipped(task, language) or shipped(task))[0].name


def of_cell(cell: str) -> str:
    """The English sentiment model with this cell: the three the Inside pages compare."""
    return next(m.name for m in shipped("sentiment", "en") if m.cell == cell)


def train_command(path: Path, task: str | None = None) -> str:
    """What a user runs to (re)create the checkpoint at `path`: its make target if it is a shipped
    one's name, else the task's training script writing there."""
    if path.stem in BY_NAME:
        return BY_NAME[path.stem].target
    return f"python -m training.{task or '<task>'} --out {path}"
