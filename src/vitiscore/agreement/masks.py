"""Agreement between two binary masks of the same image: Dice, IoU, 95 % Hausdorff and average surface distance.

Empty masks, by rule (an empty mask is a normal answer, e.g. a fully repigmented week-24 face):

- both empty: perfect agreement, Dice = IoU = 1 and both distances 0;
- exactly one empty: Dice = IoU = 0, and both distances are the image diagonal (the largest distance possible
  on the image), so that a missed or invented lesion counts as the worst boundary error rather than a NaN.

Distances are in pixels, measured between boundary pixels (a pixel of the mask with a 4-neighbour outside it).
Definitions where libraries differ: HD95 is the 95th percentile of the distances of *both* directions pooled
(medpy's ``hd95``); MONAI's ``compute_hausdorff_distance(percentile=95)`` takes the larger of the two directed
95th percentiles instead, which can be several pixels larger on thin shapes. ASD is the mean of the pooled
distances (medpy's ``assd``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from vitiscore import schema
from vitiscore.errors import UsageError
from vitiscore.files.masks import masks_in, read_mask


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
    return mask & ~ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(2, 1), border_value=0)


def agreement(pred: np.ndarray, ref: np.ndarray) -> MaskAgreement:
    """Compare ``pred`` with ``ref`` (2-D arrays of the same shape, non-zero = inside).

    Raises:
        ValueError: shapes differ or the arrays are not 2-D.
    """
    pred, ref = np.asarray(pred), np.asarray(ref)
    if pred.ndim != 2 or pred.shape != ref.shape:
        raise UsageError(f"pred and ref must be 2-D masks of the same shape, got {pred.shape} and {ref.shape}")
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
    return MaskAgreement(
        2.0 * overlap / (n_pred + n_ref),
        overlap / union,
        float(np.percentile(distances, 95)),
        float(distances.mean()),
        n_pred,
        n_ref,
    )


# --- two folders of masks (`vitiscore validate-masks`) ----------------------------------------------------------

MASK_COLUMNS = schema.MASK_AGREEMENT.names
SUMMARY_METRICS = ("dice", "iou", "hd95", "asd")


def folder_agreement(
    pred_dir, ref_dir, groups: dict | None = None, n_resamples: int = 2000, seed: int = 0
) -> tuple[list[dict], dict, list[dict]]:
    """Compare every mask in ``pred_dir`` with the mask of the same image id in ``ref_dir`` (:func:`mask_id`).

    Returns per-image rows (:data:`MASK_COLUMNS`; a pair of different sizes or an unreadable file gets a
    ``status`` and no numbers), a summary (per metric: mean with a percentile bootstrap 95 % CI resampling
    ``groups`` (``{image_id: group}``, e.g. the source picture or the subject) or images, median, and how
    many pairs were both empty or had one empty mask) and the unmatched files.

    Raises:
        FileNotFoundError: a folder does not exist.
        ValueError: a folder holds no masks or two masks for one image.
    """
    from vitiscore.agreement.stats import cluster_bootstrap_ci

    pred, ref = masks_in(pred_dir), masks_in(ref_dir)
    groups = groups or {}
    unmatched = [
        {"image_id": k, "found_in": "prediction only", "file": str(p)} for k, p in pred.items() if k not in ref
    ] + [{"image_id": k, "found_in": "reference only", "file": str(p)} for k, p in ref.items() if k not in pred]
    rows = []
    for key in [k for k in pred if k in ref]:
        row = {c: None for c in MASK_COLUMNS}
        row.update(image_id=key, pred_file=pred[key].name, ref_file=ref[key].name, group=groups.get(key, key))
        try:
            a, b = read_mask(pred[key]), read_mask(ref[key])
        except OSError as exc:
            row.update(status="unreadable", error=str(exc))
            rows.append(row)
            continue
        if a.shape != b.shape:
            row.update(
                status="size_mismatch",
                error=f"prediction {a.shape[1]}x{a.shape[0]} px, reference {b.shape[1]}x{b.shape[0]} px",
            )
            rows.append(row)
            continue
        result = agreement(a, b)
        row.update(
            status="ok",
            error="",
            dice=result.dice,
            iou=result.iou,
            hd95=result.hd95,
            asd=result.asd,
            pred_px=result.pred_px,
            ref_px=result.ref_px,
        )
        rows.append(row)
    ok = [r for r in rows if r["status"] == "ok"]
    summary = {
        "n_pairs": len(ok),
        "n_failed": len(rows) - len(ok),
        "n_unmatched": len(unmatched),
        "n_both_empty": sum(r["pred_px"] == 0 and r["ref_px"] == 0 for r in ok),
        "n_one_empty": sum((r["pred_px"] == 0) != (r["ref_px"] == 0) for r in ok),
        "resampled": "groups" if groups else "images",
        "n_groups": len({r["group"] for r in ok}),
        "empty_mask_rules": "both empty: Dice = IoU = 1, distances 0; one empty: Dice = IoU = 0, distances "
        "= the image diagonal (pixels)",
        "units": "distances in pixels",
    }
    for metric in SUMMARY_METRICS:
        values = [r[metric] for r in ok]
        if not values:
            summary[metric] = {
                "mean": float("nan"),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "median": float("nan"),
            }
            continue
        low, high = cluster_bootstrap_ci(values, [r["group"] for r in ok], n_resamples=n_resamples, seed=seed)
        summary[metric] = {
            "mean": float(np.mean(values)),
            "ci_low": low,
            "ci_high": high,
            "median": float(np.median(values)),
        }
    return rows, summary, unmatched


def read_groups(path) -> dict[str, str]:
    """``{image_id: group}`` from a CSV with the columns image_id and group (subject or source picture).

    Raises:
        FileNotFoundError: no such file.
        ValueError: a column is missing.
    """
    from vitiscore.files import read_table_csv, require_columns

    columns, rows = read_table_csv(path, "groups")
    require_columns(columns, ("image_id", "group"), f"groups file {path}")
    return {row["image_id"]: row["group"] for row in rows}


def write_folder_agreement(out_dir, rows: list[dict], summary: dict, unmatched: list[dict], **about) -> None:
    """Write ``mask_agreement.csv`` (per image), ``unmatched.csv`` and ``mask_agreement.json`` (``about`` then
    the summary) into ``out_dir``."""
    from vitiscore import files as files_mod

    out = files_mod.output_folder(out_dir)
    files_mod.write_csv(out / "mask_agreement.csv", rows, MASK_COLUMNS)
    files_mod.write_csv(out / "unmatched.csv", unmatched, schema.MASK_UNMATCHED.names)
    files_mod.write_json(out / "mask_agreement.json", {**about, **summary})
