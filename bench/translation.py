"""Translation speed: a 15-word sentence at beam 1 and 5, analyze (with connectivity), batched sentences/s."""

import models
from bench import decoder_rows, report
from models import registry

SENTENCES = {
    "de": "Ein junger Mann in einem blauen Hemd fährt mit seinem Fahrrad eine steile Straße hinunter.",
    "en": "A young man in a blue shirt rides his bicycle down a steep city street.",
}


def measure(checkpoint: str, repeats: int) -> list[dict]:
    model = models.load(checkpoint, "translation")
    sentence = SENTENCES[model.config.src]

    return decoder_rows(
        model.translate,
        model.analyze,
        sentence,
        [sentence] * 64,
        model.beam_size,
        repeats,
        verb="translate",
        sample="15 words",
        per="sentences",
    )


def main() -> None:
    report(__doc__, "translation", f"checkpoints/{registry.default('translation')}.pt", measure)


if __name__ == "__main__":
    main()
