"""``vitiscore rescore OUT``: every score of a run recomputed from the raters' reviewed masks, without the model
and without the photos.

For each photo of the scoring run (its journal, ``results.jsonl``, is the model's record and is never changed):

* reviewed (``reviewed/<id>_depigmented.png`` with its row in ``reviewed/review.csv``): every mask-dependent
  column is computed again from that mask (:func:`vitiscore.measure.mask_score.score_mask`, the function that
  scored the model's mask) with the run's facial units, landmarks and analysis frame; ``mask_source`` becomes
  ``reviewed`` and ``reviewed_by`` / ``reviewed_at`` say who and when. Skin tone (ITA) and the quality flags are
  kept as scored: they describe the photo, and rescoring does not read it.
* excluded by a rater: status ``excluded``, the rater's reason in ``error``, no numbers.
* not reviewed: the row as scored.

Writes ``results.csv`` (the rescored rows), ``results_model.csv`` (the rows as the model scored them, to compare
with ``vitiscore validate``), ``fused.csv`` for a manifest run, ``rescored/`` (triangle tables and face-crop
overlays of the reviewed photos) and a ``review`` section in ``run.json``. ``compare`` and ``report`` then read
the rescored ``results.csv``. A review that cannot be applied (its mask changed by hand, a save cut off before its
log row, a photo replaced since) is named in ``run.json`` and on the terminal, and the scored row stands.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np

from vitiscore import files as files_mod
from vitiscore import schema
from vitiscore.batch import lock
from vitiscore.batch.manifest import ManifestEntry
from vitiscore.batch.rows import COLUMNS, BatchResult, mask_columns
from vitiscore.batch.run_record import status_counts
from vitiscore.batch.views import fuse_rows, write_fused
from vitiscore.errors import UsageError
from vitiscore.face.facial_area import frame_labels
from vitiscore.files.masks import read_mask
from vitiscore.measure import scale as scale_mod
from vitiscore.measure.mask_score import frame_mask, frame_of, score_mask
from vitiscore.measure.surface import write_table
from vitiscore.progress import progress_bar
from vitiscore.report import overlay
from vitiscore.review import log as review_log
from vitiscore.review.masks import photo_labels

log = logging.getLogger(__name__)

RESCORED_DIR = "rescored"
MODEL_RESULTS = "results_model.csv"
# Columns a rescore clears on an excluded photo: everything measured (identity, provenance and options stay).
_KEEP_ON_EXCLUDE = {
    "image_id",
    "path",
    "subject_id",
    "visit",
    "view",
    "width",
    "height",
    "turned_deg",
    "model_id",
    "model_sha256",
    "tool_version",
    "mask_source",
    "eyelids",
    "hairline_max",
    "min_eye_distance_px",
    "max_pose_deg",
    "settings_sha256",
    "photo_sha256",
    "run_id",
}


def rescore_run(out_dir, progress: bool | None = None) -> BatchResult:
    """Rescore ``out_dir`` from its reviewed masks (see the module notes); returns the rows written.

    Raises:
        ValueError: no finished scoring run in ``out_dir``.
    """
    out_dir = Path(out_dir)
    with lock.held(out_dir, "rescore"):
        rows = review_log.model_rows(out_dir)
        run = files_mod.read_run_json(out_dir)
        default_hu = float(run.get("options", {}).get("face_hand_units", 3.0))
        state = review_log.reviews(out_dir, rows)
        if (out_dir / RESCORED_DIR).is_dir():
            shutil.rmtree(out_dir / RESCORED_DIR)
        rescored, not_applied = [], []
        for row in progress_bar(len(rows), progress, desc="rescore", iterable=rows):
            review = state.get(row["image_id"])
            if review is None:
                rescored.append(dict(row))
                continue
            if review.state == "invalid":
                log.warning("%s: review not applied: %s", row["image_id"], review.problem)
                not_applied.append({"image_id": row["image_id"], "problem": review.problem})
                rescored.append(dict(row))
                continue
            if row["status"] != "ok" and review.state == "reviewed":
                not_applied.append(
                    {"image_id": row["image_id"], "problem": f"the photo was not scored ({row['status']})"}
                )
                rescored.append(dict(row))
                continue
            new = dict(row, mask_source="reviewed", reviewed_by=review.rater, reviewed_at=review.time)
            if review.state == "excluded":
                new = {c: (v if c in _KEEP_ON_EXCLUDE else None) for c, v in new.items()}
                new.update(
                    status="excluded",
                    error=f"excluded by {review.rater or 'a rater'}: {review.reason or 'no reason given'}",
                    mask_source="reviewed",
                    reviewed_by=review.rater,
                    reviewed_at=review.time,
                )
            else:
                try:
                    new.update(_rescored_columns(out_dir, row, review, default_hu))
                except (OSError, ValueError) as exc:  # one unusable review must not cost the others
                    log.warning("%s: review not applied: %s", row["image_id"], exc)
                    not_applied.append({"image_id": row["image_id"], "problem": str(exc)})
                    new = dict(row)
            rescored.append(new)

        files_mod.write_csv(out_dir / MODEL_RESULTS, rows, COLUMNS)
        files_mod.write_csv(out_dir / "results.csv", rescored, COLUMNS)
        fused = None
        if any(r.get("subject_id") and r.get("visit") for r in rescored) and (out_dir / "fused.csv").is_file():
            entries = [_entry(r) for r in rescored]
            fused = fuse_rows(out_dir, rescored, entries, default_hu)
            for fused_row in fused:
                fused_row["run_id"] = run.get("run_id")
            write_fused(out_dir, fused)
        counts = status_counts(rescored)
        applied = [r for r in rescored if r.get("mask_source") == "reviewed"]
        run["review"] = {
            "rescored_at": review_log.utc_now(),
            "review_log": f"{review_log.REVIEW_DIR}/{review_log.LOG_NAME}",
            "review_log_sha256": files_mod.file_sha256(review_log.log_path(out_dir))
            if review_log.log_path(out_dir).is_file()
            else None,
            "reviewed": sum(r["status"] != "excluded" for r in applied),
            "excluded": sum(r["status"] == "excluded" for r in applied),
            "raters": sorted({r["reviewed_by"] for r in applied if r.get("reviewed_by")}),
            "not_applied": not_applied,
            "counts": counts,
        }
        files_mod.write_json(out_dir / "run.json", run)
        return BatchResult(rows=rescored, counts=counts, run=run, fused=fused)


def _rescored_columns(out_dir: Path, row: dict, review: review_log.Review, default_hu: float) -> dict:
    """The mask-dependent columns of a reviewed photo, with its new triangle table and overlay written."""
    image_id = row["image_id"]
    labels = photo_labels(out_dir, row)
    mask = read_mask(review.mask)
    if mask.shape != labels.shape:
        raise UsageError(
            f"{review.mask} is {mask.shape[1]}x{mask.shape[0]} px, the photo {labels.shape[1]}x{labels.shape[0]}"
        )
    box, scale = frame_of(row)
    points = files_mod.read_points(out_dir / row["landmarks"])
    scored = score_mask(labels, mask, points, box, scale, _hand(row), default_hu)
    triangles = f"{RESCORED_DIR}/triangles/{image_id}.csv"
    write_table(out_dir / triangles, scored.elements)
    columns = mask_columns(scored)
    # The model's interval says nothing of a rater's mask.
    columns.update(dict.fromkeys(c.name for c in schema.INTERVAL_COLUMNS))
    columns.update(
        triangles=triangles,
        mask_depigmented=f"{review_log.REVIEW_DIR}/{review.mask.name}",
        threshold=review.record.get("threshold") or row.get("threshold"),
    )
    if row.get("crop"):
        crop = np.asarray(files_mod.load_photo(out_dir / row["crop"]).rgb)
        caption = (
            f"{image_id}  F-VASI {scored.measure.fvasi:.2f}  depigmented "
            f"{100 * scored.measure.depigmented_fraction:.1f}% of facial area  [reviewed by {review.rater}]"
        )
        frame = frame_mask(mask, box, scale)
        units = frame_labels(labels, box, scale)
        picture = f"{RESCORED_DIR}/overlays/{image_id}.jpg"
        overlay.save(out_dir / picture, crop, units, frame, caption)
        columns["overlay"] = picture
    return columns


def _hand(row: dict) -> scale_mod.HandUnit:
    """The patient's hand unit as the row recorded it. Its source matters only where the face's size came from
    the hand (``hu_source``); elsewhere there was no iris scale, which a new mask does not change."""
    if row.get("hand_unit_cm2") in (None, ""):
        return scale_mod.HandUnit(None, scale_mod.HU_DEFAULT)
    source = row.get("hu_source")
    if source not in (scale_mod.HU_PATIENT_HAND, scale_mod.HU_MOSTELLER):
        source = scale_mod.HU_PATIENT_HAND
    return scale_mod.HandUnit(float(row["hand_unit_cm2"]), source)


def _entry(row: dict) -> ManifestEntry:
    """A manifest entry rebuilt from a results row, for fusing views without the manifest or the photos."""
    return ManifestEntry(
        path=Path(row.get("path") or ""),
        subject_id=row.get("subject_id") or "",
        visit=row.get("visit") or "",
        view=row.get("view") or "",
        hand=_hand(row),
    )
