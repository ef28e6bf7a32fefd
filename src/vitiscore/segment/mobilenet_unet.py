"""The U-Net on a MobileNetV2 encoder in plain torch, with the parameter names, layers and arithmetic of
segmentation_models_pytorch's ``Unet(encoder_name="mobilenet_v2")`` (decoder without centre block or attention,
nearest-neighbour upsampling, batch norms): a model folder of that architecture loads into either.

Why not smp itself for scoring: importing it brings timm and torchvision, and with them torch's compiler
(about 1.5 s), in every command and every worker. Training builds its networks with smp; the tests check that
this one gives the same output as smp's on the same weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# MobileNetV2's inverted residual stages (torchvision's table): expansion, output channels, repeats, first stride.
_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
# The encoder's features after which a map goes to the decoder (strides 2, 4, 8, 16 and 32), and their channels.
_SKIP_AFTER = (1, 3, 6, 13, 18)
_SKIP_CHANNELS = (16, 24, 32, 96, 1280)


def _conv_norm_relu6(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU6(inplace=True),
    )


class _InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expansion: int):
        super().__init__()
        hidden = cin * expansion
        layers = [_conv_norm_relu6(cin, hidden, 1)] if expansion != 1 else []
        layers += [
            _conv_norm_relu6(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class _Encoder(nn.Module):
    def __init__(self, in_channels: int):
        super().__init__()
        layers = [_conv_norm_relu6(in_channels, 32, 3, 2)]
        channels = 32
        for expansion, cout, repeats, stride in _STAGES:
            for k in range(repeats):
                layers.append(_InvertedResidual(channels, cout, stride if k == 0 else 1, expansion))
                channels = cout
        layers.append(_conv_norm_relu6(channels, 1280, 1))
        self.features = nn.Sequential(*layers)

    def forward(self, x):
        maps = [x]
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in _SKIP_AFTER:
                maps.append(x)
        return maps


def _conv_norm_relu(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class _DecoderBlock(nn.Module):
    def __init__(self, cin: int, skip: int, cout: int):
        super().__init__()
        self.conv1 = _conv_norm_relu(cin + skip, cout)
        self.conv2 = _conv_norm_relu(cout, cout)

    def forward(self, x, size, skip=None):
        x = F.interpolate(x, size=size, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class _Decoder(nn.Module):
    def __init__(self, decoder_channels: tuple[int, ...]):
        super().__init__()
        ins = [_SKIP_CHANNELS[-1], *decoder_channels[:-1]]
        skips = [*_SKIP_CHANNELS[-2::-1], 0]
        self.blocks = nn.ModuleList(_DecoderBlock(i, s, o) for i, s, o in zip(ins, skips, decoder_channels))

    def forward(self, maps):
        sizes = [m.shape[2:] for m in maps][::-1]  # the coarsest first, the input's own last
        features = maps[1:][::-1]
        x, skips = features[0], features[1:]
        for k, block in enumerate(self.blocks):
            x = block(x, sizes[k + 1], skips[k] if k < len(skips) else None)
        return x


class MobileNetUnet(nn.Module):
    """The network: (n, ``in_channels``, h, w) float input, h and w multiples of 32, to (n, ``classes``, h, w)
    logits. ``decoder_channels``: five widths, coarsest first."""

    def __init__(self, decoder_channels, in_channels: int = 3, classes: int = 1):
        super().__init__()
        decoder_channels = tuple(int(c) for c in decoder_channels)
        if len(decoder_channels) != 5:
            raise ValueError(f"decoder_channels must give 5 widths, got {decoder_channels}")
        self.encoder = _Encoder(in_channels)
        self.decoder = _Decoder(decoder_channels)
        self.segmentation_head = nn.Sequential(nn.Conv2d(decoder_channels[-1], classes, 3, padding=1))

    def forward(self, x):
        return self.segmentation_head(self.decoder(self.encoder(x)))


def builds(architecture: dict) -> bool:
    """Whether ``architecture`` (a model config's) is the one :class:`MobileNetUnet` builds."""
    keys = {"arch", "encoder", "decoder_channels", "classes", "in_channels"}
    return (
        architecture.get("arch") == "Unet"
        and architecture.get("encoder") == "mobilenet_v2"
        and set(architecture) <= keys
        and len(architecture.get("decoder_channels", ())) == 5
    )
