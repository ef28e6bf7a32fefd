"""The review log, ``OUT/reviewed/review.csv``, and what it says about each photo.

A save is all or nothing: the new mask is written to ``OUT/reviewed/pending/<id>_depigmented.png``, then its row
(:data:`vitiscore.schema.REVIEW`) is appended to the log and fsynced (the moment the save counts), then the mask
replaces ``OUT/reviewed/<id>_depigmented.png``. A save cut off before its row leaves the earlier state as it was
(its pending mask is dropped by the next save); one cut off after its row has its mask in ``pending/``, which
counts and is moved into place by the next save (:func:`settle`). The last row of an image decides its state:
excluded (with the rater's reason) or reviewed (its mask). A reviewed mask counts only when its SHA-256 is the one
its last row recorded and the photo is the one that was reviewed: a mask changed by hand, or a review of a photo
since replaced, is reported and not applied.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

from vitiscore import schema
from vitiscore.errors import UsageError
from vitiscore.files import file_sha256, read_jsonl, read_score_run, read_table_csv

REVIEW_DIR = "reviewed"
PENDING_DIR = "pending"
LOG_NAME = "review.csv"
ACTIONS = ("accept", "edit", "exclude")
COLUMNS = schema.REVIEW.names


def model_rows(out_dir: Path) -> list[dict]:
    """The scoring run's rows as the model (or ``--masks``) scored them, in ``results.csv``'s order.

    Raises:
        ValueError: ``out_dir`` holds no finished ``vitiscore score`` run.
    """
    run = read_score_run(out_dir)
    if not run:
        raise UsageError(f"{out_dir} holds no vitiscore score run (no run.json of `vitiscore score`)")
    if run.get("status") != "finished":
        raise UsageError(f"the scoring run in {out_dir} did not finish; resume it with --skip-existing first")
    journal = {r["image_id"]: r for r in read_jsonl(out_dir / "results.jsonl") if "image_id" in r}
    if not journal:
        raise UsageError(f"{out_dir}/results.jsonl holds no rows")
    order = [r["image_id"] for r in read_table_csv(out_dir / "results.csv", "results")[1]]
    order = [i for i in order if i in journal] + [i for i in journal if i not in order]
    return [{c: journal[i].get(c) for c in schema.RESULTS.names} for i in order]


def log_path(out_dir: Path) -> Path:
    return Path(out_dir) / REVIEW_DIR / LOG_NAME


def mask_path(out_dir: Path, image_id: str) -> Path:
    return Path(out_dir) / REVIEW_DIR / f"{image_id}_depigmented.png"


def pending_path(out_dir: Path, image_id: str) -> Path:
    """Where a save puts its mask until its row is in the log."""
    return Path(out_dir) / REVIEW_DIR / PENDING_DIR / f"{image_id}_depigmented.png"


def _last_record(out_dir: Path, image_id: str) -> dict | None:
    return next((r for r in reversed(read_log(out_dir)) if r.get("image_id") == image_id), None)


def _logged_mask(out_dir: Path, image_id: str, record: dict) -> Path | None:
    """The file holding the mask ``record`` vouches for: in place, or still pending; None if neither does."""
    for path in (mask_path(out_dir, image_id), pending_path(out_dir, image_id)):
        if path.is_file() and file_sha256(path) == record.get("mask_sha256_after"):
            return path
    return None


def settle(out_dir: Path, image_id: str) -> None:
    """Finish or drop what a cut-off save of ``image_id`` left: a pending mask that the log vouches for is moved into
    place; one it does not (the save was cut off before its row) is removed."""
    pending = pending_path(out_dir, image_id)
    if not pending.is_file():
        return
    record = _last_record(out_dir, image_id)
    if record is not None and record.get("action") != "exclude" and _logged_mask(out_dir, image_id, record) == pending:
        os.replace(pending, mask_path(out_dir, image_id))
    else:
        pending.unlink()


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def read_log(out_dir: Path) -> list[dict]:
    """Every row of the review log, oldest first ([] when nobody has reviewed yet)."""
    path = log_path(out_dir)
    if not path.is_file():
        return []
    return read_table_csv(path, "review log")[1]


def append(out_dir: Path, record: dict) -> None:
    """Append one row to the review log and fsync it (the header is written with the first row)."""
    if record.get("action") not in ACTIONS:
        raise UsageError(f"action must be one of {ACTIONS}, got {record.get('action')!r}")
    path = log_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=COLUMNS, extrasaction="raise", lineterminator="\n")
    if not path.is_file() or path.stat().st_size == 0:
        writer.writeheader()
    writer.writerow({k: "" if v is None else v for k, v in record.items()})
    with open(path, "ab") as handle:
        handle.write(text.getvalue().encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


@dataclass(frozen=True)
class Review:
    """What the log says of one photo.

    Attributes:
        state: ``reviewed`` (``mask`` is the rater's), ``excluded`` (``reason``), or ``invalid`` (``problem``
            says why the review cannot be applied; the model's mask stands).
        record: the image's last row of the log.
    """

    state: str
    record: dict
    mask: Path | None = None
    reason: str = ""
    problem: str = ""

    @property
    def rater(self) -> str:
        return self.record.get("rater", "")

    @property
    def time(self) -> str:
        return self.record.get("time_utc", "")


def reviews(out_dir: Path, rows: list[dict]) -> dict[str, Review]:
    """The state of every photo of ``rows`` (results rows) that the log mentions or that has a reviewed mask, by
    image id."""
    last: dict[str, dict] = {}
    for record in read_log(out_dir):
        last[record.get("image_id", "")] = record
    photos = {row["image_id"]: row.get("photo_sha256", "") for row in rows}
    out = {}
    for image_id, record in last.items():
        if image_id not in photos:
            continue
        if record.get("photo_sha256") and photos[image_id] and record["photo_sha256"] != photos[image_id]:
            out[image_id] = Review("invalid", record, problem="the photo was replaced after it was reviewed")
        elif record["action"] == "exclude":
            out[image_id] = Review("excluded", record, reason=record.get("reason", ""))
        else:
            path, logged = mask_path(out_dir, image_id), _logged_mask(out_dir, image_id, record)
            if logged is not None:
                out[image_id] = Review("reviewed", record, mask=logged)
            elif not path.is_file():
                out[image_id] = Review("invalid", record, problem=f"{path.name} is missing")
            else:
                out[image_id] = Review(
                    "invalid", record, problem=f"{path.name} is not the mask review.csv recorded (changed by hand?)"
                )
    for image_id in photos.keys() - last.keys():
        path = mask_path(out_dir, image_id)
        if path.is_file():  # said, not passed over: whose mask it is and when it was drawn are unknown
            out[image_id] = Review(
                "invalid", {}, problem=f"{path.name} has no row in review.csv (a save cut off, or put there by hand)"
            )
    return out
