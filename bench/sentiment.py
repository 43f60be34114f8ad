"""Sentiment inference speed: analyze (with the full trace) vs plain predict, medians and ratios."""

import torch

import models
from bench import median_ms, parse_args

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


def main() -> None:
    args = parse_args(__doc__, "checkpoints/sentiment.pt")
    model = models.load(args.checkpoint)
    review = text_of(256, model)
    batch = [review] * 64
    huge = "a surprisingly tender film " * 40_000  # 1 MB

    predict_ms = median_ms(lambda: model.predict([review]), args.repeats)
    analyze_ms = median_ms(lambda: model.analyze(review), args.repeats)
    batch_ms = median_ms(lambda: model.predict(batch), max(args.repeats // 5, 3))
    huge_ms = median_ms(lambda: model.analyze(huge), max(args.repeats // 5, 3))

    print(f"sentiment: {args.checkpoint}, torch threads {torch.get_num_threads()}")
    print(f"  predict, one 256-token review      median {predict_ms:7.1f} ms")
    print(f"  analyze, one 256-token review      median {analyze_ms:7.1f} ms  (trace included)")
    print(f"  analyze / predict                  ratio  {analyze_ms / predict_ms:7.2f}x")
    print(
        f"  predict, batch of 64 such reviews  median {batch_ms:7.1f} ms  = {64000 / batch_ms:.0f} reviews/s"
    )
    print(f"  batched vs one by one, per review  ratio  {predict_ms / (batch_ms / 64):7.2f}x faster")
    print(f"  analyze, 1 MB text (truncated)     median {huge_ms:7.1f} ms")


if __name__ == "__main__":
    main()
