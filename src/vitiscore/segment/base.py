"""The interface every depigmentation model implements, and the registry that finds one by id.

A segmenter sees the analysis crop of one face (RGB, uint8) and the facial-area mask on the same grid, and
returns a probability-like map and a mask. It knows nothing about files, landmarks or scores, so a learned model
plugs in by implementing :class:`Segmenter` and registering a loader in :data:`_LOADERS`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np


@dataclass(frozen=True)
class Segmentation:
    """A segmenter's answer on the analysis grid.

    Attributes:
        probability: (h, w) float32 in [0, 1], how depigmented each pixel looks; 0 outside the facial area.
        mask: (h, w) bool, depigmented pixels (always inside the facial area). An all-False mask is a normal
            answer (no depigmentation), not an error.
        threshold: the probability at which ``mask`` was cut.
    """

    probability: np.ndarray
    mask: np.ndarray
    threshold: float


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


def _load_classical() -> Segmenter:
    from vitiscore.segment.classical import ClassicalSegmenter

    return ClassicalSegmenter()


_LOADERS: dict[str, Callable[[], Segmenter]] = {"classical": _load_classical}


def available_models() -> list[str]:
    """Ids accepted by :func:`load_segmenter`."""
    return sorted(_LOADERS)


def load_segmenter(model: str) -> Segmenter:
    """The segmenter registered under ``model``.

    Raises:
        ValueError: unknown id; the message lists the available ones. There is no fallback to another model.
    """
    try:
        loader = _LOADERS[model]
    except KeyError:
        raise ValueError(f"unknown model {model!r}; available: {', '.join(available_models())}") from None
    return loader()
