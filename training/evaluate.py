"""Print a checkpoint's metrics as JSON: python -m training.evaluate CHECKPOINT --data PATH ..."""

import argparse
import json
import sys

import models
from training import data
from training.sentiment import evaluate as evaluate_sentiment


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checkpoint", help="path to a .pt checkpoint")
    parser.add_argument("--data", nargs="+", required=True, help="hub names or local paths")
    parser.add_argument("--limit", type=int, default=0, help="first N validation examples per source")
    args = parser.parse_args(argv)
    try:
        predictor = models.load(args.checkpoint)
        sources = data.load_sentiment_sources(args.data)
    except (models.CheckpointError, data.DataError) as error:
        raise SystemExit(str(error)) from None
    validation = {name: splits["validation"][: args.limit or None] for name, splits in sources.items()}
    metrics = evaluate_sentiment(predictor, validation)
    print(json.dumps({"checkpoint": args.checkpoint, "task": predictor.task, "metrics": metrics}, indent=2))
    return metrics


if __name__ == "__main__":
    main(sys.argv[1:])
