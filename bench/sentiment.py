"""Sentiment inference speed: analyze (with the full trace) vs plain predict, and atlas lookups."""

import models
from bench import median_ms, report, row, show
from models import registry
from models.atlas import atlas_path, rebuild_command, units_on
from models.atlas import read as read_atlas

REVIEW = (
    "I went in expecting very little, and for the first half hour that is what I got: a slow, "
    "talky setup, characters who explain the plot to each other, and a score that never stops. "
    "But somewhere around the middle the film finds its nerve. The two leads stop performing and "
    "start listening, the camera slows down, and the story turns into something quiet and true. "
)
PATTERN_REVIEW = "This film is not terrible, it's great!"  # the sentiment page's first example


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


KOREAN_REVIEW = "초반은 지루했는데 마지막 30분이 다 했다. 배우들 연기가 좋아서 끝까지 봤어요"[:40]


def measure_korean(checkpoint: str, repeats: int) -> list[dict]:
    """The Korean model on a review of NSMC's typical length."""
    model = models.load(checkpoint, "sentiment")
    pieces = len(model.encode(KOREAN_REVIEW)[0])
    return [
        row(
            "analyze, one 40-character review",
            median_ms(lambda: model.analyze(KOREAN_REVIEW), repeats),
            f"{pieces} pieces",
        )
    ]


def measure_atlas(checkpoint: str, repeats: int) -> list[dict]:
    """The atlas lookups a page makes, on the unit that best tells positive from negative."""
    model = models.load(checkpoint, "sentiment")
    path = atlas_path(checkpoint)
    if not path.is_file():
        raise SystemExit(f"No atlas beside {checkpoint}: run `{rebuild_command(checkpoint)}`.")
    read_ms = median_ms(lambda: read_atlas(path), max(repeats // 5, 3))
    atlas = model.atlas
    state = atlas.states[0]
    best = [unit.index for unit in atlas.units(state)[:3]]
    # what the sentiment page asks first: the units on over "not terrible", and the best unit's snippets
    pattern = units_on(model.analyze(PATTERN_REVIEW).states[state][3:5], atlas.threshold(state))
    snippets = atlas.top(best[0], state=state, k=6) + atlas.top(best[0], state=state, k=6, lowest=True)
    return [
        row("read the atlas file (once per file)", read_ms),
        row("model.atlas, already read", median_ms(lambda: model.atlas, repeats)),
        row("units ranked by AUC", median_ms(lambda: atlas.units(state), repeats)),
        row("top 10 snippets of a unit", median_ms(lambda: atlas.top(best[0], state=state), repeats)),
        row("match 3 units, default threshold", median_ms(lambda: atlas.match(best, state=state), repeats)),
        row(
            "match 1 unit, threshold 0",
            median_ms(lambda: atlas.match(best[:1], state=state, threshold=0.0), repeats),
            f"{atlas.meta['match_tokens']:,} tokens searched",
        ),
        row(
            "pattern search, most units on first",
            median_ms(lambda: atlas.match(pattern, state=state, at_least=1), repeats),
            f"{len(pattern)} units on over 'not terrible'",
        ),
        row(
            "re-read 12 snippets for token colours",
            median_ms(lambda: [model.analyze(snippet.text) for snippet in snippets], max(repeats // 5, 3)),
            "once per unit: the page caches them",
        ),
    ]


def measure_by_language(checkpoint: str, repeats: int) -> list[dict]:
    """`measure` for a model of English reviews, `measure_korean` for one of Korean reviews."""
    korean = models.load(checkpoint, "sentiment").language == "ko"
    return (measure_korean if korean else measure)(checkpoint, repeats)


def main() -> None:
    args = report(
        __doc__, "sentiment", f"checkpoints/{registry.default('sentiment')}.pt", measure_by_language
    )
    show(f"atlas of {args.checkpoint}", measure_atlas(args.checkpoint, args.repeats))


if __name__ == "__main__":
    main()
