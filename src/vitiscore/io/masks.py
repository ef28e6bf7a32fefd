"""The one mask reader, and how mask files are named and found.

A mask is a single-channel (or colour) image of the photo's size; a pixel is "in" the mask when its grey level
(luminance for colour files) is 128 or more, so 0/255 masks and anti-aliased exports read as drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MASK_SUFFIXES = (".png", ".tif", ".tiff", ".bmp")
ID_TAILS = ("_depigmented", "_mask", "_gt", "_ref", "_label")


def mask_id(path) -> str:
    """The image id of a mask file: its name without extension and without a trailing ``_depigmented``,
    ``_mask``, ``_gt``, ``_ref`` or ``_label`` (so ``vitiscore segment`` masks pair with ``<id>.png``)."""
    stem = Path(path).stem
    for tail in ID_TAILS:
        if stem.endswith(tail) and len(stem) > len(tail):
            return stem[: -len(tail)]
    return stem


def masks_in(folder) -> dict:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"mask folder does not exist: {folder}")
    found: dict = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in MASK_SUFFIXES):
        key = mask_id(path)
        if key in found:
            raise ValueError(f"{folder} has two masks for image {key}: {found[key].name} and {path.name}")
        found[key] = path
    if not found:
        raise ValueError(f"{folder} holds no masks ({', '.join(MASK_SUFFIXES)})")
    return found


def read_mask(path) -> np.ndarray:
    """A mask file as an (H, W) bool array: grey level >= 128 (colour masks are taken as their luminance).
    An all-black file gives an all-False mask."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("L")) >= 128


def read_labels(path) -> np.ndarray:
    """A label image (facial units 0-7) as its raw (H, W) uint8 values."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("L"))
