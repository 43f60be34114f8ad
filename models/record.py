"""A training run's record, read from `<checkpoint>.record.npz`: the probes at points of training and
dataset cartography (Swayamdipta et al. 2020). training/record.py writes it."""

import functools
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import first_line
from models.files import file_version, read_npz, save_npz

FORMAT_VERSION = 1
SUFFIX = ".record.npz"
FORMED_AUC = 0.8  # a unit "has formed" once its held-out AUC reaches this
UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError)


class RecordError(Exception):
    """A record file that cannot be used; the message says how to rebuild it."""


def record_path(checkpoint: str | Path) -> Path:
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.name.removesuffix(".pt") + SUFFIX)


def pack_texts(texts: list[str]) -> dict[str, np.ndarray]:
    """Texts as one byte array and their ends (npz files hold no strings without pickle)."""
    encoded = [text.encode() for text in texts]
    return {
        "bytes": np.frombuffer(b"".join(encoded), np.uint8),
        "ends": np.cumsum([len(e) for e in encoded], dtype=np.int64),
    }


def unpack_texts(data: np.ndarray, ends: np.ndarray) -> list[str]:
    starts = np.concatenate([[0], ends[:-1]])
    raw = data.tobytes()
    return [raw[start:end].decode() for start, end in zip(starts, ends)]


@dataclass(frozen=True)
class Cartography:
    """Per kept training example: its text and label, and the model's probability of that label at
    the end of every epoch, summarised as confidence (mean), variability (spread) and correctness
    (share of epochs it was right)."""

    text: list[str]
    label: np.ndarray  # [examples] 0 or 1
    probabilities: np.ndarray  # [epochs, examples]

    @property
    def confidence(self) -> np.ndarray:
        return self.probabilities.astype(np.float32).mean(axis=0)

    @property
    def variability(self) -> np.ndarray:
        return self.probabilities.astype(np.float32).std(axis=0)

    @property
    def correctness(self) -> np.ndarray:
        return (self.probabilities.astype(np.float32) > 0.5).mean(axis=0)

    def regions(self) -> np.ndarray:
        """Each example's region of the map: "ambiguous" (the third whose confidence varied most),
        else "hard" (mostly wrong: mean confidence below one half) or "easy"."""
        ambiguous = self.variability > np.quantile(self.variability, 2 / 3)
        return np.where(ambiguous, "ambiguous", np.where(self.confidence < 0.5, "hard", "easy"))

    def hardest(self, k: int) -> np.ndarray:
        """The k examples the model was least sure of, never ambiguous: indices, least confident first."""
        steady = np.flatnonzero(self.regions() != "ambiguous")
        return steady[np.argsort(self.confidence[steady], kind="stable")[:k]]


class TrainingRecord:
    """Point k of `steps` is the model after steps[k] updates (steps[0] == 0, before any; the last is
    the checkpoint's weights); probe i is texts[i]."""

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.meta, self._arrays = meta, arrays
        self.task: str = meta["task"]
        self.weights: str = meta["weights"]
        self.steps = np.array(meta["steps"], dtype=np.int64)
        self.epoch_steps: list[int] = meta["epoch_steps"]
        self.texts: list[str] = meta["probes"]
        self.tokens: list[list[str]] = meta.get("tokens", [])  # per probe, for the tasks that read text

    def _point(self, k: int, name: str) -> np.ndarray:
        if not 0 <= k < len(self.steps):
            raise IndexError(f"point {k} is not one of the {len(self.steps)} recorded")
        return self._arrays[f"point{k}/{name}"]

    def _probe(self, i: int) -> slice:
        if not 0 <= i < len(self.texts):
            raise IndexError(f"probe {i} is not one of the {len(self.texts)} recorded")
        ends = np.cumsum([len(tokens) for tokens in self.tokens])
        return slice(int(ends[i] - len(self.tokens[i])), int(ends[i]))

    def trace(self, k: int, i: int) -> np.ndarray:
        """Sentiment: P(positive) after each token of probe i at point k."""
        return self._point(k, "trace")[self._probe(i)].astype(np.float32)

    def states(self, k: int, i: int) -> np.ndarray:
        """Sentiment: [tokens, units] hidden states (layer0.forward.h) of probe i at point k."""
        return self._point(k, "states")[self._probe(i)].astype(np.float32)

    @functools.cached_property
    def unit_auc(self) -> np.ndarray:
        """Sentiment: [points, units] each unit's held-out AUC (>= 0.5: either sign separates)."""
        return np.stack([self._point(k, "unit_auc") for k in range(len(self.steps))]).astype(np.float32)

    def ranking(self) -> list[int]:
        """The units by their AUC at the last point (the trained model's), best first: the atlas's order."""
        return np.argsort(-self.unit_auc[-1], kind="stable").tolist()

    def formed(self, threshold: float = FORMED_AUC) -> np.ndarray:
        """Per unit, the training step at which its AUC first reached `threshold` (-1: never)."""
        above = self.unit_auc >= threshold  # [points, units]
        return np.where(above.any(axis=0), self.steps[above.argmax(axis=0)], -1)

    def output(self, k: int, i: int) -> str:
        """Decoders: the translation or caption of probe i at point k."""
        return unpack_texts(self._point(k, "outputs/bytes"), self._point(k, "outputs/ends"))[i]

    def output_tokens(self, k: int, i: int) -> list[str]:
        """Decoders: the output tokens of probe i at point k, one per row of its attention."""
        return unpack_texts(self._point(k, f"tokens{i}/bytes"), self._point(k, f"tokens{i}/ends"))

    def attention(self, k: int, i: int) -> np.ndarray:
        """Decoders: attention of probe i at point k: [output tokens, source tokens] for translation,
        [output tokens, rows, columns] of the image grid for captioning."""
        return self._point(k, f"attention{i}").astype(np.float32)

    @functools.cached_property
    def cartography(self) -> Cartography | None:
        if "cartography/probabilities" not in self._arrays:
            return None
        arrays = self._arrays
        return Cartography(
            text=unpack_texts(arrays["cartography/texts/bytes"], arrays["cartography/texts/ends"]),
            label=arrays["cartography/labels"],
            probabilities=arrays["cartography/probabilities"],
        )


def save(path: str | Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write a record atomically: meta as JSON bytes, everything in one compressed .npz."""
    save_npz(path, {**meta, "format_version": FORMAT_VERSION}, arrays)


def read(path: str | Path) -> TrainingRecord:
    """The record at `path`; RecordError if it cannot be read."""
    path = Path(path)
    try:
        meta, arrays = read_npz(path)
        version = meta["format_version"]
    except UNREADABLE as error:
        raise RecordError(f"{path} is not a readable training record ({first_line(error)}).") from None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RecordError(f"{path} has format version {version!r}; this code reads up to {FORMAT_VERSION}.")
    return TrainingRecord(meta, arrays)


@functools.lru_cache(maxsize=4)
def _read_once(path: str, modified_ns: int, size: int) -> TrainingRecord:
    """`read`, once per version of the file; a few at a time in memory."""
    return read(path)


def beside(checkpoint: str | Path, weights: str) -> TrainingRecord | None:
    """The record beside `checkpoint` made by the run that wrote its weights (hashed as `weights`);
    None when there is none, or when it belongs to other weights (a checkpoint changed since)."""
    path = record_path(checkpoint)
    if (version := file_version(path)) is None:
        return None
    record = _read_once(str(path), *version)
    return record if record.weights == weights else None
