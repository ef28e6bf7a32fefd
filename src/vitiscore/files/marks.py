"""A rater's marks on photos: a few points that say "depigmented here" or "normal skin here".

MARKS.csv has the columns ``image_id``, ``x``, ``y``, ``label`` and optionally ``radius``:

* ``x``, ``y``: pixel coordinates (x to the right, y down, 0 at the top-left pixel's centre) in the photo as
  it is shown, i.e. after its EXIF orientation; the same frame as a mask given to ``--masks``. When the scorer
  turns a sideways photo upright, the marks turn with it.
* ``label``: 1 = depigmented skin, 0 = normal skin.
* ``radius``: the mark's radius in photo pixels (> 0; default :data:`DEFAULT_RADIUS_PX`).

``vitiscore score/segment --marks MARKS.csv`` adapts the model to each marked photo
(:mod:`vitiscore.segment.refine`); the review page writes ``OUT/reviewed/marks.csv`` in this format.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vitiscore.errors import UsageError
from vitiscore.files.photos import shown_size
from vitiscore.files.storage import read_table_csv, require_columns, write_csv

COLUMNS = ("image_id", "x", "y", "label", "radius")
REQUIRED = ("image_id", "x", "y", "label")
# A click on a lesion means the skin around it too; 5 photo pixels is a fingertip on a 1-2 Mpx photo.
DEFAULT_RADIUS_PX = 5.0


class MarksError(UsageError):
    """A marks file (or one of its lines) cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Mark:
    """One mark: centre (``x``, ``y``, pixels), ``label`` (1 depigmented, 0 normal skin), ``radius`` (pixels) and
    the ``line`` of the marks file it came from (0 when it came from elsewhere)."""

    x: float
    y: float
    label: int
    radius: float = DEFAULT_RADIUS_PX
    line: int = 0


def read_marks(path: str | Path) -> dict[str, list[Mark]]:
    """The marks of a MARKS.csv, by image id, in file order.

    Raises:
        FileNotFoundError: no such file.
        MarksError: a required column is missing, or a line has an empty id, a coordinate or radius that is not
            a finite number (coordinates >= 0, radius > 0), or a label other than 0 or 1; the line is named.
    """
    path = Path(path)
    columns, rows = read_table_csv(path, "marks")
    require_columns(columns, REQUIRED, f"marks file {path}", ("radius",), error=MarksError)
    marks: dict[str, list[Mark]] = {}
    for line, row in enumerate(rows, start=2):
        where = f"marks file {path} line {line}"
        image_id = (row.get("image_id") or "").strip()
        if not image_id:
            raise MarksError(f"{where}: empty image_id")
        x = _number(row.get("x"), "x", where)
        y = _number(row.get("y"), "y", where)
        if x < 0 or y < 0:
            raise MarksError(f"{where}: x and y are pixel coordinates (>= 0), got x={x:g}, y={y:g}")
        label_text = (row.get("label") or "").strip()
        if label_text not in ("0", "1", "0.0", "1.0"):
            raise MarksError(f"{where}: label must be 1 (depigmented) or 0 (normal skin), got {label_text!r}")
        radius_text = (row.get("radius") or "").strip()
        radius = _number(radius_text, "radius", where) if radius_text else DEFAULT_RADIUS_PX
        if radius <= 0:
            raise MarksError(f"{where}: radius must be > 0 pixels, got {radius:g}")
        marks.setdefault(image_id, []).append(Mark(x, y, int(float(label_text)), radius, line))
    return marks


