"""A sentiment checkpoint's atlas: what each unit responds to over texts it never trained on.

`build` reads a held-out corpus once (`python -m training.atlas CHECKPOINT` writes the result to
checkpoints/<name>.atlas.npz; the app builds one for an upload); this file reads it (numpy,
allow_pickle=False) and answers lookups.
The file holds, per covered state ("layer0.forward.h", ...):

  means       [texts, units] float16    each text's mean value per unit: AUC and histograms
  top_*       [units, snippets]         per unit, the texts where it peaks highest, strongest first,
  bottom_*    [units, snippets]         and lowest (text, token position, float32 value), one per text
  match       [units, rows] uint8       the values of the match corpus' tokens, floor(max(v, 0) / scale):
  match_scale [units] float32           negative values read as 0, and a stored value is never above
                                        the true one, so a unit the atlas calls "on" is on

and per gate ("layer0.forward.input_gate", ...; meta "gates", absent from atlases built before it):

  saturation  [2, units] float32        the share of all tokens read at which the gate is below
                                        SATURATED[0], and above SATURATED[1] (Karpathy et al. 2015)
"""

import functools
import hashlib
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch import nn

from models.errors import Said, first_line
from models.files import file_version, read_npz, save_npz
from models.text import token_spans

FORMAT_VERSION = 1
SUFFIX = ".atlas.npz"
CONTEXT_BEFORE, CONTEXT_AFTER = 10, 5  # tokens shown around a snippet's token
ON_QUANTILE = 0.9  # the default threshold: a unit is on at about one token in ten
STRONG_AUC = 0.9  # a unit whose AUC is above this tells positive from negative texts well: a strong unit
SATURATED = (0.1, 0.9)  # a gate below the first value is left-saturated (closed), above the second right
STATE_ARRAYS = (
    "means",
    *(f"{end}_{part}" for end in ("top", "bottom") for part in ("texts", "positions", "values")),
    "match",
    "match_scale",
)
# What np.load and the meta's JSON raise for a truncated file, not a zip, pickled objects, no meta
UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
ARRAYS = ("texts", "text_ends", "labels", "sources", "lengths", "match_texts")


class AtlasError(Said):
    """An atlas file that cannot be used (stale, unreadable, too new); the message says what to run."""


@dataclass(frozen=True)
class Unit:
    index: int
    auc: float  # ROC AUC (>= 0.5) of sign * mean value over a text's tokens, positive above negative
    sign: int  # +1: the unit runs higher on positive texts, -1: on negative ones


@dataclass(frozen=True)
class Snippet:
    """Token `position` of corpus text `text_index`, where a unit read `value`.

    `analyze(text).states[state][position, unit]` gives `value` for any model. For a state in
    `atlas.prefix_states` (every state of a unidirectional model) so does
    `analyze(prefix).states[state][-1, unit]`: such a state never depends on what follows."""

    text_index: int
    position: int
    value: float
    label: int  # of the text: 1 positive, 0 negative
    source: str  # the corpus the text came from ("imdb", "sst2")
    text: str
    prefix: str  # the text up to and including the token
    before: str  # about 10 tokens of context, "…" first if the text goes on before them
    token: str
    after: str  # about 5 tokens, "…" last if the text goes on

    @property
    def context(self) -> str:
        """What to show: the token marked [[like this]] in its context."""
        return f"{self.before}[[{self.token}]]{self.after}"


@dataclass(frozen=True)
class Match(Snippet):
    """A match-search hit; `value` is the weakest of `values`, the requested units' stored values
    (at most one quantisation step, max value / 255, below the true ones)."""

    values: tuple[float, ...]
    others_on: int  # units on here besides the requested ones
    units_on: int  # of the requested units


def atlas_path(checkpoint: str | Path) -> Path:
    """checkpoints/sentiment.pt -> checkpoints/sentiment.atlas.npz"""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.stem + SUFFIX)


def rebuild_command(checkpoint: str | Path) -> str:
    return f"make atlas CHECKPOINT={checkpoint}"


