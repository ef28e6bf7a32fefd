"""The learned depigmentation model: a segmentation-models-pytorch network in a self-describing folder.

A model folder holds ``config.json`` (architecture, input size, normalisation, the SHA-256 of the weights),
``weights.safetensors`` (tensors only: loading never unpickles anything), ``thresholds.json`` (the probability
cut tuned on validation data) and a model card ``README.md``. Loading refuses weights whose SHA-256 differs from
the one in the config.

Inference: the image is scaled so that its longer side is ``input_size`` pixels, padded to a square by
reflection, normalised, and passed through the network; the probability map is cropped and scaled back to the
image's own size. A photo of any size therefore costs the same network time and bounded memory (one float map
of the photo's size). Several images go through the network as one batch. Saving a model folder is training's
job (:mod:`vitiscore.training.model_folder`).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vitiscore.errors import UsageError
from vitiscore.files.storage import file_sha256
from vitiscore.segment.protocol import Segmentation, check_inputs
from vitiscore.segment.relative_colour import check_input_channels, relative_lab

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
THRESHOLDS_FILE = "thresholds.json"
# Cut of a skin head's probability: skin is the likelier of the two answers.
SKIN_THRESHOLD = 0.5

_TORCHVISION_SCHEMAS = None


class ModelFileError(UsageError):
    """A model folder is incomplete, inconsistent or tampered with."""


def import_smp():
    """Import segmentation_models_pytorch offline, CPU-only.

    Two environment facts are handled here, once: ``HF_HUB_OFFLINE`` is set so that nothing is ever fetched
    (encoders are built without pretrained weights anyway), and the pinned torchvision wheel is a CUDA build
    whose import fails next to CPU torch because two operator schemas (``torchvision::nms``, ``qnms``) are
    missing. Then, and only then, those schemas are declared and torchvision imported again; smp never calls
    them. A matching torchvision (e.g. on a GPU machine) imports the first time and is left alone: declaring
    the schemas before it loads would make its own registration abort the process. The declaration is kept
    alive in a module global, because a ``torch.library.Library`` removes its definitions when
    garbage-collected.
    """
    global _TORCHVISION_SCHEMAS
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    if _TORCHVISION_SCHEMAS is None:
        try:
            import torchvision  # noqa: F401 - smp imports it; this is where it fails or not

            _TORCHVISION_SCHEMAS = False
        except RuntimeError as error:
            if "torchvision::nms" not in str(error):
                raise
            library = torch.library.Library("torchvision", "DEF")
            library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            _TORCHVISION_SCHEMAS = library
            # The failed import left half-initialised submodules behind; import it afresh.
            for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
                del sys.modules[name]
            import torchvision  # noqa: F401
    import segmentation_models_pytorch as smp

    return smp


def build_network(architecture: dict):
    """An untrained network from the ``architecture`` part of a config: ``arch`` (smp class name, e.g. "Unet"),
    ``encoder``, ``decoder_channels`` and optionally ``classes`` (output channels: 1, depigmented skin, or 2 with
    skin as the second) and ``in_channels`` (3, RGB; 6 with colour relative to the skin). Encoders are never
    initialised from downloaded weights."""
    smp = import_smp()
    try:
        return smp.create_model(
            architecture["arch"],
            encoder_name=architecture["encoder"],
            encoder_weights=None,
            in_channels=int(architecture.get("in_channels", 3)),
            classes=int(architecture.get("classes", 1)),
            decoder_channels=tuple(architecture["decoder_channels"]),
        )
    except KeyError as err:
        raise ModelFileError(f"architecture lacks {err}") from None


def scoring_network(architecture: dict):
    """:func:`build_network` for scoring and adapting a stored model: the U-Net on MobileNetV2 is built in plain
    torch (:mod:`vitiscore.segment.mobilenet_unet`, the same parameters and output, without smp's imports),
    any other architecture by smp."""
    from vitiscore.segment import mobilenet_unet

    if not mobilenet_unet.builds(architecture):
        return build_network(architecture)
    return mobilenet_unet.MobileNetUnet(
        architecture["decoder_channels"],
        in_channels=int(architecture.get("in_channels", 3)),
        classes=int(architecture.get("classes", 1)),
    )


@dataclass(frozen=True)
class ModelFolder:
    """A model folder's parsed files (weights not yet loaded)."""

    path: Path
    config: dict
    thresholds: dict

    @property
    def model_id(self) -> str:
        return str(self.config["model_id"])


def read_model_folder(folder: str | Path) -> ModelFolder:
    """Parse and check a model folder's config and thresholds.

    Raises:
        ModelFileError: a file is missing or lacks a required key.
    """
    folder = Path(folder)
    for name in (CONFIG_FILE, WEIGHTS_FILE, THRESHOLDS_FILE):
        if not (folder / name).is_file():
            raise ModelFileError(f"model folder {folder} lacks {name}")
    try:
        config = json.loads((folder / CONFIG_FILE).read_text())
        thresholds = json.loads((folder / THRESHOLDS_FILE).read_text())
    except json.JSONDecodeError as err:
        raise ModelFileError(f"model folder {folder}: unreadable JSON ({err})") from None
    for key in ("model_id", "architecture", "input_size", "normalisation", "weights_sha256"):
        if key not in config:
            raise ModelFileError(f"{folder / CONFIG_FILE} lacks {key!r}")
    if "threshold" not in thresholds or not 0 < float(thresholds["threshold"]) < 1:
        raise ModelFileError(f"{folder / THRESHOLDS_FILE} needs a 'threshold' between 0 and 1")
    return ModelFolder(folder, config, thresholds)


def fold_batch_norms(module) -> int:
    """Fold every batch norm that directly follows a convolution inside an ``nn.Sequential`` of ``module`` (in
    eval mode) into that convolution, in place, leaving an identity; return how many were folded. Exact up to
    float rounding, since an eval-mode batch norm is a per-channel affine map."""
    import torch
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    folded = 0
    for parent in module.modules():
        if not isinstance(parent, torch.nn.Sequential):
            continue
        names = list(parent._modules)
        for first, second in zip(names, names[1:]):
            conv, norm = parent._modules[first], parent._modules[second]
            if isinstance(conv, torch.nn.Conv2d) and isinstance(norm, torch.nn.BatchNorm2d):
                parent._modules[first] = fuse_conv_bn_eval(conv, norm)
                parent._modules[second] = torch.nn.Identity()
                folded += 1
    return folded


def inference_network(network):
    """``network`` in eval mode, prepared for fast CPU inference: batch norms folded into their convolutions
    (:func:`fold_batch_norms`) and the weights in channels-last memory layout.

    Why: on a 2-thread CPU the network then runs about a third faster than as stored (``research/bench.py``
    times it), while the probabilities move by under 1e-5.
    """
    import torch

    network = network.eval()
    fold_batch_norms(network)
    return network.to(memory_format=torch.channels_last)


def network_input(
    images: list[np.ndarray],
    size: int,
    mean: np.ndarray,
    std: np.ndarray,
    regions: list[np.ndarray | None] | None = None,
    relative: bool = False,
):
    """The network's input batch ((n, c, size, size) float32) for ``images`` ((h, w, 3) uint8): each scaled to a
    longer side of ``size`` pixels, reflect-padded to a square at its right and bottom, and normalised with
    ``mean`` and ``std`` (per channel, 0-255 scale). With ``relative`` three more channels follow the RGB ones:
    colour relative to the skin of each image's region (``regions``, (h, w) bool each or None for the whole
    image; :func:`vitiscore.segment.relative_colour.relative_lab`). Also returns each image's (height, width)
    inside the square."""
    batch = np.empty((len(images), 6 if relative else 3, size, size), np.float32)
    regions = regions if regions is not None else [None] * len(images)
    placed = []
    for i, (rgb, region) in enumerate(zip(images, regions, strict=True)):
        h, w = rgb.shape[:2]
        f = size / max(h, w)
        nh, nw = max(1, round(h * f)), max(1, round(w * f))
        small = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
        planes = (small.astype(np.float32) - mean) / std
        if relative:
            if region is not None:
                region = cv2.resize(region.astype(np.uint8), (nw, nh), interpolation=cv2.INTER_NEAREST) > 0
            planes = np.concatenate([planes, relative_lab(small, region)], axis=2)
        square = cv2.copyMakeBorder(planes, 0, size - nh, 0, size - nw, cv2.BORDER_REFLECT_101)
        batch[i] = square.reshape(size, size, -1).transpose(2, 0, 1)
        placed.append((nh, nw))
    return batch, placed


def run_network(
    network,
    images: list[np.ndarray],
    size: int,
    mean: np.ndarray,
    std: np.ndarray,
    channel: int | None = 0,
    regions: list[np.ndarray | None] | None = None,
    relative: bool = False,
) -> list[np.ndarray]:
    """Probability maps (float32, 0-1, each at its image's size) from ``network`` for ``images`` ((h, w, 3)
    uint8), prepared by :func:`network_input` (``regions``, ``relative``: see there). ``channel`` picks the
    output channel ((h, w) maps); None gives them all ((h, w, c) maps). Runs on the device that holds the
    network's weights."""
    import torch

    if not images:
        return []
    batch, placed = network_input(images, size, mean, std, regions, relative)
    with torch.inference_mode():
        device = next(network.parameters()).device
        x = torch.from_numpy(batch).to(device).contiguous(memory_format=torch.channels_last)
        out = network(x)
        out = out[:, channel] if channel is not None else out.permute(0, 2, 3, 1)
        maps = torch.sigmoid(out).float().cpu().contiguous().numpy()
    resized = [
        cv2.resize(maps[i, :nh, :nw], (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
        for i, ((nh, nw), rgb) in enumerate(zip(placed, images))
    ]
    # cv2 drops a last axis of length 1.
    return [m.reshape(*m.shape[:2], -1) for m in resized] if channel is None else resized


DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str) -> str:
    """Where a network runs: "cpu", "cuda", or for "auto" the GPU when torch sees one, else the CPU.

    Raises:
        ValueError: an unknown device, or "cuda" when torch sees no GPU (no silent fallback to the CPU).
    """
    if device not in DEVICES:
        raise UsageError(f"device must be one of {DEVICES}, got {device!r}")
    if device == "cpu":
        return device
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise UsageError("--device cuda was asked for but torch sees no GPU; use --device cpu or auto")
    return device


class LearnedSegmenter:
    """A trained network behind the :class:`~vitiscore.segment.registry.Segmenter` interface.

    ``device`` ("cpu", "cuda", "auto"; :func:`resolve_device`) is where the network predicts.

    Raises (on construction):
        ModelFileError: incomplete folder, or weights whose SHA-256 does not match ``config.json`` (a tampered
            or corrupted file); the message names both hashes.
    """

    def __init__(self, folder: str | Path, device: str = "cpu"):
        from safetensors.torch import load_file

        spec = read_model_folder(folder)
        weights = spec.path / WEIGHTS_FILE
        sha = file_sha256(weights)
        if sha != spec.config["weights_sha256"]:
            raise ModelFileError(
                f"{weights} does not match its config: SHA-256 {sha}, expected {spec.config['weights_sha256']}. "
                "The file was changed or damaged; refusing to use it."
            )
        self.model_id = spec.model_id
        self.folder = spec.path.resolve()
        self.sha256 = sha
        self.config = spec.config
        self.threshold = float(spec.thresholds["threshold"])
        # The error of the depigmented fraction that the model's own variability does not show, as (absolute,
        # relative) standard deviations (vitiscore.measure.uncertainty.widen); (0, 0) when not calibrated.
        residual = spec.thresholds.get("residual_error") or {}
        self.residual_error = (float(residual.get("absolute", 0.0)), float(residual.get("relative", 0.0)))
        self.input_size = int(spec.config["input_size"])
        norm = spec.config["normalisation"]
        self._mean = np.asarray(norm["mean"], np.float32) * 255.0
        self._std = np.asarray(norm["std"], np.float32) * 255.0
        unsupported = [key for key in ("input_tone", "test_time_flip") if spec.config.get(key)]
        if unsupported:
            raise ModelFileError(
                f"{spec.path / CONFIG_FILE} asks for {', '.join(unsupported)}, which this version of vitiscore "
                "does not run at inference; remove the key(s) or use a model folder written by this version"
            )
        try:
            # Colour relative to the skin of the area each image is scored in (relative_colour).
            self.relative = check_input_channels(spec.config.get("input_channels", "rgb")) != "rgb"
        except ValueError as error:
            raise ModelFileError(f"{spec.path / CONFIG_FILE}: {error}") from None
        # A second output channel is the probability of skin (segment counts only skin with it).
        self.has_skin_head = int(spec.config["architecture"].get("classes", 1)) == 2
        self._weights = load_file(str(weights))
        network = scoring_network(spec.config["architecture"])
        network.load_state_dict(self._weights, strict=True)
        self.device = resolve_device(device)
        self.network = inference_network(network).to(self.device)

    def trainable_network(self):
        """A fresh copy of the network as stored (batch norms not folded, float32, on the CPU), to adapt to one
        photo or one study without touching the one this segmenter predicts with."""
        network = scoring_network(self.config["architecture"])
        network.load_state_dict(self._weights, strict=True)
        return network

    def probabilities(self, images: list[np.ndarray], areas: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """Depigmentation probability (float32, 0-1) of every pixel of each image (each (h, w, 3) uint8),
        at the image's own size; ``areas`` (bool, None: whole images) are where a model that reads colour
        relative to the skin finds that skin. All images go through the network as one batch."""
        return [maps[..., 0] for maps in self._maps(images, areas=areas)]

    def _maps(self, images: list[np.ndarray], network=None, areas=None) -> list[np.ndarray]:
        network = self.network if network is None else network
        return run_network(network, images, self.input_size, self._mean, self._std, None, areas, self.relative)

    def predict_batch(self, images: list[np.ndarray], areas: list[np.ndarray], network=None) -> list[Segmentation]:
        """:meth:`predict` for several images at once (one network batch); ``network`` replaces the model's own
        (one adapted to a photo, :mod:`vitiscore.segment.refine`), with the same input size and threshold."""
        for rgb, area in zip(images, areas, strict=True):
            check_inputs(rgb, area)
        out = []
        for maps, area in zip(self._maps(images, network, areas), areas):
            area = area.astype(bool)
            probability = np.where(area, maps[..., 0], 0.0).astype(np.float32)
            skin = maps[..., 1] >= SKIN_THRESHOLD if self.has_skin_head else None
            out.append(Segmentation(probability, probability >= self.threshold, self.threshold, skin))
        return out

    def predict(self, rgb: np.ndarray, area: np.ndarray) -> Segmentation:
        """Depigmented pixels of ``rgb`` inside ``area``. An all-False mask means no depigmentation found."""
        return self.predict_batch([rgb], [area])[0]
