"""A photo's masks as the review page sees them: the analysis frame (the face crop the model saw) and the
photo-sized masks that are scored.

The page works on the frame (``crops/<id>.jpg``, ``probability/<id>.png``); what it sends back is applied to the
photo-sized mask, so that the pixels a rater did not touch stay exactly as they were:

* a moved threshold redraws the mask from the stored probability map exactly as ``vitiscore score`` draws the
  model's (:func:`vitiscore.measure.mask_score.photo_mask`);
* brush and eraser strokes, drawn on the frame, are brought to the photo by nearest neighbour and added or
  removed.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vitiscore.errors import UsageError
from vitiscore.face.facial_area import frame_labels, to_photo
from vitiscore.files.masks import read_labels
from vitiscore.measure.mask_score import frame_of, photo_mask


def photo_labels(out_dir: Path, row: dict) -> np.ndarray:
    return read_labels(Path(out_dir) / row["mask_units"])


def threshold_mask(
    out_dir: Path, row: dict, threshold: float, labels: np.ndarray, probability: np.ndarray | None = None
) -> np.ndarray:
    """The photo-sized mask redrawn at ``threshold`` (0-1) from the stored probability map, or from
    ``probability`` (8-bit, on the frame: a map refined from the rater's marks) when given.

    Raises:
        ValueError: the run kept no probability map for the photo (masks drawn elsewhere), or a bad threshold.
    """
    if not 0 < threshold < 1:
        raise UsageError(f"threshold must be between 0 and 1, got {threshold}")
    if probability is None and not row.get("probability"):
        raise UsageError(f"{row['image_id']}: no probability map (the mask was drawn elsewhere)")
    box, scale = frame_of(row)
    if probability is None:
        probability = np.asarray(cv2.imread(str(Path(out_dir) / row["probability"]), cv2.IMREAD_GRAYSCALE))
    area = frame_labels(labels, box, scale) > 0
    return photo_mask(probability_cut(probability, threshold) & area, box, scale, labels)


def probability_png(probability: np.ndarray) -> np.ndarray:
    """A probability map (0-1 floats) as the 8-bit values its PNG holds (0-255, rounded)."""
    return np.round(np.clip(probability, 0.0, 1.0) * 255).astype(np.uint8)


def probability_cut(probability8: np.ndarray, threshold: float) -> np.ndarray:
    """Pixels of an 8-bit probability map (0-255 for 0-1) at or above ``threshold`` (0-1). The page cuts the same
    way: ``value >= threshold * 255``."""
    return probability8.astype(np.float64) >= threshold * 255.0


def apply_strokes(base: np.ndarray, added: np.ndarray, removed: np.ndarray, box, scale: float) -> np.ndarray:
    """``base`` (photo-sized bool) with frame-sized ``added`` and ``removed`` strokes applied (removal last)."""
    shape = base.shape
    up_added = to_photo(added.astype(np.uint8), box, scale, shape) > 0
    up_removed = to_photo(removed.astype(np.uint8), box, scale, shape) > 0
    return (base | up_added) & ~up_removed
