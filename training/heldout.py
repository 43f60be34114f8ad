"""The held-out texts the app ships to build an uploaded model's atlas (ui/upload.py): `make heldout`.

python -m training.heldout --data SOURCE... --per-source N --out assets/heldout-LANGUAGE.jsonl.gz

writes one JSON line per text ({"text", "label", "source"}), gzip-compressed: from each source's
validation split as training/data.py reads it, the first N/2 negative and the first N/2 positive
texts in file order. No shipped model trained on them: the English file holds IMDB's validation
carve-out (the 10% of train.csv.gz that training/data.py leaves out by text hash) and SST-2's dev
split (stsa.binary.dev), the Korean one NSMC's validation file (ratings_val.txt.gz); the shipped
sentiment models trained on the other parts of the same data.
"""

import argparse
import gzip
import json
from pathlib import Path

from models.files import write_atomically
from training import data


def balanced(rows: data.Rows, count: int) -> data.Rows:
    """The first count/2 texts of each label, in file order."""
    kept, taken = [], {0: 0, 1: 0}
    for text, label in rows:
        if taken[label] < count // 2:
            kept.append((text, label))
            taken[label] += 1
    return kept


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", nargs="+", required=True, help="hub names or local paths, as training reads"
    )
    parser.add_argument(
        "--per-source", type=int, default=1000, help="texts from each source, half of each label"
    )
    parser.add_argument("--out", type=Path, required=True, help="the .jsonl.gz file to write")
    args = parser.parse_args(argv)
    try:
        sources = data.load_sentiment_sources(args.data)
    except data.DataError as error:
        raise SystemExit(str(error)) from None
    lines = [
        json.dumps({"text": text, "label": label, "source": name}, ensure_ascii=False)
        for name, splits in sources.items()
        for text, label in balanced(splits["validation"], args.per_source)
    ]
    write_atomically(args.out, lambda tmp: tmp.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode())))
    print(
        f"wrote {args.out}: {len(lines):,} texts from {', '.join(sources)}, "
        f"{args.out.stat().st_size / 1e6:.2f} MB"
    )
    return args.out


if __name__ == "__main__":
    main()
