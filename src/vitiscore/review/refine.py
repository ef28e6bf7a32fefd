"""The review page's "refine": the run's model adapted to a rater's marks on one photo, the same function as
``vitiscore score --marks`` (:func:`vitiscore.segment.refine.refine`), and the marks kept in
``OUT/reviewed/marks.csv``.

The page sends marks on the analysis frame; they are stored in the photo's pixels as shown (after its EXIF
orientation, before any turn upright: the frame of ``--marks``), so that ``vitiscore score PHOTOS --marks
OUT/reviewed/marks.csv`` refines the same photos from the same marks. The model sees the frame cut from the photo
exactly as scoring cut it; when the photo has moved, the face crop the run kept (``crops/<id>.jpg``, JPEG) stands
in for it, which can change the refined mask slightly.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from vitiscore import files as files_mod
from vitiscore.errors import UsageError
from vitiscore.face.facial_area import crop_to_frame, frame_labels
from vitiscore.face.landmarks import turn
from vitiscore.files import marks as marks_mod
from vitiscore.files.marks import Mark
from vitiscore.measure.mask_score import frame_of
from vitiscore.review.log import REVIEW_DIR
from vitiscore.review.masks import photo_labels
from vitiscore.segment.refine import RefineSettings, refine

MARKS_NAME = "marks.csv"
# Marks a rater places by clicking: the radius on the frame (analysis pixels) when the page does not say.
PAGE_MARK_RADIUS = 4.0


def marks_path(out_dir: Path) -> Path:
    return Path(out_dir) / REVIEW_DIR / MARKS_NAME


def read_reviewed_marks(out_dir: Path) -> dict[str, list[Mark]]:
    """The marks saved from the review page, by image id ({} when none)."""
    path = marks_path(out_dir)
    return marks_mod.read_marks(path) if path.is_file() else {}


def _turns(row: dict) -> int:
    return int(float(row.get("turned_deg") or 0)) // 90


def _turned_size(row: dict) -> tuple[int, int]:
    """(width, height) of the photo as scored (after any turn upright)."""
    return int(float(row["width"])), int(float(row["height"]))


def frame_marks(row: dict, photo_marks: list[Mark]) -> list[Mark]:
    """Marks stored for a photo (pixels as shown) on the row's analysis frame."""
    width, height = _turned_size(row)
    turns = _turns(row)
    shown = (height, width) if turns % 2 else (width, height)
    box, scale = frame_of(row)
    return marks_mod.to_frame(marks_mod.turn(photo_marks, turns, *shown), box, scale)


def photo_marks(row: dict, on_frame: list[Mark]) -> list[Mark]:
    """Marks placed on the row's analysis frame, in the photo's pixels as shown (what MARKS.csv holds)."""
    box, scale = frame_of(row)
    return marks_mod.turn(marks_mod.from_frame(on_frame, box, scale), -_turns(row), *_turned_size(row))


def parse_page_marks(items, frame_width: int, frame_height: int) -> list[Mark]:
    """Marks from the page's JSON (a list of ``{"x", "y", "label", "radius"?}`` on the frame).

    Raises:
        ValueError: not a list, a mark without finite coordinates inside the frame, or a label other than 0/1.
    """
    if not isinstance(items, list) or not items:
        raise UsageError("marks must be a non-empty list of {x, y, label}")
    out = []
    for k, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise UsageError(f"mark {k} is not an object")
        try:
            x, y = float(item["x"]), float(item["y"])
            radius = float(item.get("radius", PAGE_MARK_RADIUS))
        except (KeyError, TypeError, ValueError):
            raise UsageError(f"mark {k} needs numbers x and y") from None
        if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= frame_width - 1 and 0 <= y <= frame_height - 1):
            raise UsageError(f"mark {k} at ({x:g}, {y:g}) lies outside the {frame_width}x{frame_height} px crop")
        if not (math.isfinite(radius) and radius > 0):
            raise UsageError(f"mark {k}: radius must be > 0, got {radius:g}")
        if item.get("label") not in (0, 1):
            raise UsageError(f"mark {k}: label must be 1 (depigmented) or 0 (normal skin)")
        out.append(Mark(x, y, int(item["label"]), radius))
    return out


def analysis_frame(out_dir: Path, row: dict) -> np.ndarray:
    """The face crop the model saw: cut from the photo as scoring cut it, or the run's kept crop when the photo
    cannot be read.

    Raises:
        ValueError: neither can be read.
    """
    box, scale = frame_of(row)
    try:
        rgb = files_mod.load_photo(Path(out_dir) / row["path"]).rgb
        turns = _turns(row)
        rgb = turn(rgb, turns)
        if rgb.shape[:2] == _turned_size(row)[::-1]:
            return crop_to_frame(rgb, box, scale)
    except files_mod.PhotoError:
        pass
    try:
        return files_mod.load_photo(Path(out_dir) / row["crop"]).rgb
    except (files_mod.PhotoError, KeyError, TypeError) as exc:
        raise UsageError(f"{row['image_id']}: neither the photo nor the kept crop can be read") from exc


def refine_photo(out_dir: Path, row: dict, segmenter, on_frame: list[Mark], settings: RefineSettings):
    """The row's photo segmented by ``segmenter`` adapted to ``on_frame`` marks: (probability on the frame,
    float 0-1, 0 outside the facial area; the model's threshold)."""
    crop = analysis_frame(out_dir, row)
    box, scale = frame_of(row)
    area = frame_labels(photo_labels(out_dir, row), box, scale) > 0
    if area.shape != crop.shape[:2]:
        raise UsageError(f"{row['image_id']}: the kept crop is not the analysis frame's size")
    seg = refine(segmenter, crop, area, on_frame, settings)
    return seg.probability, seg.threshold


def save_marks(out_dir: Path, image_id: str, marks: list[Mark]) -> None:
    """Replace one photo's marks in ``OUT/reviewed/marks.csv`` (atomically; other photos' marks are kept)."""
    everything = read_reviewed_marks(out_dir)
    everything[image_id] = marks
    path = marks_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    marks_mod.write_marks(path, everything)