def weights_hash(model: nn.Module) -> str:
    """sha256 of the weights' names, shapes and values: which weights an atlas was built from."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(f"{name}{tuple(tensor.shape)}".encode())
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per column of scores [texts, columns]: the chance that a positive text (label 1) scores above a
    negative one, ties counting half (the ROC AUC, by counting, exact)."""
    # one sorted, contiguous row per column: searchsorted is fastest on those
    negatives, positives = (
        np.sort(np.ascontiguousarray(scores[labels == label].T, dtype=np.float64), axis=1) for label in (0, 1)
    )
    pairs = negatives.shape[1] * positives.shape[1]
    # per positive: negatives strictly below it, plus those not above it (ties count in one of the two)
    counts = [
        np.searchsorted(negative, positive, "left").sum() + np.searchsorted(negative, positive, "right").sum()
        for negative, positive in zip(negatives, positives)
    ]
    return np.array(counts) / 2 / pairs


def units_on(values: np.ndarray, threshold: float) -> list[int]:
    """LSTMVis' selection: the units (columns of values [steps, units]) above `threshold` at every step,
    the one whose lowest value is highest first."""
    lowest = values.min(axis=0)
    on = np.flatnonzero(lowest > threshold)
    return [int(unit) for unit in on[np.argsort(-lowest[on], kind="stable")]]


def count_on(values: np.ndarray, units: list[int], threshold: float) -> np.ndarray:
    """How many of `units` (columns of values [steps, units]) are above `threshold` at each step."""
    return (values[:, units] > threshold).sum(axis=1)


def verdict_turn(step_positive: list[float]) -> tuple[int, int]:
    """The span where the verdict turns: the token that moves P(positive) most and the next one (the
    one before, at the end), as (first, last) token."""
    token = int(np.abs(np.diff(step_positive, prepend=step_positive[0])).argmax())
    return (token, token + 1) if token + 1 < len(step_positive) else (max(token - 1, 0), token)


def reading_window(predictor, text: str, position: int, state: str) -> tuple[list[str], np.ndarray, int]:
    """A sentiment `predictor`'s reading of a snippet: the tokens of `text` around token `position`
    (CONTEXT_BEFORE before it, CONTEXT_AFTER after), every unit's `state` value at each [tokens,
    units], and where `position` is among them."""
    analysis = predictor.analyze(text)
    start = max(position - CONTEXT_BEFORE, 0)
    window = slice(start, position + CONTEXT_AFTER + 1)
    return analysis.tokens[window], analysis.states[state][window].copy(), position - start


def saturation(gate: np.ndarray, low: float = SATURATED[0], high: float = SATURATED[1]) -> np.ndarray:
    """Karpathy et al. (2015): per unit of gate values [steps, units], the fraction of steps below `low`
    (left-saturated) and above `high` (right-saturated), as [2, units]."""
    return np.stack([(gate < low).mean(axis=0), (gate > high).mean(axis=0)])


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"Ask for at least one snippet, not {k}.")


def _clean(text: str) -> str:
    """Display form of a context: HTML line breaks and runs of white space become one space."""
    return re.sub(r"(?:\s|<br\s*/?>)+", " ", text, flags=re.IGNORECASE)


