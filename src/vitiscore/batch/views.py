"""Views fused per subject and visit: ``fused.csv``, one row per subject and visit of a manifest run.

Each photo's triangle table (:mod:`vitiscore.measure.surface`) is fused with the others of the same subject and
visit, triangle by triangle (:func:`vitiscore.measure.surface.fuse`; the weighting is documented there), and the
fused fraction is turned into F-VASI with the subject's hand unit (:func:`vitiscore.measure.fvasi.face_hand_units`).
"""

from __future__ import annotations

import math
from pathlib import Path

from vitiscore import files as files_mod
from vitiscore import schema
from vitiscore.batch.manifest import ManifestEntry
from vitiscore.measure import fvasi, uncertainty
from vitiscore.measure import scale as scale_mod
from vitiscore.measure import surface as surface_mod

FUSED_COLUMNS = schema.FUSED.names


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
        out = schema.FUSED.empty_row()
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
        face_hu, hu_source = fvasi.face_hand_units(facial_cm2, hand, face_hand_units)
        out.update(
            status="ok",
            error="",
            views=";".join(r["view"] for r in usable),
            image_ids=";".join(r["image_id"] for r in usable),
            depigmented_fraction_fused=round(result.depigmented_fraction, 6),
            fvasi_fused=round(fvasi.surface_fvasi(result.depigmented_fraction, face_hu), 6),
            fvasi_clinical_fused=round(fvasi.clinical_fvasi(result.units.values(), face_hu), 6),
            unseen_fraction=round(result.unseen_fraction, 4),
            view_shares=";".join(f"{r['view']}={share:.3f}" for r, share in zip(usable, result.view_shares)),
            facial_area_cm2=round(facial_cm2, 2) if areas else None,
            depigmented_area_cm2=round(facial_cm2 * result.depigmented_fraction, 2) if areas else None,
            face_hand_units=round(face_hu, 4),
            hu_source=hu_source,
            hand_unit_cm2=round(hand.cm2, 2) if hand.cm2 is not None else None,
        )
        out.update(_fused_interval(usable, out["fvasi_fused"], face_hu))
        fused.append(out)
    return fused


def _fused_interval(views: list[dict], fused_fvasi: float, face_hu: float) -> dict:
    """fvasi_fused_low/high: the views' mean interval of the depigmented fraction carried to the fused score;
    empty unless every view has one."""
    columns = ("depigmented_fraction", "depigmented_fraction_low", "depigmented_fraction_high")
    if not all(_finite(r.get(c)) for r in views for c in columns):
        return {}
    fraction, low, high = (sum(float(r[c]) for r in views) / len(views) for c in columns)
    fused_low, fused_high = uncertainty.carry(fused_fvasi, fraction, low, high, face_hu)
    return {"fvasi_fused_low": round(fused_low, 6), "fvasi_fused_high": round(fused_high, 6)}


def write_fused(out_dir: Path, fused: list[dict]) -> None:
    files_mod.write_csv(Path(out_dir) / "fused.csv", fused, FUSED_COLUMNS)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
