"""LeNet5 as the course used it, and ResNet-18 adapted to 32×32 CIFAR images."""

from __future__ import annotations

import torch
from torch import nn

from reference.config import RunConfig


class _SigmoidTanh(torch.autograd.Function):
    """tanh(x) = 2·sigmoid(2x) − 1, with torch's own tanh backward from the output.

    On CPU torch's float tanh is an accurate scalar kernel; this form makes a LeNet5 training step ~4% faster
    (benchmarks/step_costs.py). It is within 1.8e-7 of
    tanh (1.5 ulp at 1; relative error up to 1e-4 only where |tanh| < 1e-3), i.e. float32 rounding.
    """

    generate_vmap_rule = True  # the batched engine vmaps the model

    @staticmethod
    def forward(x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x * 2).mul_(2).sub_(1)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return torch.ops.aten.tanh_backward(grad, y)


class Tanh(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SigmoidTanh.apply(x)


class LeNet5(nn.Module):
    """32×32 input: conv6@5×5 → pool → conv16@5×5 → pool → 120 → 84 → 10 (LeCun et al., 1998)."""

    def __init__(self, in_channels: int = 1, classes: int = 10, activation: str = "tanh", pooling: str = "avg"):
        super().__init__()
        act = {"tanh": Tanh, "relu": nn.ReLU}[activation]
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
    import torchvision  # ~150 MB resident: loaded only for ResNet-18 (an upload grade's memory is 768 MB)

    model = torchvision.models.resnet18(num_classes=classes)
    model.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    return model


def _softmax_output(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
    return output.softmax(1)


def build_model(cfg: RunConfig, in_channels: int) -> nn.Module:
    model = LeNet5(in_channels, activation=cfg.activation, pooling=cfg.pooling) if cfg.model == "lenet5" \
        else resnet18_cifar(in_channels)  # fmt: skip
    if cfg.mistake == "double-softmax":  # a known student mistake: probabilities, not logits, into cross_entropy
        model.register_forward_hook(_softmax_output)
    return model


def init_model(cfg: RunConfig, in_channels: int) -> nn.Module:
    """The run's initial model, the same on every engine: seeded draws, then `init_nudge` (probe twins only)
    multiplies each weight by 1 + nudge·N(0, 1), the noise drawn from a generator of its own."""
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, in_channels)
    if cfg.init_nudge:
        noise = torch.Generator().manual_seed(cfg.seed)
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(1 + cfg.init_nudge * torch.randn(p.shape, generator=noise))
    return model
