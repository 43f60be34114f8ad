"""Print a checkpoint's validation metrics as JSON: python -m training.evaluate CHECKPOINT --data PATH ...

A decoder's scores are at the beam --beam-size gives (default: the one its page decodes with), and
the JSON names it ("beam_size"); a checkpoint records the beam its training validated at."""

import argparse
import json
import sys

import torch

import models
from models import captioning, translation
from models.images import ImageError
from training import data
from training.captioning import caption_metrics
from training.sentiment import evaluate as evaluate_sentiment
from training.translation import evaluate as evaluate_translation


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkpoint", help="path to a .pt checkpoint")
    parser.add_argument("--data", nargs="+", required=True, help="hub names or local paths")
    parser.add_argument("--limit", type=int, default=0, help="first N validation examples per source")
    parser.add_argument(
        "--beam-size",
        type=int,
        help=f"beam width (default: {translation.BEAM_SIZE} for translation, "
        f"{captioning.BEAM_SIZE} for captioning)",
    )
    args = parser.parse_args(argv)
    try:
        predictor = models.load(args.checkpoint)
        metrics = METRICS[predictor.task](predictor, args)
    except (models.CheckpointError, data.DataError, ImageError) as error:
        raise SystemExit(str(error)) from None
    print(json.dumps({"checkpoint": args.checkpoint, "task": predictor.task, "metrics": metrics}, indent=2))
    return metrics


def sentiment_metrics(predictor, args) -> dict:
    sources = data.load_sentiment_sources(args.data)
    validation = {name: splits["validation"][: args.limit or None] for name, splits in sources.items()}
    return evaluate_sentiment(predictor, validation)


def translation_metrics(predictor, args) -> dict:
    source, target = predictor.config.src, predictor.config.tgt
    sources = data.load_translation_sources(args.data, source, target, args.limit)
    validation = {name: splits["validation"] for name, splits in sources.items()}
    metrics = evaluate_translation(predictor, validation, args.beam_size or predictor.beam_size)
    return {"direction": f"{source}-{target}", **metrics}


def captioning_metrics(predictor, args) -> dict:
    split = data.load_captioning(args.data[0], args.limit)["validation"]
    pictures = [split.image(i) for i in range(len(split.ids))]
    features = torch.cat([predictor.features(pictures[i : i + 32]) for i in range(0, len(pictures), 32)])
    metrics = caption_metrics(predictor, features, split.captions, args.beam_size or predictor.beam_size)
    return {"split": "validation", **metrics}


METRICS = {
    "sentiment": sentiment_metrics,
    "translation": translation_metrics,
    "captioning": captioning_metrics,
}


if __name__ == "__main__":
    main(sys.argv[1:])
