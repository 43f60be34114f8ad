"""Translation speed: a 15-word sentence at beam 1 and 5, analyze (with saliency), batched sentences/s."""

import torch

import models
from bench import median_ms, parse_args, row, show

SENTENCES = {
    "de": "Ein junger Mann in einem blauen Hemd fährt mit seinem Fahrrad eine steile Straße hinunter.",
    "en": "A young man in a blue shirt rides his bicycle down a steep city street.",
}


def measure(checkpoint: str, repeats: int) -> list[dict]:
    model = models.load(checkpoint, "translation")
    sentence = SENTENCES[model.source_language]
    batch = [sentence] * 64

    greedy_ms = median_ms(lambda: model.translate([sentence], beam_size=1), repeats)
    beam_ms = median_ms(lambda: model.translate([sentence], beam_size=5), repeats)
    analyze_ms = median_ms(lambda: model.analyze(sentence, beam_size=5), repeats)
    batch_ms = median_ms(lambda: model.translate(batch, beam_size=5), 3)
    return [
        row("translate, 15 words, beam 1", greedy_ms),
        row("translate, 15 words, beam 5", beam_ms, f"{beam_ms / greedy_ms:.2f}x beam 1"),
        row("analyze with saliency, 15 words, beam 5", analyze_ms, f"{analyze_ms / beam_ms:.2f}x translate"),
        row(
            "translate, batch of 64, beam 5",
            batch_ms,
            f"{64000 / batch_ms:.0f} sentences/s, {beam_ms / (batch_ms / 64):.1f}x one by one",
        ),
    ]


def main() -> None:
    args = parse_args(__doc__, "checkpoints/translation-de-en.pt")
    show(
        f"translation: {args.checkpoint}, torch threads {torch.get_num_threads()}",
        measure(args.checkpoint, args.repeats),
    )


if __name__ == "__main__":
    main()
