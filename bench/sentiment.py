"""Sentiment inference speed: analyze (with the full trace) vs plain predict, medians and ratios."""

import torch

import models
from bench import median_ms, parse_args, row, show

REVIEW = (
    "I went in expecting very little, and for the first half hour that is what I got: a slow, "
    "talky setup, characters who explain the plot to each other, and a score that never stops. "
    "But somewhere around the middle the film finds its nerve. The two leads stop performing and "
    "start listening, the camera slows down, and the story turns into something quiet and true. "
)


def text_of(tokens: int, model) -> str:
    """A review of exactly `tokens` tokens for this model's tokenizer."""
    words = (REVIEW * 20).split()
    for count in range(tokens, len(words)):
        text = " ".join(words[:count])
        if len(model.encode(text)[0]) >= tokens:
            return text
    raise ValueError("REVIEW too short")


def measure(checkpoint: str, repeats: int) -> list[dict]:
    model = models.load(checkpoint, "sentiment")
    review = text_of(256, model)
    batch = [review] * 64
    huge = "a surprisingly tender film " * 40_000  # 1 MB

    predict_ms = median_ms(lambda: model.predict([review]), repeats)
    analyze_ms = median_ms(lambda: model.analyze(review), repeats)
    batch_ms = median_ms(lambda: model.predict(batch), max(repeats // 5, 3))
    huge_ms = median_ms(lambda: model.analyze(huge), max(repeats // 5, 3))
    return [
        row("predict, one 256-token review", predict_ms),
        row(
            "analyze, one 256-token review",
            analyze_ms,
            f"trace overhead {analyze_ms / predict_ms:.2f}x predict",
        ),
        row("predict, batch of 64 such reviews", batch_ms, f"{64000 / batch_ms:.0f} reviews/s"),
        row("analyze, 1 MB text (cut to 800 tokens)", huge_ms),
    ]


def main() -> None:
    args = parse_args(__doc__, "checkpoints/sentiment.pt")
    show(
        f"sentiment: {args.checkpoint}, torch threads {torch.get_num_threads()}",
        measure(args.checkpoint, args.repeats),
    )


if __name__ == "__main__":
    main()
