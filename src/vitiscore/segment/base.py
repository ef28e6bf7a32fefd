"""The interface every depigmentation model implements, and the registry that finds one by id.

A segmenter sees the analysis crop of one face (RGB, uint8) and the facial-area mask on the same grid, and
returns a probability-like map and a mask. It knows nothing about files, landmarks or scores. Built-in methods
register a loader in :data:`_LOADERS`; learned models are folders under :func:`models_dir` (or anywhere, given
by path), loaded by :mod:`vitiscore.segment.learned`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
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

# The model the pipeline uses unless told otherwise: the shipped learned model (see models/<id>/README.md).
DEFAULT_MODEL = "unet-mobilenetv2-v4"


def models_dir() -> Path:
    """Where shipped model folders live: ``$VITISCORE_MODELS_DIR``, else ``models/`` at the repository root
    (the package is installed from the repository, editable)."""
    override = os.environ.get("VITISCORE_MODELS_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[3] / "models"


def _shipped_models() -> dict[str, Path]:
    root = models_dir()
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "config.json").is_file()}


def available_models() -> list[str]:
    """Ids accepted by :func:`load_segmenter`: the built-in classical baseline and the shipped models."""
    return sorted(set(_LOADERS) | set(_shipped_models()))


def load_segmenter(model: str) -> Segmenter:
    """The segmenter for ``model``: a model id, or the path of a model folder (one with ``config.json``).

    Raises:
        ValueError: unknown id; the message lists the available ones. There is no fallback to another model.
        vitiscore.segment.learned.ModelFileError (a ValueError): an incomplete or tampered model folder.
    """
    if model in _LOADERS:
        return _LOADERS[model]()
    shipped = _shipped_models()
    folder = shipped.get(model)
    if folder is None and (os.sep in model or "/" in model or Path(model).is_dir()):
        folder = Path(model)
        if not (folder / "config.json").is_file():
            raise ValueError(f"model folder {model!r} has no config.json")
    if folder is None:
        raise ValueError(f"unknown model {model!r}; available: {', '.join(available_models())}")
    from vitiscore.segment.learned import LearnedSegmenter

    return LearnedSegmenter(folder)
