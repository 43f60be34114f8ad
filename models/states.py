"""A states file: the tokens of texts and the vectors any model, in any framework, read at each of them
(LSTMVis's input), made into an Atlas so that the atlas's ranking, snippets and match search answer
over it. An .npz (numpy.savez; no pickled objects are read) with

  tokens   [all tokens] str             every text's tokens, one text after another
  lengths  [texts] int                  how many tokens each text has
  states   [all tokens, units] float    the vector read at each token (a hidden state, or any other)
  labels   [texts] 0 or 1               optional: 1 positive, 0 negative; with them, units get an AUC
"""

import io
import re
import zipfile
from dataclasses import dataclass

import numpy as np

from models.atlas import Atlas, Readings
from models.errors import Said, first_line

MAX_VALUES = 20_000_000  # tokens x units over all texts: 80 MB as float32
STATE = "states"  # the one state of its atlas
SNIPPETS = 10  # texts kept per unit, highest and lowest
REQUIRED = ("tokens", "lengths", "states")
HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


class StatesError(Said):
    """A states file that cannot be used; the message says why."""


@dataclass(frozen=True)
class States:
    tokens: list[list[str]]  # per text
    values: np.ndarray  # [all tokens, units] float32
    starts: np.ndarray  # each text's first row of `values`
    atlas: Atlas  # over every text; AUC only when `labelled`
    labelled: bool

    def text(self, index: int) -> tuple[list[str], np.ndarray]:
        """Text `index`'s tokens and its values [tokens, units]."""
        tokens = self.tokens[index]
        return tokens, self.values[self.starts[index] : self.starts[index] + len(tokens)]


def read(data: bytes, name: str) -> States:
    """The states file in `data` (an upload called `name`), its sizes checked before its arrays are
    read; StatesError if it cannot be used."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as file:
            if missing := [key for key in REQUIRED if key not in file.files]:
                raise StatesError(
                    "{name} lacks {missing}: a states file holds tokens, lengths and states "
                    "(labels optional).",
                    "states.incomplete",
                    name=name,
                    missing=", ".join(missing),
                )
            _check_size(file.zip, name)
            arrays = {key: file[key] for key in (*REQUIRED, "labels") if key in file.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise StatesError(
            "{name} is not a states file that can be read ({reason}).",
            "states.unreadable",
            name=name,
            reason=first_line(error),
        ) from None
    return _states(arrays, name)


def _check_size(archive: zipfile.ZipFile, name: str) -> None:
    """StatesError when the states (or the tokens' characters) exceed MAX_VALUES, read from the arrays'
    headers alone."""
    sizes = []
    for key in ("states", "tokens"):
        with archive.open(f"{key}.npy") as member:
            shape, _, dtype = HEADERS[np.lib.format.read_magic(member)](member)
        sizes.append(int(np.prod(shape, dtype=np.float64)) * (1 if key == "states" else dtype.itemsize // 4))
    if max(sizes) > MAX_VALUES:
        raise StatesError(
            "{name} holds {values} values (tokens x units over all texts); the largest accepted is {limit}.",
            "states.too_large",
            name=name,
            values=f"{max(sizes):,}",
            limit=f"{MAX_VALUES:,}",
        )


def _states(arrays: dict[str, np.ndarray], name: str) -> States:
    lengths, values = arrays["lengths"].astype(np.int64).ravel(), arrays["states"]
    tokens = [re.sub(r"\s", "·", str(token)) or "·" for token in arrays["tokens"].ravel()]
    if values.ndim != 2 or (lengths < 1).any() or not len(tokens) == len(values) == lengths.sum():
        raise StatesError(
            "{name} does not add up: tokens has {tokens} entries and states the shape {shape}, while "
            "lengths (at least 1 each) adds up to {total}.",
            "states.shapes",
            name=name,
            tokens=len(tokens),
            shape=values.shape,
            total=int(lengths.sum()),
        )
    labels = arrays.get("labels")
    if labels is not None and (labels.shape != lengths.shape or not np.isin(labels, (0, 1)).all()):
        raise StatesError(
            "{name}: labels must be one 0 or 1 per text ({texts} texts).",
            "states.labels",
            name=name,
            texts=len(lengths),
        )
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    per_text = [tokens[start : start + length] for start, length in zip(starts, lengths)]
    values = values.astype(np.float32)
    atlas = _atlas(per_text, values, starts, np.zeros(len(lengths)) if labels is None else labels, name)
    return States(per_text, values, starts, atlas, labelled=labels is not None and len(set(labels)) == 2)


def _atlas(tokens: list[list[str]], values: np.ndarray, starts: np.ndarray, labels, name: str) -> Atlas:
    """The atlas of the texts, every one in its match corpus."""
    readings = Readings()
    for start, text in zip(starts, tokens):
        readings.add(values[start : start + len(text)], in_match=True)
    encoded = [" ".join(text).encode() for text in tokens]
    arrays = {
        "texts": np.frombuffer(b"".join(encoded), np.uint8),
        "text_ends": np.cumsum([len(e) for e in encoded], dtype=np.int64),
        "labels": np.asarray(labels, np.int8),
        "sources": np.zeros(len(tokens), np.int8),
        "lengths": np.array([len(text) for text in tokens], np.int32),
        "match_texts": np.arange(len(tokens), dtype=np.int32),
        **{f"{STATE}/{key}": array for key, array in readings.arrays(SNIPPETS).items()},
    }
    meta = {
        "states": [STATE],
        "weights": "",
        "bidirectional": False,
        "sources": [name],
        "snippets": SNIPPETS,
        "thresholds": {STATE: readings.threshold()},
        "ranges": {STATE: readings.value_range()},
    }
    atlas = Atlas(meta, arrays)
    atlas.spans = spaced
    return atlas


def spaced(text: str, max_tokens: int | None = None) -> tuple[list[tuple[int, int]], bool]:
    """The (start, end) of each token of a text the atlas joined with spaces, and whether it was cut."""
    spans = [match.span() for match in re.finditer(r"\S+", text)]
    cut = max_tokens is not None and len(spans) > max_tokens
    return spans[:max_tokens] if cut else spans, cut
