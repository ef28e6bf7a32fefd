"""Agreement between two binary masks of the same image: Dice, IoU, 95 % Hausdorff and average surface distance.

Empty masks, by rule (an empty mask is a normal answer, e.g. a fully repigmented week-24 face):

- both empty: perfect agreement, Dice = IoU = 1 and both distances 0;
- exactly one empty: Dice = IoU = 0, and both distances are the image diagonal (the largest distance possible
  on the image), so that a missed or invented lesion counts as the worst boundary error rather than a NaN.

Distances are in pixels, measured between boundary pixels (a pixel of the mask with a 4-neighbour outside it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage


@dataclass(frozen=True)
class MaskAgreement:
    """Agreement of a predicted mask with a reference mask.

    Attributes:
        dice: 2|P and R| / (|P| + |R|), 0-1.
        iou: |P and R| / |P or R|, 0-1.
        hd95: 95th percentile of the symmetric boundary distances, pixels.
        asd: mean of the symmetric boundary distances (average surface distance), pixels.
        pred_px, ref_px: mask sizes in pixels.
    """

    dice: float
    iou: float
    hd95: float
    asd: float
    pred_px: int
    ref_px: int


def _boundary(mask: np.ndarray) -> np.ndarray:
    return mask & ~ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(2, 1),
                                          border_value=0)


def agreement(pred: np.ndarray, ref: np.ndarray) -> MaskAgreement:
    """Compare ``pred`` with ``ref`` (2-D arrays of the same shape, non-zero = inside).

    Raises:
        ValueError: shapes differ or the arrays are not 2-D.
    """
    pred, ref = np.asarray(pred), np.asarray(ref)
    if pred.ndim != 2 or pred.shape != ref.shape:
        raise ValueError(f"pred and ref must be 2-D masks of the same shape, got {pred.shape} and {ref.shape}")
    pred, ref = pred.astype(bool), ref.astype(bool)
    n_pred, n_ref = int(pred.sum()), int(ref.sum())
    if n_pred == 0 and n_ref == 0:
        return MaskAgreement(1.0, 1.0, 0.0, 0.0, 0, 0)
    if n_pred == 0 or n_ref == 0:
        diagonal = float(np.hypot(*pred.shape))
        return MaskAgreement(0.0, 0.0, diagonal, diagonal, n_pred, n_ref)
    overlap = int((pred & ref).sum())
    union = n_pred + n_ref - overlap
    edge_pred, edge_ref = _boundary(pred), _boundary(ref)
    to_ref = ndimage.distance_transform_edt(~edge_ref)[edge_pred]
    to_pred = ndimage.distance_transform_edt(~edge_pred)[edge_ref]
    distances = np.concatenate([to_ref, to_pred])
    return MaskAgreement(2.0 * overlap / (n_pred + n_ref), overlap / union,
                         float(np.percentile(distances, 95)), float(distances.mean()), n_pred, n_ref)
