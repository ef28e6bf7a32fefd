"""Training pairs and batches: a photo and its mask fitted to the network's input size, their labels, random crops
with flips and colour jitter, and ImageNet normalisation."""

from __future__ import annotations

import cv2
import numpy as np

from vitiscore.segment.relative_colour import relative_lab
from vitiscore.training.config import TrainConfig
from vitiscore.training.data import LESION, SKIN_UNKNOWN

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# A photo (h, w, 3) uint8 and its mask (h, w) bool or uint8 label map.
Pair = tuple[np.ndarray, np.ndarray]


def _nearest(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A bool mask or uint8 label map resized to ``size`` (w, h) by nearest neighbour, keeping its type."""
    return cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(mask.dtype)


def fit_long_side(rgb: np.ndarray, mask: np.ndarray, long_side: int) -> Pair:
    """Scale an (rgb, mask) pair so that its longer side is ``long_side`` pixels; the mask (bool or a uint8
    label map) keeps its type."""
    h, w = mask.shape
    f = long_side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    return rgb, _nearest(mask, size)


def labels_of(mask: np.ndarray) -> np.ndarray:
    """A pair's mask as a uint8 label map: a bool mask gives LESION where True and SKIN_UNKNOWN elsewhere."""
    if mask.dtype == bool:
        return np.where(mask, LESION, SKIN_UNKNOWN).astype(np.uint8)
    return mask


def _augment(
    rgb: np.ndarray, mask: np.ndarray, crop: int, rng: np.random.Generator, jitter: bool, relative: bool = False
) -> Pair:
    """A random crop (scaled, flipped, turned; colour-jittered with ``jitter``) as float32 (crop, crop, 3) on the
    0-255 scale, or with ``relative`` (crop, crop, 6) whose last three channels are the colour relative to the
    whole (jittered) image's skin, taken before cropping as at inference; and its mask."""
    f = rng.uniform(0.75, 1.3)
    rgb, mask = fit_long_side(rgb, mask, max(crop // 2, round(max(mask.shape) * f)))
    h, w = mask.shape
    pad_y, pad_x = max(0, crop - h), max(0, crop - w)
    if pad_y or pad_x:
        rgb = cv2.copyMakeBorder(rgb, 0, pad_y, 0, pad_x, cv2.BORDER_REFLECT_101)
        mask = cv2.copyMakeBorder(mask.astype(np.uint8), 0, pad_y, 0, pad_x, cv2.BORDER_REFLECT_101).astype(mask.dtype)
        h, w = mask.shape
    y, x = rng.integers(0, h - crop + 1), rng.integers(0, w - crop + 1)
    flip = rng.random() < 0.5
    k = int(rng.integers(4)) if rng.random() < 0.3 else 0
    # Jitter is pixel-wise, so jittering the whole image before cropping gives the crop the same colours.
    rgb = rgb.astype(np.float32)
    if jitter:
        rgb = rgb * rng.uniform(0.8, 1.2) + rng.uniform(-15, 15)
        rgb = rgb * rng.uniform(0.92, 1.08, 3)[None, None, :]
        grey = rgb.mean(axis=2, keepdims=True)
        rgb = grey + (rgb - grey) * rng.uniform(0.8, 1.2)
    rgb = np.clip(rgb, 0, 255)
    if relative:
        rgb = np.concatenate([rgb, relative_lab(np.round(rgb).astype(np.uint8))], axis=2)
    rgb, mask = rgb[y : y + crop, x : x + crop], mask[y : y + crop, x : x + crop]
    if flip:
        rgb, mask = rgb[:, ::-1], mask[:, ::-1]
    rgb, mask = np.rot90(rgb, k), np.rot90(mask, k)
    return np.ascontiguousarray(rgb), np.ascontiguousarray(mask)


def _normalise(planes: np.ndarray) -> np.ndarray:
    """(c, h, w): the RGB channels (first three, 0-255) ImageNet-normalised; relative channels as they are."""
    mean = np.asarray(IMAGENET_MEAN, np.float32) * 255.0
    std = np.asarray(IMAGENET_STD, np.float32) * 255.0
    out = planes.copy()
    out[..., :3] = (planes[..., :3] - mean) / std
    return out.transpose(2, 0, 1)


def make_batch(synthetic: list[Pair], real: list[Pair], config: TrainConfig, rng: np.random.Generator):
    """(images (b, c, crop, crop) float32 normalised, c = 3 or 6 with colour relative to the skin, labels
    (b, 1, crop, crop) uint8 label maps, see :func:`labels_of`) for one step."""
    relative = config.input_channels != "rgb"
    images = np.empty((config.batch_size, 6 if relative else 3, config.crop, config.crop), np.float32)
    labels = np.empty((config.batch_size, 1, config.crop, config.crop), np.uint8)
    for i in range(config.batch_size):
        use_real = bool(real) and (not synthetic or rng.random() < config.real_share)
        pool = real if use_real else synthetic
        rgb, mask = pool[rng.integers(len(pool))]
        rgb, mask = _augment(rgb, labels_of(mask), config.crop, rng, jitter=use_real, relative=relative)
        images[i] = _normalise(rgb)
        labels[i, 0] = mask
    return images, labels