class Readings:
    """What an atlas keeps of one state over its texts: each text's mean and extremes per unit, and
    every value of the match corpus (`build` reads a checkpoint's, models/states.py a states
    file's)."""

    def __init__(self):
        self.means, self.match = [], []
        self.highest, self.highest_at, self.lowest, self.lowest_at = [], [], [], []

    def add(self, values: np.ndarray, in_match: bool) -> None:
        """values [tokens, units] of one text"""
        self.means.append(values.mean(axis=0))
        self.highest.append(values.max(axis=0))
        self.highest_at.append(values.argmax(axis=0))
        self.lowest.append(values.min(axis=0))
        self.lowest_at.append(values.argmin(axis=0))
        if in_match:
            self.match.append(values)

    def arrays(self, snippets: int) -> dict[str, np.ndarray]:
        """The state's arrays of the atlas file (see above)."""
        arrays = {"means": np.stack(self.means).astype(np.float16)}
        for end, extremes, at, sign in (
            ("top", self.highest, self.highest_at, 1),
            ("bottom", self.lowest, self.lowest_at, -1),
        ):
            extremes = np.stack(extremes)  # [texts, units]
            texts = np.argsort(-sign * extremes, axis=0, kind="stable")[:snippets].T  # [units, snippets]
            units = np.arange(extremes.shape[1])[:, None]
            arrays[f"{end}_texts"] = texts.astype(np.int32)
            arrays[f"{end}_positions"] = np.stack(at)[texts, units].astype(np.int32)
            arrays[f"{end}_values"] = extremes[texts, units].astype(np.float32)
        return {**arrays, **self.match_arrays()}

    def match_arrays(self) -> dict[str, np.ndarray]:
        """uint8 codes [units, rows], floor(max(value, 0) / scale): never above the true value, so a
        unit the atlas calls on is on. Negative values are left out: "on" means above a threshold >= 0."""
        positive = np.maximum(np.concatenate(self.match), 0).astype(np.float64)  # [rows, units]
        scale = positive.max(axis=0) / 255
        codes = np.divide(positive, scale, out=np.zeros_like(positive), where=scale > 0)
        codes = np.minimum(np.floor(codes), 255).astype(np.uint8).T
        return {"match": np.ascontiguousarray(codes), "match_scale": scale.astype(np.float32)}

    def threshold(self) -> float:
        return max(float(np.quantile(np.concatenate(self.match), ON_QUANTILE)), 0.0)

    def value_range(self) -> list[float]:
        return [float(np.min(self.lowest)), float(np.max(self.highest))]


@dataclass
class Corpus:
    """Held-out texts, each with its label (1 positive, 0 negative) and source (an index into names)."""

    names: list[str]
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)


