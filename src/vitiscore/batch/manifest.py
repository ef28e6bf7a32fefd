"""Several photos of one subject and visit (frontal, left, right): the manifest that describes them.

Manifest: a CSV with the columns ``path`` (relative to the manifest's folder, or absolute), ``subject_id``,
``visit``, ``view`` (free text: frontal, left, right, ...) and optionally ``hand_area_cm2``, ``height_cm`` and
``weight_kg`` (per row; the first value given for a subject is used for all its rows). ``vitiscore score
--manifest M.csv -o OUT`` scores every photo as usual (results.csv gains ``subject_id``, ``visit``, ``view``) and
writes ``OUT/fused.csv``: one row per subject and visit with the views fused (:mod:`vitiscore.batch.views`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vitiscore.errors import MissingInputError, UsageError
from vitiscore.files.storage import read_table_csv, require_columns
from vitiscore.measure import scale as scale_mod

REQUIRED = ("path", "subject_id", "visit", "view")
OPTIONAL = ("hand_area_cm2", "height_cm", "weight_kg")


@dataclass(frozen=True)
class ManifestEntry:
    """One photo of the manifest with the subject's hand unit."""

    path: Path
    subject_id: str
    visit: str
    view: str
    hand: scale_mod.HandUnit


# A manifest naming many missing photos is one mistake (a wrong folder): this many are named, then the count.
MISSING_SHOWN = 5


def read_manifest(path: str | Path) -> list[ManifestEntry]:
    """Read and check a manifest.

    Raises:
        FileNotFoundError: the manifest, or a photo it names, does not exist (the count, and the first few named).
        ValueError: a required column is missing, a required cell is empty, a number cannot be read or is out
            of range, the same photo is listed twice, or one subject, visit and view has two photos.
    """
    path = Path(path)
    columns, rows = read_table_csv(path, "manifest")
    require_columns(columns, REQUIRED, f"manifest {path}", OPTIONAL)
    if not rows:
        raise UsageError(f"manifest {path} has no rows")
    per_subject: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows, start=2):
        for column in REQUIRED:
            if not row.get(column):
                raise UsageError(f"manifest {path} line {line}: empty {column}")
        known = per_subject.setdefault(row["subject_id"], {})
        for column in OPTIONAL:
            text = row.get(column, "")
            if text and column not in known:
                try:
                    known[column] = float(text)
                except ValueError:
                    raise UsageError(f"manifest {path} line {line}: {column} must be a number, got {text!r}") from None
    hands = {}
    for subject, known in per_subject.items():
        try:
            hands[subject] = scale_mod.hand_unit(
                known.get("hand_area_cm2"), known.get("height_cm"), known.get("weight_kg")
            )
        except ValueError as exc:
            raise UsageError(f"manifest {path}, subject {subject}: {exc}") from None
    entries, absent, seen, views = [], [], {}, {}
    for line, row in enumerate(rows, start=2):
        photo = Path(row["path"])
        photo = photo if photo.is_absolute() else path.parent / photo
        if not photo.is_file():
            absent.append(f"line {line}: {row['path']}")
            continue
        key = photo.resolve()
        if key in seen:
            raise UsageError(f"manifest {path} lists {row['path']} twice (lines {seen[key]} and {line})")
        seen[key] = line
        view = (row["subject_id"], row["visit"], row["view"])
        if view in views:
            # Fused as two views, two photos of one view would count that view's skin twice.
            raise UsageError(
                f"manifest {path} lines {views[view]} and {line}: two photos of subject {view[0]}, visit {view[1]}, "
                f"view {view[2]}; name the views apart (e.g. {view[2]}_2) or keep one photo"
            )
        views[view] = line
        entries.append(ManifestEntry(photo, row["subject_id"], row["visit"], row["view"], hands[row["subject_id"]]))
    if absent:
        shown = "; ".join(absent[:MISSING_SHOWN]) + ("; ..." if len(absent) > MISSING_SHOWN else "")
        raise MissingInputError(f"manifest {path} names {len(absent)} photo(s) that do not exist: {shown}")
    return entries
