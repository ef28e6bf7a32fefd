"""What every depigmentation model is: the :class:`Segmenter` protocol and its answer, :class:`Segmentation`.

A segmenter sees the analysis crop of one face (RGB, uint8) and the facial-area mask on the same grid, and
returns a probability map and a mask. It knows nothing about files, landmarks or scores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Segmentation:
    """A segmenter's answer on the analysis grid.

    Attributes:
        probability: (h, w) float32 in [0, 1], how depigmented each pixel looks; 0 outside the facial area.
        mask: (h, w) bool, depigmented pixels (always inside the facial area). An all-False mask is a normal
            answer (no depigmentation), not an error.
        threshold: the probability at which ``mask`` was cut.
        skin: (h, w) bool, where the model sees skin (lesions included), from a model with a skin head; None from
            a model without one. ``mask`` is not cut to it: the caller decides (``vitiscore segment`` does).
    """

    probability: np.ndarray
    mask: np.ndarray
    threshold: float
    skin: np.ndarray | None = None


class Segmenter(Protocol):
    """A depigmentation model.

    Attributes:
        model_id: short name recorded in every output row.
        sha256: hash of the weights file, or of the method's parameters for a method without weights.
    """

    model_id: str
    sha256: str

    def predict(self, rgb: np.ndarray, area: np.ndarray) -> Segmentation:
        """Segment depigmented skin inside ``area`` ((h, w) bool) of ``rgb`` ((h, w, 3) uint8)."""
        ...

    def predict_batch(self, images: list[np.ndarray], areas: list[np.ndarray]) -> list[Segmentation]:
        """:meth:`predict` for several images at once, in order (a learned model runs them as one batch)."""
        ...


def parameters_sha256(parameters: dict) -> str:
    """SHA-256 of a method's parameters in canonical JSON: it changes whenever a parameter does."""
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_inputs(rgb: np.ndarray, area: np.ndarray) -> None:
    """Raise ValueError naming the bad argument when a segmenter's inputs do not fit together."""
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("rgb must be an (h, w, 3) uint8 array")
    if not isinstance(area, np.ndarray) or area.shape != rgb.shape[:2]:
        raise ValueError(f"area must be a boolean array of shape {rgb.shape[:2]}")
