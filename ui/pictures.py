"""Pictures drawn over the image a caption describes: lit where attention is, hidden cells framed."""

from collections.abc import Collection

import numpy as np
from PIL import Image, ImageDraw

DIMMED = 0.15  # the brightness attention overlays leave where attention is lowest


def attention_overlay(image: np.ndarray, attention: np.ndarray) -> np.ndarray:
    """The picture [height, width, 3] lit where a grid of attention weights is high, dimmed elsewhere:
    the grid is scaled up smoothly to the picture's size, from its smallest weight (dark) to its
    largest (full brightness), so a nearly even spread still shows where the peak is."""
    spread = attention.max() - attention.min()
    relative = (attention - attention.min()) / spread if spread > 0 else np.ones_like(attention)
    grid = Image.fromarray(relative.astype(np.float32), mode="F")
    light = np.asarray(grid.resize(image.shape[1::-1], Image.Resampling.BICUBIC)).clip(0, 1)
    return (image * (DIMMED + (1 - DIMMED) * light[:, :, None])).astype(np.uint8)


def caption_overlay(image: np.ndarray, attention: np.ndarray) -> np.ndarray:
    """attention_overlay of a caption's maps [words, grid, grid] averaged: where it looked overall."""
    return attention_overlay(image, attention.mean(axis=0))


def attention_gained(image: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The picture lit where a caption's average attention grew from the maps `before` to `after`
    ([words, grid, grid] each), most where it grew most; dimmed where it shrank, all dimmed if it grew
    nowhere."""
    gain = np.clip(after.mean(axis=0) - before.mean(axis=0), 0, None)
    return attention_overlay(image, gain) if gain.max() > 0 else (image * DIMMED).astype(np.uint8)


def framed(picture: np.ndarray, cells: Collection[tuple[int, int]], grid: int) -> np.ndarray:
    """The picture with the (row, column) cells of its grid x grid grid framed in red."""
    framed_picture = Image.fromarray(picture)
    draw = ImageDraw.Draw(framed_picture)
    step = picture.shape[0] / grid
    for row, column in cells:
        box = [column * step, row * step, (column + 1) * step - 1, (row + 1) * step - 1]
        draw.rectangle(box, outline=(220, 40, 40), width=1)
    return np.asarray(framed_picture)
