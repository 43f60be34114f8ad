"""Any image a user may give -> the 224x224 RGB picture the encoder reads, or a clear ImageError."""

import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from models.errors import InputError, first_line

SIZE = 224  # the encoder's input; photos are squashed to it, as Flickr8k's training images were
MAX_SIDE = 8192
# The photo formats accepted, by name and by the file endings an uploader offers
FORMATS = {"JPEG": ("jpg", "jpeg"), "PNG": ("png",), "WebP": ("webp",), "GIF": ("gif",)}
ENDINGS = [ending for endings in FORMATS.values() for ending in endings]
MAX_PIXELS = MAX_SIDE * MAX_SIDE  # images with more pixels are refused before they are decoded


class ImageError(InputError):
    """An image that cannot be used; the message says why in the user's terms."""


def open_image(source: bytes | str | Path | Image.Image) -> Image.Image:
    """A SIZE x SIZE RGB copy of `source` (file bytes, a path or a PIL image), upright by its EXIF
    orientation, transparency on white, 16-bit scaled to 8. GIF and WebP animations give frame one."""
    image = source if isinstance(source, Image.Image) else _open(source)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(
            "The image is {width}x{height} pixels; the largest accepted is {side}x{side} pixels in all.",
            "images.too_many_pixels",
            width=width,
            height=height,
            side=MAX_SIDE,
        )
    try:
        image.draft("RGB", (SIZE, SIZE))  # JPEG decodes at 1/2 to 1/8 scale: big photos stay cheap
        image = ImageOps.exif_transpose(image)
        image = _shrink(_to_8_bit(image))
        return _to_rgb(image).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
    except (OSError, ValueError, SyntaxError) as error:  # what PIL raises on damaged data
        raise _damaged(error) from None


def pixels(images: list[Image.Image]) -> torch.Tensor:
    """[batch, 3, SIZE, SIZE] in [-1, 1], the range EfficientNet-Lite was trained on. (numpy, not
    torchvision, which training uses: importing it would cost every app process about 175 MB.)"""
    array = np.stack([np.asarray(image) for image in images])  # [batch, SIZE, SIZE, 3] uint8
    return torch.from_numpy(array).permute(0, 3, 1, 2).float() / 127.5 - 1


def _open(source: bytes | str | Path) -> Image.Image:
    try:
        return Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source)
    except UnidentifiedImageError:
        raise ImageError(
            "This file is not an image that can be read; use a {formats} file.",
            "images.not_an_image",
            formats=", ".join(FORMATS),
        ) from None
    except Image.DecompressionBombError:
        raise ImageError(
            "The image is too large to open safely; the largest accepted is {side}x{side} pixels in all.",
            "images.too_large",
            side=MAX_SIDE,
        ) from None
    except OSError as error:
        raise _damaged(error) from None


def _to_8_bit(image: Image.Image) -> Image.Image:
    """16-bit and float grey levels scaled to 0..255 (PIL's own conversion would clip them)."""
    if image.mode not in ("I", "I;16", "I;16B", "I;16L", "F"):
        return image
    values = np.asarray(image, dtype=np.float32)
    top = next(limit for limit in (1.0, 255.0, 65535.0, np.inf) if values.max(initial=0) <= limit)
    top = values.max() if top == np.inf else top
    return Image.fromarray((values / top * 255).clip(0, 255).astype(np.uint8))


def _shrink(image: Image.Image) -> Image.Image:
    """Reduce by whole factors while at least twice SIZE: cheap, and the final resize stays sharp."""
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    factors = (max(1, image.width // (2 * SIZE)), max(1, image.height // (2 * SIZE)))
    return image.reduce(factors) if factors != (1, 1) else image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return image.convert("RGB")


def _damaged(error: Exception) -> ImageError:
    return ImageError(
        "The image file is damaged or incomplete ({reason}).", "images.damaged", reason=first_line(error)
    )
