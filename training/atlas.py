"""Build a sentiment checkpoint's atlas (models/atlas.py) from texts it never trained on:
python -m training.atlas CHECKPOINT --data PATH ..."""

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

import models
from models.atlas import Corpus, atlas_path, build, save
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


def read_corpus(specs: list[str], limit: int) -> Corpus:
    """The validation split of each source, in source order."""
    sources = data.load_sentiment_sources(specs, limit)
    corpus = Corpus(list(sources))
    for index, splits in enumerate(sources.values()):
        for text, label in splits["validation"]:
            corpus.texts.append(text)
            corpus.labels.append(label)
            corpus.sources.append(index)
    return corpus


def main(argv: list[str] | None = None) -> Path:
    started = time.time()
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        predictor = models.load(args.checkpoint, "sentiment")
        corpus = read_corpus(args.data, args.limit)
    except (models.CheckpointError, data.DataError) as error:
        raise SystemExit(str(error)) from None
    print(
        f"atlas of {args.checkpoint}: {len(corpus.texts):,} texts from {', '.join(corpus.names)}", flush=True
    )
    with tqdm(total=len(corpus.texts), unit="text") as bar:
        try:
            meta, arrays = build(
                predictor,
                corpus,
                tuple(args.states),
                args.snippets,
                args.match_tokens,
                progress=lambda done, total: bar.update(done - bar.n),
            )
        except ValueError as error:
            raise SystemExit(str(error)) from None
    meta = {
        "checkpoint": str(args.checkpoint),
        **meta,
        "command": " ".join(["python -m training.atlas", *argv]),
        "torch": torch.__version__,
        "seconds": round(time.time() - started, 1),
    }
    path = atlas_path(args.checkpoint)
    save(path, meta, arrays)
    megabytes = path.stat().st_size / 1e6
    print(
        f"wrote {path}: {len(meta['states'])} states, {meta['tokens']:,} tokens "
        f"({meta['match_tokens']:,} for match search), {megabytes:.1f} MB, built in {meta['seconds']:.0f} s"
    )
    if megabytes > MAX_MEGABYTES:
        raise SystemExit(
            f"{path} is over the {MAX_MEGABYTES} MB a shipped atlas may take: lower --match-tokens."
        )
    return path


if __name__ == "__main__":
    main()
