"""The rows of a scoring run: one ``results.csv`` row per photo (columns declared in :data:`vitiscore.schema.RESULTS`)
and what a batch returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from vitiscore import schema
from vitiscore.files.masks import MaskSet
from vitiscore.measure import uncertainty
from vitiscore.measure.mask_score import MaskScore
from vitiscore.pipeline import FaceScore, ScoreOptions
from vitiscore.segment import Segmenter
from vitiscore.version import __version__

COLUMNS = schema.RESULTS.names


@dataclass
class BatchResult:
    """What a batch produced: ``rows`` in input order, counts by status, and the run summary."""

    rows: list[dict]
    counts: dict[str, int]
    run: dict = field(default_factory=dict)
    fused: list[dict] | None = None

    @property
    def all_ok(self) -> bool:
        return all(row["status"] == "ok" for row in self.rows)


def num(value, digits=6):
    """``value`` rounded to ``digits`` decimals; None for a missing or non-finite value (an empty CSV cell)."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if np.isfinite(value) else None


def mask_columns(scored: FaceScore | MaskScore) -> dict:
    """The columns that depend on the depigmentation mask: pixel counts, flat, surface and clinical F-VASI,
    degrees, cm² and hand units (from a scored photo, or from a mask scored again by ``vitiscore rescore``)."""
    m, sf, iris = scored.measure, scored.surface, scored.iris
    columns = dict(
        facial_area_px=m.facial_area_px,
        depigmented_px=m.depigmented_px,
        depigmented_fraction=num(m.depigmented_fraction),
        depigmented_hand_units=num(m.depigmented_hand_units),
        fvasi=num(m.fvasi),
        face_hand_units=num(scored.face_hand_units),
        hu_source=scored.hu_source,
        depigmented_fraction_surface=num(sf.depigmented_fraction),
        fvasi_surface=num(scored.fvasi_surface),
        fvasi_clinical=num(scored.fvasi_clinical),
        unseen_fraction=num(sf.unseen_fraction, 4),
        facial_area_cm2=num(scored.facial_area_cm2, 2),
        depigmented_area_cm2=num(scored.depigmented_area_cm2, 2),
        area_uncertainty_pct=num(200 * iris.relative_sd, 2) if iris else None,
        mm_per_px=num(scored.photo_mm_per_px, 5),
        scale_source=iris.source if iris else "none",
    )
    for unit, um in m.units.items():
        columns[f"{unit}_area_px"] = um.area_px
        columns[f"{unit}_depigmented_fraction"] = num(um.fraction)
    for unit, unit_surface in sf.units.items():
        columns[f"{unit}_degree"] = unit_surface.degree
    return columns


def result_row(
    image_id: str, path: str, score: FaceScore, options: ScoreOptions, segmenter: Segmenter | MaskSet, settings: str
) -> dict:
    """The results.csv row of one photo (mask and overlay paths are filled in by the writer). With masks drawn
    elsewhere (a :class:`~vitiscore.files.masks.MaskSet`) ``model_sha256`` is that photo's mask file's SHA-256."""
    external = isinstance(segmenter, MaskSet)
    row = schema.RESULTS.empty_row()
    row.update(
        image_id=image_id,
        path=path,
        status=score.status,
        error=score.error,
        flags=";".join(score.flags),
        width=score.width or None,
        turned_deg=score.turned_deg,
        height=score.height or None,
        model_id=segmenter.model_id,
        model_sha256=segmenter.file_sha256(image_id) if external and image_id in segmenter.files else segmenter.sha256,
        mask_source="external" if external else "marks" if score.marks_used else "model",
        n_marks=score.marks_used or None,
        tool_version=__version__,
        eyelids=options.eyelids,
        hairline_max=options.hairline_max,
        min_eye_distance_px=options.min_eye_distance_px,
        max_pose_deg=options.max_pose_deg,
        face_hand_units=options.face_hand_units,
        settings_sha256=settings,
    )
    if score.hand is not None:
        # Full precision: rescoring takes the hand unit from here.
        row.update(hand_unit_cm2=num(score.hand.cm2))
    if score.landmarks is not None:
        lm = score.landmarks
        row.update(
            n_faces=lm.n_faces,
            eye_distance_px=num(lm.eye_distance_px, 2),
            iris_diameter_px=num(lm.iris_diameter_px, 2),
            yaw_deg=num(lm.yaw_deg, 2),
            pitch_deg=num(lm.pitch_deg, 2),
            roll_deg=num(lm.roll_deg, 2),
        )
    if score.measure is not None:
        row.update(mask_columns(score))
        row.update(
            skin_lightness=num(score.skin_lightness, 2),
            skin_b=num(score.skin_b, 2),
            ita_deg=num(score.ita_deg, 2),
            ita_band=score.ita_band,
            forehead_hair_stop=num(score.forehead_hair_stop, 3),
        )
    if score.measure is not None and math.isfinite(score.fraction_low):
        fraction, low, high = score.depigmented_fraction, score.fraction_low, score.fraction_high
        fvasi_interval = uncertainty.carry(score.fvasi, fraction, low, high, score.face_hand_units)
        row.update(
            depigmented_fraction_low=num(low),
            depigmented_fraction_high=num(high),
            fvasi_low=num(fvasi_interval[0]),
            fvasi_high=num(fvasi_interval[1]),
        )
    if score.crop_box is not None:
        row.update(
            crop_box=";".join(str(int(v)) for v in score.crop_box),
            crop_scale=num(score.crop_scale, 8),
            threshold=num(score.threshold, 4),
        )
    return row


# The columns of a results row that name a file the run wrote into OUT.
FILE_COLUMNS = (
    "mask_facial_area",
    "mask_units",
    "mask_depigmented",
    "overlay",
    "triangles",
    "landmarks",
    "crop",
    "probability",
    "unsure_map",
)
# What a manifest says about a photo, kept in its row; a reused row must say the same.
ABOUT_COLUMNS = ("subject_id", "visit", "view", "hand_unit_cm2")
