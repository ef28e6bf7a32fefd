"""Several photos of one subject and visit (frontal, left, right): a manifest to describe them and the fused score.

Manifest: a CSV with the columns ``path`` (relative to the manifest's folder, or absolute), ``subject_id``,
``visit``, ``view`` (free text: frontal, left, right, ...) and optionally ``hand_area_cm2``, ``height_cm`` and
``weight_kg`` (per row; the first value given for a subject is used for all its rows). ``vitiscore score
--manifest M.csv -o OUT`` scores every photo as usual (results.csv gains ``subject_id``, ``visit``, ``view``) and
writes ``OUT/fused.csv``: one row per subject and visit with the views fused triangle by triangle
(:func:`vitiscore.surface.fuse`; the weighting is documented there).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from vitiscore import io as io_mod
from vitiscore import scale as scale_mod
from vitiscore import surface as surface_mod

REQUIRED = ("path", "subject_id", "visit", "view")
OPTIONAL = ("hand_area_cm2", "height_cm", "weight_kg")
FUSED_COLUMNS = [
    "subject_id", "visit", "status", "error", "views", "image_ids", "n_photos",
    "depigmented_fraction_fused", "fvasi_fused", "fvasi_clinical_fused", "unseen_fraction", "view_shares",
    "facial_area_cm2", "depigmented_area_cm2", "face_hand_units", "hu_source", "hand_unit_cm2",
]


@dataclass(frozen=True)
class ManifestEntry:
    """One photo of the manifest with the subject's hand unit."""

    path: Path
    subject_id: str
    visit: str
    view: str
    hand: scale_mod.HandUnit


def read_manifest(path: str | Path) -> list[ManifestEntry]:
    """Read and check a manifest.

    Raises:
        FileNotFoundError: the manifest, or a photo it names, does not exist (all missing photos are named).
        ValueError: a required column is missing, a required cell is empty, a number cannot be read or is out
            of range, or the same photo is listed twice.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest does not exist: {path}")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise ValueError(f"manifest {path} lacks the column(s) {', '.join(missing)} "
                             f"(needs {', '.join(REQUIRED)}; optional {', '.join(OPTIONAL)})")
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    if not rows:
        raise ValueError(f"manifest {path} has no rows")
    per_subject: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows, start=2):
        for column in REQUIRED:
            if not row.get(column):
                raise ValueError(f"manifest {path} line {line}: empty {column}")
        known = per_subject.setdefault(row["subject_id"], {})
        for column in OPTIONAL:
            text = row.get(column, "")
            if text and column not in known:
                try:
                    known[column] = float(text)
                except ValueError:
                    raise ValueError(f"manifest {path} line {line}: {column} must be a number, got {text!r}") \
                        from None
    hands = {}
    for subject, known in per_subject.items():
        try:
            hands[subject] = scale_mod.hand_unit(known.get("hand_area_cm2"), known.get("height_cm"),
                                                 known.get("weight_kg"))
        except ValueError as exc:
            raise ValueError(f"manifest {path}, subject {subject}: {exc}") from None
    entries, absent, seen = [], [], {}
    for line, row in enumerate(rows, start=2):
        photo = Path(row["path"])
        photo = photo if photo.is_absolute() else path.parent / photo
        if not photo.is_file():
            absent.append(f"line {line}: {row['path']}")
            continue
        key = photo.resolve()
        if key in seen:
            raise ValueError(f"manifest {path} lists {row['path']} twice (lines {seen[key]} and {line})")
        seen[key] = line
        entries.append(ManifestEntry(photo, row["subject_id"], row["visit"], row["view"], hands[row["subject_id"]]))
    if absent:
        raise FileNotFoundError(f"manifest {path} names photos that do not exist: " + "; ".join(absent))
    return entries


def fuse_rows(out_dir: Path, rows: list[dict], entries: list[ManifestEntry], face_hand_units: float) -> list[dict]:
    """One fused row per subject and visit, from the photos' rows and their triangle tables in ``out_dir``.

    Photos that were not scored are left out of the fusion (the row's ``views`` lists the views used); a
    subject-visit with no scored photo gets status ``no_scored_view``.
    """
    groups: dict[tuple[str, str], list[dict]] = {}
    hands: dict[tuple[str, str], scale_mod.HandUnit] = {}
    for row, entry in zip(rows, entries):
        groups.setdefault((entry.subject_id, entry.visit), []).append(row)
        hands[(entry.subject_id, entry.visit)] = entry.hand
    fused = []
    for (subject, visit), members in groups.items():
        out = {c: None for c in FUSED_COLUMNS}
        out.update(subject_id=subject, visit=visit, n_photos=len(members))
        usable = [r for r in members if r.get("status") == "ok" and r.get("triangles")]
        if not usable:
            out.update(status="no_scored_view", error="no photo of this subject and visit could be scored")
            fused.append(out)
            continue
        tables = [surface_mod.read_table(out_dir / r["triangles"]) for r in usable]
        result = surface_mod.fuse(tables)
        hand = hands[(subject, visit)]
        areas = [float(r["facial_area_cm2"]) for r in usable if _finite(r.get("facial_area_cm2"))]
        facial_cm2 = sum(areas) / len(areas) if areas else float("nan")
        if hand.cm2 is not None and areas:
            face_hu, hu_source = facial_cm2 / hand.cm2, hand.source
        else:
            face_hu, hu_source = face_hand_units, scale_mod.HU_DEFAULT
        out.update(
            status="ok", error="", views=";".join(r["view"] for r in usable),
            image_ids=";".join(r["image_id"] for r in usable),
            depigmented_fraction_fused=round(result.depigmented_fraction, 6),
            fvasi_fused=round(result.depigmented_fraction * face_hu, 6),
            fvasi_clinical_fused=round(result.clinical_fvasi(face_hu), 6),
            unseen_fraction=round(result.unseen_fraction, 4),
            view_shares=";".join(f"{r['view']}={share:.3f}" for r, share in zip(usable, result.view_shares)),
            facial_area_cm2=round(facial_cm2, 2) if areas else None,
            depigmented_area_cm2=round(facial_cm2 * result.depigmented_fraction, 2) if areas else None,
            face_hand_units=round(face_hu, 4), hu_source=hu_source,
            hand_unit_cm2=round(hand.cm2, 2) if hand.cm2 is not None else None,
        )
        fused.append(out)
    return fused


def write_fused(out_dir: Path, fused: list[dict]) -> None:
    io_mod.write_csv(Path(out_dir) / "fused.csv", fused, FUSED_COLUMNS)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
