"""What one save on the review page does: the photo-sized mask written to ``reviewed/pending/``, its row appended
to ``reviewed/review.csv``, then the mask moved to ``reviewed/<id>_depigmented.png`` (:mod:`vitiscore.review.log`).

Order matters for "nothing lost": the mask is complete on disk before the row that vouches for it exists (the row
records its SHA-256), and the earlier accepted mask is replaced only after that row is on disk, so a save cut off
at any moment leaves either the earlier state or the new one, never a row that names a half-written mask.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from vitiscore.errors import UsageError
from vitiscore.face.facial_area import frame_size
from vitiscore.files import file_sha256, png_bytes, write_bytes
from vitiscore.files.masks import read_mask
from vitiscore.measure.mask_score import frame_of
from vitiscore.review import log as review_log
from vitiscore.review.masks import apply_strokes, photo_labels, threshold_mask

# The longest rater name or exclusion reason a save takes (characters): text beyond it is not a reason but a
# mistake, and a CSV field of hundreds of kilobytes breaks the readers of the review log.
MAX_TEXT = 1000


def current_mask(out_dir: Path, row: dict) -> tuple[np.ndarray, Path]:
    """The mask a rater starts from: the photo's valid reviewed mask if any, else the scored one (photo-sized),
    and its file."""
    state = review_log.reviews(out_dir, [row]).get(row["image_id"])
    path = state.mask if state is not None and state.state == "reviewed" else Path(out_dir) / row["mask_depigmented"]
    return read_mask(path), path


def save_review(
    out_dir: Path,
    row: dict,
    rater: str,
    action: str,
    threshold: float | None = None,
    added: np.ndarray | None = None,
    removed: np.ndarray | None = None,
    reason: str = "",
    probability: np.ndarray | None = None,
) -> dict:
    """Record a rater's decision on one photo and return the review.csv row written.

    Args:
        row: the photo's results row (status ok).
        action: ``save`` (the mask as shown, redrawn at ``threshold`` when given, with the strokes) or
            ``exclude`` (``reason`` required). A save is logged as ``accept`` when no pixel changed, else ``edit``.
        threshold: the probability cut the rater moved the slider to (0-1), or None to start from the current mask.
        probability: the frame's 8-bit probability map to cut at ``threshold`` instead of the stored one (the map
            refined from the rater's marks, :mod:`vitiscore.review.refine`); needs ``threshold``.
        added, removed: brush and eraser strokes on the analysis frame ((h, w) bool), or None.

    Raises:
        ValueError: a bad action, threshold or stroke shape, an exclusion without a reason, or a photo without
            a mask (not scored).
    """
    out_dir = Path(out_dir)
    if row.get("status") != "ok" or not row.get("mask_depigmented"):
        raise UsageError(f"{row.get('image_id')}: the photo was not scored ({row.get('status')}); nothing to review")
    if action not in ("save", "exclude"):
        raise UsageError(f"action must be 'save' or 'exclude', got {action!r}")
    review_log.settle(out_dir, row["image_id"])
    before, before_path = current_mask(out_dir, row)
    record = dict.fromkeys(review_log.COLUMNS, "")
    record.update(
        image_id=row["image_id"],
        rater=rater,
        time_utc=review_log.utc_now(),
        mask_sha256_before=file_sha256(before_path),
        photo_sha256=row.get("photo_sha256") or "",
    )
    if len(str(rater)) > MAX_TEXT:
        raise UsageError(f"the rater's name is {len(str(rater))} characters; at most {MAX_TEXT}")
    if action == "exclude":
        reason = " ".join(str(reason).split())
        if not reason:
            raise UsageError("an exclusion needs a reason")
        if len(reason) > MAX_TEXT:
            raise UsageError(f"the reason is {len(reason)} characters; at most {MAX_TEXT}")
        record.update(action="exclude", reason=reason, pixels_added=0, pixels_removed=0)
        review_log.append(out_dir, record)
        return record
    if probability is not None and threshold is None:
        raise UsageError("a refined probability map is cut at a threshold: give one")
    labels = photo_labels(out_dir, row)
    after = before if threshold is None else threshold_mask(out_dir, row, float(threshold), labels, probability)
    if added is not None or removed is not None:
        box, scale = frame_of(row)
        width, height = frame_size(box, scale)
        strokes = []
        for name, stroke in (("added", added), ("removed", removed)):
            stroke = np.zeros((height, width), bool) if stroke is None else np.asarray(stroke, bool)
            if stroke.shape != (height, width):
                raise UsageError(
                    f"{name} strokes must be {width}x{height} px (the face crop), got {stroke.shape[::-1]}"
                )
            strokes.append(stroke)
        after = apply_strokes(after, *strokes, box, scale)
    data = png_bytes(np.asarray(after, bool))  # 1-bit, as the model's masks
    pending = review_log.pending_path(out_dir, row["image_id"])
    write_bytes(pending, data)
    n_added, n_removed = int((after & ~before).sum()), int((before & ~after).sum())
    record.update(
        action="edit" if n_added or n_removed else "accept",
        threshold="" if threshold is None else round(float(threshold), 4),
        pixels_added=n_added,
        pixels_removed=n_removed,
        mask_sha256_after=hashlib.sha256(data).hexdigest(),
    )
    review_log.append(out_dir, record)
    os.replace(pending, review_log.mask_path(out_dir, row["image_id"]))
    return record
