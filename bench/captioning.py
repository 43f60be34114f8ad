"""Captioning speed from file bytes (decode, encoder and decoder): beam 1 and 3, analyze, batched images/s."""

from pathlib import Path

import models
from bench import decoder_rows, median_ms, report, row
from models import registry

PHOTO = Path(__file__).resolve().parents[1] / "assets" / "gallery" / "cat.jpg"


def measure(checkpoint: str, repeats: int) -> list[dict]:
    model = models.load(checkpoint, "captioning")
    photo = PHOTO.read_bytes()

    encoder_ms = median_ms(lambda: model.features([photo]), repeats)
    rows = decoder_rows(
        model.caption,
        model.analyze,
        photo,
        [photo] * 16,
        model.beam_size,
        repeats,
        verb="caption",
        sample="with the encoder",
        per="images",
    )
    rows[0]["note"] = f"encoder {encoder_ms / rows[0]['median_ms']:.0%} of it"
    return [row("image -> features (encoder only)", encoder_ms), *rows]


def main() -> None:
    report(__doc__, "captioning", f"checkpoints/{registry.default('captioning')}.pt", measure)


if __name__ == "__main__":
    main()
