"""Build a sentiment checkpoint's atlas (models/atlas.py) from texts it never trained on:
python -m training.atlas CHECKPOINT --data PATH ..."""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

import models
from models.atlas import Readings, atlas_path, saturation, save, weights_hash
from models.sentiment import SentimentPredictor
from models.settings import option
from training import data, flags

MAX_MEGABYTES = 20  # what a shipped atlas may take (a shipped file stays under 25 MB)


@dataclass
class AtlasSettings:
    data: list[str] = option(
        ["stanfordnlp/imdb", "stanfordnlp/sst2"],
        "hub names or local paths; the corpus is the validation split of each (IMDB's is the 10% "
        "carve-out that training leaves out)",
    )
    limit: int = option(0, "first N validation texts per source (0: all)", minimum=0)
    states: list[str] = option(
        ["h", "c"],
        "the values of every layer and direction to cover (see models/cells.py TRACED); those a cell "
        "lacks are skipped",
    )
    snippets: int = option(20, "texts kept per unit, highest and lowest", minimum=0)
    match_tokens: int = option(
        36_000,
        "tokens of the match corpus, an equal share per source, first texts first; each costs about "
        "128 bytes per state in the file",
        minimum=0,
    )
    threads: int = option(1, "torch CPU threads (0: torch's default)", minimum=0)


def parse(argv: list[str]):
    parser = flags.parser_of(__doc__, AtlasSettings)
    parser.add_argument("checkpoint", help="a sentiment checkpoint; the atlas is written beside it")
    return parser.parse_args(argv)


@dataclass
class Corpus:
    """The held-out texts, in source order, and which of them the match search covers."""

    names: list[str]  # of the sources
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)  # index into names
    in_match: list[bool] = field(default_factory=list)


def read_corpus(specs: list[str], limit: int, match_tokens: int, predictor: SentimentPredictor) -> Corpus:
    sources = data.load_sentiment_sources(specs, limit)
    corpus = Corpus(list(sources))
    for index, splits in enumerate(sources.values()):
        room = match_tokens // len(sources)
        for text, label in splits["validation"]:
            length = len(predictor.vocab.split(text, predictor.config.max_tokens)[0])
            if length == 0:  # nothing the model can read
                continue
            corpus.texts.append(text)
            corpus.labels.append(label)
            corpus.sources.append(index)
            fits = length <= room
            corpus.in_match.append(fits)
            room -= length * fits
    return corpus


def read_states(
    predictor: SentimentPredictor, corpus: Corpus, kinds: set[str]
) -> tuple[dict[str, Readings], dict[str, np.ndarray], list[int]]:
    """Every text through `analyze`, the very call a snippet's prefix is checked with: the readings
    of each state named "layer{i}.{direction}.{kind}", every gate's saturation over all the tokens
    read, and each text's length in tokens."""
    readings: dict[str, Readings] = {}
    saturated: dict[str, np.ndarray] = {}  # gate -> [2, units]: steps below 0.1 and above 0.9
    lengths = []
    for text, in_match in tqdm(zip(corpus.texts, corpus.in_match), total=len(corpus.texts), unit="text"):
        states = predictor.analyze(text).states
        for name, values in states.items():
            if name.rsplit(".", 1)[1] in kinds:
                readings.setdefault(name, Readings()).add(values, in_match)
            if name.endswith("_gate"):
                saturated[name] = saturated.get(name, 0) + saturation(values) * len(values)
        lengths.append(len(next(iter(states.values()))))
    shares = {name: (steps / sum(lengths)).astype(np.float32) for name, steps in saturated.items()}
    return readings, shares, lengths


def corpus_arrays(corpus: Corpus, lengths: list[int]) -> dict[str, np.ndarray]:
    encoded = [text.encode() for text in corpus.texts]
    return {
        "texts": np.frombuffer(b"".join(encoded), np.uint8),
        "text_ends": np.cumsum([len(e) for e in encoded], dtype=np.int64),
        "labels": np.array(corpus.labels, np.int8),
        "sources": np.array(corpus.sources, np.int8),
        "lengths": np.array(lengths, np.int32),
        "match_texts": np.flatnonzero(corpus.in_match).astype(np.int32),
    }


def main(argv: list[str] | None = None) -> Path:
    started = time.time()
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        predictor = models.load(args.checkpoint, "sentiment")
        corpus = read_corpus(args.data, args.limit, args.match_tokens, predictor)
    except (models.CheckpointError, data.DataError) as error:
        raise SystemExit(str(error)) from None
    if set(corpus.labels) != {0, 1} or not any(corpus.in_match):
        raise SystemExit("The corpus needs positive and negative texts, and --match-tokens room for one.")
    print(
        f"atlas of {args.checkpoint}: {len(corpus.texts):,} texts from {', '.join(corpus.names)}", flush=True
    )
    readings, shares, lengths = read_states(predictor, corpus, set(args.states))
    if not readings:
        raise SystemExit(f"This {predictor.config.cell} model has no states named {args.states}.")
    arrays = corpus_arrays(corpus, lengths)
    for state, reading in readings.items():
        arrays.update({f"{state}/{name}": array for name, array in reading.arrays(args.snippets).items()})
    arrays.update({f"{gate}/saturation": share for gate, share in shares.items()})
    meta = {
        "checkpoint": str(args.checkpoint),
        "weights": weights_hash(predictor.model),
        "states": list(readings),
        "gates": list(shares),
        "bidirectional": predictor.config.bidirectional,
        "sources": corpus.names,
        "snippets": args.snippets,
        "thresholds": {state: reading.threshold() for state, reading in readings.items()},
        "ranges": {state: reading.value_range() for state, reading in readings.items()},
        "tokens": sum(lengths),
        "match_tokens": int(arrays["lengths"][arrays["match_texts"]].sum()),
        "command": " ".join(["python -m training.atlas", *argv]),
        "torch": torch.__version__,
        "seconds": round(time.time() - started, 1),
    }
    path = atlas_path(args.checkpoint)
    save(path, meta, arrays)
    megabytes = path.stat().st_size / 1e6
    print(
        f"wrote {path}: {len(readings)} states, {meta['tokens']:,} tokens ({meta['match_tokens']:,} for "
        f"match search), {megabytes:.1f} MB, built in {meta['seconds']:.0f} s"
    )
    if megabytes > MAX_MEGABYTES:
        raise SystemExit(
            f"{path} is over the {MAX_MEGABYTES} MB a shipped atlas may take: lower --match-tokens."
        )
    return path


if __name__ == "__main__":
    main()