def build(
    predictor,
    corpus: Corpus,
    kinds: tuple[str, ...] = ("h", "c"),
    snippets: int = 20,
    match_tokens: int = 36_000,
    match_values: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict, dict[str, np.ndarray]]:
    """The atlas of a sentiment `predictor` over `corpus`: its meta and arrays, for `save` or `Atlas`.
    It covers the states of every layer and direction whose kind (h, c) is in `kinds`; texts the model
    reads no token of are left out; the match corpus holds up to `match_tokens` tokens (and at most
    `match_values` values, tokens x the units of every covered state), an equal share per source,
    first texts first. `progress(done, total)` is called after each text. ValueError when the corpus
    lacks positive or negative texts, or the model every state of `kinds`."""
    corpus, lengths = _readable(predictor, corpus)
    if set(corpus.labels) != {0, 1}:
        raise ValueError("The corpus needs positive and negative texts the model can read.")
    if match_values is not None:
        states = predictor.analyze(corpus.texts[0]).states
        width = sum(values.shape[1] for name, values in states.items() if name.rsplit(".", 1)[1] in kinds)
        match_tokens = min(match_tokens, match_values // max(width, 1))
    in_match = _in_match(lengths, corpus.sources, len(corpus.names), match_tokens)
    if not any(in_match):
        raise ValueError("The match corpus has no room for a single text: allow more match tokens.")
    readings, shares, lengths = _read_states(predictor, corpus.texts, in_match, set(kinds), progress)
    if not readings:
        raise ValueError(f"This {predictor.config.cell} model has no states named {list(kinds)}.")
    arrays = _corpus_arrays(corpus, in_match, lengths)
    for state, reading in readings.items():
        arrays.update({f"{state}/{name}": array for name, array in reading.arrays(snippets).items()})
    arrays.update({f"{gate}/saturation": share for gate, share in shares.items()})
    meta = {
        "weights": weights_hash(predictor.model),
        "states": list(readings),
        "gates": list(shares),
        "bidirectional": predictor.config.bidirectional,
        "sources": corpus.names,
        "snippets": snippets,
        "thresholds": {state: reading.threshold() for state, reading in readings.items()},
        "ranges": {state: reading.value_range() for state, reading in readings.items()},
        "tokens": sum(lengths),
        "match_tokens": int(arrays["lengths"][arrays["match_texts"]].sum()),
    }
    return meta, arrays


def _readable(predictor, corpus: Corpus) -> tuple[Corpus, list[int]]:
    """The texts of `corpus` the model reads a token of, and how many it reads of each."""
    kept, lengths = Corpus(corpus.names), []
    for text, label, source in zip(corpus.texts, corpus.labels, corpus.sources):
        if length := len(predictor.vocab.split(text, predictor.config.max_tokens)[0]):
            kept.texts.append(text)
            kept.labels.append(label)
            kept.sources.append(source)
            lengths.append(length)
    return kept, lengths


def _in_match(lengths: list[int], sources: list[int], count: int, match_tokens: int) -> list[bool]:
    """Which texts the match search covers: an equal share of `match_tokens` for each of `count`
    sources, first texts first."""
    room, covered = [match_tokens // count] * count, []
    for length, source in zip(lengths, sources):
        covered.append(length <= room[source])
        room[source] -= length * covered[-1]
    return covered


def _read_states(
    predictor, texts: list[str], in_match: list[bool], kinds: set[str], progress
) -> tuple[dict[str, Readings], dict[str, np.ndarray], list[int]]:
    """Every text through `analyze`, the very call a snippet's prefix is checked with: the readings
    of each state named "layer{i}.{direction}.{kind}", every gate's saturation over all the tokens
    read, and each text's length in tokens."""
    readings: dict[str, Readings] = {}
    saturated: dict[str, np.ndarray] = {}  # gate -> [2, units]: steps saturated, low and high
    lengths = []
    for done, (text, matched) in enumerate(zip(texts, in_match), 1):
        states = predictor.analyze(text).states
        for name, values in states.items():
            if name.rsplit(".", 1)[1] in kinds:
                readings.setdefault(name, Readings()).add(values, matched)
            if name.endswith("_gate"):
                saturated[name] = saturated.get(name, 0) + saturation(values) * len(values)
        lengths.append(len(next(iter(states.values()))))
        if progress is not None:
            progress(done, len(texts))
    shares = {name: (steps / sum(lengths)).astype(np.float32) for name, steps in saturated.items()}
    return readings, shares, lengths


def _corpus_arrays(corpus: Corpus, in_match: list[bool], lengths: list[int]) -> dict[str, np.ndarray]:
    encoded = [text.encode() for text in corpus.texts]
    return {
        "texts": np.frombuffer(b"".join(encoded), np.uint8),
        "text_ends": np.cumsum([len(e) for e in encoded], dtype=np.int64),
        "labels": np.array(corpus.labels, np.int8),
        "sources": np.array(corpus.sources, np.int8),
        "lengths": np.array(lengths, np.int32),
        "match_texts": np.flatnonzero(in_match).astype(np.int32),
    }


class Atlas:
    """Lookups over one atlas file. Its data stays as read once `beside` has set `spans` (the same
    for every reader of the file; a state's unit ranking is cached on first use), so pages may share
    it between sessions."""

    spans = staticmethod(token_spans)  # where each token of a text lies (the model's tokenizer's)

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.meta = meta
        self.states: list[str] = meta["states"]
        self.weights: str = meta["weights"]
        bidirectional = meta["bidirectional"]
        self.prefix_states = [s for s in self.states if not bidirectional or s.startswith("layer0.forward.")]
        for array in arrays.values():
            array.flags.writeable = False
        self._arrays = arrays
        ends = arrays["text_ends"]
        blob = arrays["texts"].tobytes()
        self.texts = [blob[a:b].decode() for a, b in zip(np.r_[0, ends[:-1]], ends)]
        self.labels = arrays["labels"]
        self.sources = [meta["sources"][i] for i in arrays["sources"]]
        lengths = arrays["lengths"][arrays["match_texts"]]
        self._match_starts = np.r_[0, np.cumsum(lengths)[:-1]]  # each match text's first row
        self._units: dict[str, list[Unit]] = {}  # ranked on first use: a states file may have no labels

    def _rank_units(self, state: str) -> list[Unit]:
        aucs = roc_auc(self.means(state), self.labels)
        signs = np.where(aucs >= 0.5, 1, -1)
        aucs = np.maximum(aucs, 1 - aucs)
        order = np.argsort(-aucs, kind="stable")
        return [Unit(int(u), float(aucs[u]), int(signs[u])) for u in order]

    def _check_state(self, state: str) -> None:
        if state not in self.states:
            raise ValueError(f"This atlas has no state {state!r}; it covers {', '.join(self.states)}.")

    def _array(self, state: str, name: str) -> np.ndarray:
        self._check_state(state)
        return self._arrays[f"{state}/{name}"]

    def _check_unit(self, unit: int, state: str) -> None:
        count = self._array(state, "means").shape[1]
        if not 0 <= unit < count:
            raise ValueError(f"{state} has units 0 to {count - 1}, not {unit}.")

    def means(self, state: str) -> np.ndarray:
        """[texts, units] float16: each text's mean value per unit (labels in `self.labels`)."""
        return self._array(state, "means")

    def saturation(self, gate: str) -> np.ndarray | None:
        """[2, units]: the share of the held-out tokens at which `gate` ("layer0.forward.input_gate")
        is below SATURATED[0] and above SATURATED[1]; None where the atlas has no such gate or predates
        the figure."""
        return self._arrays.get(f"{gate}/saturation")

    def units(self, state: str) -> list[Unit]:
        """Every unit of `state`, the one that best tells positive from negative texts first."""
        self._check_state(state)
        if state not in self._units:
            self._units[state] = self._rank_units(state)
        return self._units[state]

    def rank(self, unit: int, state: str) -> int:
        """Where `unit` stands in `units(state)`: 0 for the unit that best tells the texts apart."""
        self._check_unit(unit, state)
        return next(rank for rank, found in enumerate(self.units(state)) if found.index == unit)

    def ranking(self, state: str) -> list[int]:
        """The units of `state` by AUC, best first; by the AUC of its layer's h ("layer0.forward.h")
        where the atlas does not cover `state` ("layer0.forward.input_gate")."""
        if state not in self.states:
            state = f"{state.rsplit('.', 1)[0]}.h"
        return [unit.index for unit in self.units(state)]

    def threshold(self, state: str) -> float:
        """The default value above which a unit counts as on: the state's 90th percentile over the
        match corpus (a unit is on at about one token in ten)."""
        self._check_state(state)
        return self.meta["thresholds"][state]

    def value_range(self, state: str) -> tuple[float, float]:
        """The lowest and highest value of `state` over the whole corpus."""
        self._check_state(state)
        low, high = self.meta["ranges"][state]
        return low, high

    def top(self, unit: int, state: str, k: int = 10, lowest: bool = False) -> list[Snippet]:
        """Where `unit` is highest (lowest=True: lowest), strongest first, one token per text; at
        most meta["snippets"] of them."""
        self._check_unit(unit, state)
        _check_k(k)
        end = "bottom" if lowest else "top"
        texts, positions, values = (
            self._array(state, f"{end}_{part}")[unit, :k] for part in ("texts", "positions", "values")
        )
        return [self._snippet(int(t), int(p), float(v)) for t, p, v in zip(texts, positions, values)]

    def match(
        self,
        units: list[int],
        state: str,
        k: int = 10,
        threshold: float | None = None,
        at_least: int | None = None,
    ) -> list[Match]:
        """LSTMVis' match search over the match corpus: tokens where at least `at_least` of `units`
        (default: every one) are above `threshold` (default `self.threshold(state)`, at least 0), at
        most one per text; those with the most of `units` on first, then the fewest other units on,
        then those where the weakest requested unit is strongest."""
        threshold = self.threshold(state) if threshold is None else float(threshold)
        if threshold < 0:
            raise ValueError("A match threshold is at least 0: the atlas keeps only positive values.")
        units = list(dict.fromkeys(units))
        if not units:
            raise ValueError("Choose at least one unit to match.")
        at_least = len(units) if at_least is None else at_least
        if not 1 <= at_least <= len(units):
            raise ValueError(f"Ask for 1 to {len(units)} of the units on, not {at_least}.")
        _check_k(k)
        for unit in units:
            self._check_unit(unit, state)
        codes, scale = self._array(state, "match"), self._array(state, "match_scale")
        # code > limit <=> value > threshold; a unit never above 0 (scale 0) is never on
        with np.errstate(divide="ignore", invalid="ignore"):
            limits = np.minimum(np.floor(threshold / scale), 255)[:, None]
        on = (codes[units] > limits[units]).sum(axis=0)
        rows = np.flatnonzero(on >= at_least)
        on = on[rows]
        others = (codes[:, rows] > limits).sum(axis=0) - on
        weakest = codes[units][:, rows] * scale[units, None]  # [units, rows]
        order = np.lexsort((-weakest.min(axis=0), others, -on))
        texts = np.searchsorted(self._match_starts, rows[order], side="right") - 1
        first = np.sort(np.unique(texts, return_index=True)[1])[:k]  # the best row of each text
        return [
            self._match(
                rows[order[i]], int(texts[i]), weakest[:, order[i]], int(others[order[i]]), int(on[order[i]])
            )
            for i in first
        ]

    def _match(self, row: int, match_text: int, values: np.ndarray, others_on: int, units_on: int) -> Match:
        text_index = int(self._arrays["match_texts"][match_text])
        position = int(row - self._match_starts[match_text])
        snippet = self._snippet(text_index, position, float(values.min()))
        values = tuple(float(v) for v in values)
        return Match(**vars(snippet), values=values, others_on=others_on, units_on=units_on)

    def _snippet(self, text_index: int, position: int, value: float) -> Snippet:
        text = self.texts[text_index]
        spans = self.spans(text, position + CONTEXT_AFTER + 1)[0]
        start, end = spans[position]
        first, last = spans[max(position - CONTEXT_BEFORE, 0)][0], spans[-1][1]
        return Snippet(
            text_index=text_index,
            position=position,
            value=value,
            label=int(self.labels[text_index]),
            source=self.sources[text_index],
            text=text,
            prefix=text[:end],
            before=("…" if text[:first].strip() else "") + _clean(text[first:start]),
            token=text[start:end],
            after=_clean(text[end:last]) + ("…" if text[last:].strip() else ""),
        )


def read(path: str | Path) -> Atlas:
    """The atlas at `path`; AtlasError if it cannot be read, with the command that rebuilds it."""
    path = Path(path)
    where = {"path": path, "command": rebuild_command(path.with_name(path.name.removesuffix(SUFFIX) + ".pt"))}
    try:
        meta, arrays = read_npz(path)
    except UNREADABLE as error:
        raise AtlasError(
            "{path} is not a readable atlas ({reason}). Rebuild it with `{command}`.",
            "atlas.unreadable",
            reason=first_line(error),
            **where,
        ) from None
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise AtlasError(
            "{path} has format version {version}; this code reads up to {supported}. "
            "Rebuild it with `{command}`.",
            "atlas.other_version",
            version=repr(version),
            supported=FORMAT_VERSION,
            **where,
        )
    expected = {*ARRAYS, *(f"{s}/{name}" for s in meta.get("states", []) for name in STATE_ARRAYS)}
    expected |= {f"{gate}/saturation" for gate in meta.get("gates", [])}
    if missing := sorted(expected - set(arrays)):
        raise AtlasError(
            "{path} lacks {missing}. Rebuild it with `{command}`.",
            "atlas.incomplete",
            missing=", ".join(missing[:3]),
            **where,
        )
    return Atlas(meta, arrays)


@functools.lru_cache(maxsize=8)
def _read_once(path: str, modified_ns: int, size: int) -> Atlas:
    """`read`, once per version of the file (a rebuilt atlas is read again)."""
    return read(path)


def beside(checkpoint: str | Path, weights: str, spans=token_spans) -> Atlas | None:
    """The atlas beside `checkpoint`, its snippets cut with the model's `spans` (Vocab.spans); None if
    there is none; AtlasError if it was built from other weights than `weights` (see weights_hash) or
    cannot be read."""
    path = atlas_path(checkpoint)
    if (version := file_version(path)) is None:
        return None
    atlas = _read_once(str(path), *version)
    if atlas.weights != weights:
        raise AtlasError(
            "{path} was built from other weights than {checkpoint} holds (was it retrained?). "
            "Rebuild it with `{command}`.",
            "atlas.other_weights",
            path=path,
            checkpoint=checkpoint,
            command=rebuild_command(checkpoint),
        )
    atlas.spans = spans  # the same for every reader of this file: its checkpoint's
    return atlas


def save(path: str | Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write an atlas atomically: meta as JSON bytes, everything in one compressed .npz."""
    save_npz(path, {**meta, "format_version": FORMAT_VERSION}, arrays)
