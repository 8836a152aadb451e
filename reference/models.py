"""LeNet5 as the course used it, and ResNet-18 adapted to 32×32 CIFAR images."""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from reference.config import RunConfig


class LeNet5(nn.Module):
    """32×32 input: conv6@5×5 → pool → conv16@5×5 → pool → 120 → 84 → 10 (LeCun et al., 1998)."""

    def __init__(self, in_channels: int = 1, classes: int = 10, activation: str = "tanh", pooling: str = "avg"):
        super().__init__()
        act = {"tanh": nn.Tanh, "relu": nn.ReLU}[activation]
        pool = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}[pooling]
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), act(), pool(2),
            nn.Conv2d(6, 16, 5), act(), pool(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(), nn.Linear(84, classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def resnet18_cifar(in_channels: int = 3, classes: int = 10) -> nn.Module:
    """torchvision's ResNet-18 with the usual CIFAR stem: a 3×3 stride-1 first conv and no max-pool."""
    model = torchvision.models.resnet18(num_classes=classes)
    model.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    return model


def build_model(cfg: RunConfig, in_channels: int) -> nn.Module:
    if cfg.model == "lenet5":
        return LeNet5(in_channels, activation=cfg.activation, pooling=cfg.pooling)
    return resnet18_cifar(in_channels)
