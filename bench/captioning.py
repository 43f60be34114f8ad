"""Captioning speed from file bytes (decode, encoder and decoder): beam 1 and 3, analyze, batched images/s."""

from pathlib import Path

import torch

import models
from bench import median_ms, parse_args, row, show

PHOTO = Path(__file__).resolve().parents[1] / "assets" / "gallery" / "cat.jpg"


def measure(checkpoint: str, repeats: int) -> list[dict]:
    model = models.load(checkpoint, "captioning")
    photo = PHOTO.read_bytes()
    batch = [photo] * 16

    encoder_ms = median_ms(lambda: model.features([photo]), repeats)
    greedy_ms = median_ms(lambda: model.caption([photo], beam_size=1), repeats)
    beam_ms = median_ms(lambda: model.caption([photo], beam_size=3), repeats)
    analyze_ms = median_ms(lambda: model.analyze(photo, beam_size=3), repeats)
    batch_ms = median_ms(lambda: model.caption(batch, beam_size=3), 3)
    return [
        row("image -> features (encoder only)", encoder_ms),
        row("caption, beam 1, with the encoder", greedy_ms, f"encoder {encoder_ms / greedy_ms:.0%} of it"),
        row("caption, beam 3, with the encoder", beam_ms, f"{beam_ms / greedy_ms:.2f}x beam 1"),
        row("analyze with saliency, beam 3", analyze_ms, f"{analyze_ms / beam_ms:.2f}x caption, beam 3"),
        row(
            "caption, batch of 16, beam 3",
            batch_ms,
            f"{16000 / batch_ms:.1f} images/s, {beam_ms / (batch_ms / 16):.1f}x one by one",
        ),
    ]


def main() -> None:
    args = parse_args(__doc__, "checkpoints/captioning.pt")
    show(
        f"captioning: {args.checkpoint}, torch threads {torch.get_num_threads()}",
        measure(args.checkpoint, args.repeats),
    )


if __name__ == "__main__":
    main()
