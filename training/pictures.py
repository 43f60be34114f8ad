"""Training's image path, with torchvision: decode a data set's image and make the encoder's input.

The app makes the same input with PIL and numpy (`models/images.py`), because importing torchvision
would cost every app process about 175 MB of resident memory; a test holds the two paths together.
"""

from importlib.metadata import version
from pathlib import Path

import torch
from PIL import Image
from torchvision import io
from torchvision.transforms import v2

from models.images import SIZE

PIPELINE = f"torchvision {version('torchvision')}"  # part of the feature cache's key

# EfficientNet-Lite reads 224x224 RGB in [-1, 1]; photos are squashed to it, as the app does.
TO_ENCODER = v2.Compose(
    [
        v2.Resize((SIZE, SIZE), antialias=True),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize(mean=[0.5] * 3, std=[0.5] * 3),
    ]
)


def decode(source: str | Path | bytes | Image.Image) -> torch.Tensor:
    """A path, file bytes or PIL image (the hub's rows) -> uint8 RGB [3, height, width], upright."""
    if isinstance(source, Image.Image):
        return v2.functional.pil_to_tensor(source.convert("RGB"))
    encoded = torch.frombuffer(bytearray(source), dtype=torch.uint8) if isinstance(source, bytes) else None
    encoded = io.read_file(str(source)) if encoded is None else encoded
    return io.decode_image(encoded, mode=io.ImageReadMode.RGB, apply_exif_orientation=True)


def encoder_input(source: str | Path | bytes | Image.Image) -> torch.Tensor:
    """[3, SIZE, SIZE] in [-1, 1]: what the encoder reads of an image file, bytes or PIL image."""
    return TO_ENCODER(decode(source))