def _number(text, column: str, where: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise MarksError(f"{where}: {column} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise MarksError(f"{where}: {column} must be a finite number, got {text!r}")
    return value


def check_ids(marks: dict[str, list[Mark]], image_ids, path: str | Path) -> None:
    """Raise :class:`MarksError` naming the first line whose image id is not one of ``image_ids``."""
    known = set(image_ids)
    for image_id, photo_marks in marks.items():
        if image_id not in known:
            raise MarksError(
                f"marks file {path} line {photo_marks[0].line}: no photo has the image_id {image_id!r} "
                f"(ids are the photo file names without their suffix, as in results.csv)"
            )


def check_photos(marks: dict[str, list[Mark]], photos: dict, path: str | Path) -> None:
    """Check every mark of ``marks`` (read from ``path``) before any photo is scored: its photo is one of
    ``photos`` (paths by image id) and it lies inside it (the size read from the file's header, as shown).

    Raises:
        MarksError: naming the file and the line.
    """
    check_ids(marks, photos, path)
    for image_id, photo_marks in marks.items():
        size = shown_size(photos[image_id])
        if size is not None:  # an unreadable photo gets its own row
            check_inside(photo_marks, *size, path, image_id)


# The largest radius a mark may have, as a share of the photo's shorter side.
MAX_RADIUS_SHARE = 0.25


def check_inside(
    photo_marks: list[Mark], width: int, height: int, path: str | Path | None = None, image_id: str = ""
) -> None:
    """Raise :class:`MarksError` naming the line of the first mark whose centre lies outside a ``width`` x
    ``height`` photo (pixels, after its EXIF orientation), or whose radius is over :data:`MAX_RADIUS_SHARE` of
    the photo's shorter side (a mark is a dab on a patch, not the whole face)."""
    limit = MAX_RADIUS_SHARE * min(width, height)
    for mark in photo_marks:
        where = f"marks file {path} line {mark.line}" if path else f"the mark of line {mark.line}"
        photo = f"photo {image_id!r}" if image_id else "the photo"
        if not (mark.x <= width - 1 and mark.y <= height - 1):
            raise MarksError(
                f"{where}: the mark at x={mark.x:g}, y={mark.y:g} lies outside {photo}, which is {width}x{height} "
                "px (width x height, as shown)"
            )
        if mark.radius > limit:
            raise MarksError(
                f"{where}: radius {mark.radius:g} px is over a quarter of {photo}'s shorter side ({limit:g} px); a "
                "mark is a dab on one patch"
            )


def turn(photo_marks: list[Mark], turns: int, width: int, height: int) -> list[Mark]:
    """The marks of a ``width`` x ``height`` photo after ``np.rot90(photo, turns)`` (turns counter-clockwise)."""
    out = []
    for mark in photo_marks:
        x, y, w, h = mark.x, mark.y, width, height
        for _ in range(turns % 4):
            # np.rot90 by one: the pixel at (x, y) moves to (y, w - 1 - x), and the width becomes the height.
            x, y, w, h = y, w - 1 - x, h, w
        out.append(Mark(x, y, mark.label, mark.radius, mark.line))
    return out


def to_frame(photo_marks: list[Mark], box: tuple[int, int, int, int], scale: float) -> list[Mark]:
    """The marks on an analysis frame cut from the photo at ``box`` (x0, y0, x1, y1) and scaled by ``scale``
    (frame pixels per photo pixel); marks whose centre falls outside the frame are left out."""
    x0, y0, x1, y1 = box
    width, height = (x1 - x0) * scale, (y1 - y0) * scale
    out = []
    for mark in photo_marks:
        x, y = (mark.x - x0 + 0.5) * scale - 0.5, (mark.y - y0 + 0.5) * scale - 0.5
        if -0.5 <= x < width - 0.5 and -0.5 <= y < height - 0.5:
            out.append(Mark(x, y, mark.label, mark.radius * scale, mark.line))
    return out


def from_frame(frame_marks: list[Mark], box: tuple[int, int, int, int], scale: float) -> list[Mark]:
    """Marks on an analysis frame (:func:`to_frame`) brought back to the photo's pixels."""
    x0, y0 = box[:2]
    return [
        Mark((m.x + 0.5) / scale - 0.5 + x0, (m.y + 0.5) / scale - 0.5 + y0, m.label, m.radius / scale, m.line)
        for m in frame_marks
    ]


def raster(photo_marks: list[Mark], shape: tuple[int, int], scale: float = 1.0, min_radius: float = 1.0):
    """(lesion, normal) boolean maps of ``shape`` (h, w) with every mark drawn as a disc, its centre and radius
    multiplied by ``scale`` (map pixels per mark pixel) and the radius at least ``min_radius`` map pixels. A
    pixel marked both ways counts as neither: the rater contradicted themself there."""
    lesion = np.zeros(shape, bool)
    normal = np.zeros(shape, bool)
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    for mark in photo_marks:
        x, y = (mark.x + 0.5) * scale - 0.5, (mark.y + 0.5) * scale - 0.5
        r = max(mark.radius * scale, min_radius)
        disc = (cols - x) ** 2 + (rows - y) ** 2 <= r * r
        (lesion if mark.label == 1 else normal)[disc] = True
    both = lesion & normal
    return lesion & ~both, normal & ~both


def fingerprint(photo_marks: list[Mark], **settings) -> str:
    """SHA-256 of a photo's marks (positions, labels, radii; not their lines) and the refinement ``settings``:
    a reused row is checked against it, so changing a photo's marks rescores that photo only."""
    text = ";".join(f"{m.x:.3f},{m.y:.3f},{m.label},{m.radius:.3f}" for m in photo_marks)
    text += "|" + ",".join(f"{k}={settings[k]}" for k in sorted(settings))
    return hashlib.sha256(text.encode()).hexdigest()


def write_marks(path: str | Path, marks: dict[str, list[Mark]]) -> None:
    """Write ``marks`` (by image id) as a MARKS.csv (atomically)."""
    rows = [
        dict(image_id=image_id, x=round(m.x, 2), y=round(m.y, 2), label=m.label, radius=round(m.radius, 2))
        for image_id, photo_marks in marks.items()
        for m in photo_marks
    ]
    write_csv(path, rows, list(COLUMNS))
