"""Every number of a photo from its depigmentation mask: the one place where a photo-sized mask becomes pixel
counts, surface fractions, clinical degrees, cm² and F-VASI.

The same function scores the model's mask (``vitiscore score``), a mask drawn elsewhere (``--masks``) and a
rater's reviewed mask (``vitiscore rescore``), so that the three can differ only by their masks. It needs no
photo: the facial units (photo-sized labels), the landmarks (photo pixels) and the analysis frame (the crop box
and scale the face was analysed in) are what the scoring run keeps in ``OUT``.

The surface accounting (:mod:`vitiscore.measure.surface`) runs on the analysis frame: the photo-sized labels and
mask are brought into it (labels by nearest neighbour, the mask by area averaging cut at one half), which is
exact when the frame is the photo's own pixels (``scale`` 1, faces under 1,024 px).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from vitiscore.face.facial_area import crop_to_frame, frame_points
from vitiscore.face.indices import LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE
from vitiscore.measure import area as area_mod
from vitiscore.measure import fvasi as fvasi_mod
from vitiscore.measure import scale as scale_mod
from vitiscore.measure import surface as surface_mod


@dataclass(frozen=True)
class MaskScore:
    """The measures of one photo's mask.

    Attributes:
        measure: pixel counts, flat fractions and flat F-VASI (photo pixels).
        surface: surface-weighted fractions and the units' clinical degrees.
        elements: the per-triangle table (for fusing views and comparing visits), analysis-frame pixels.
        iris: mm per analysis pixel, or None without a plausible iris.
        photo_mm_per_px: mm per photo pixel (NaN without an iris scale).
        facial_area_cm2, depigmented_area_cm2: skin surface, cm² (NaN without an iris scale).
        face_hand_units, hu_source: the face's size in HU and where it came from.
        fvasi_surface, fvasi_clinical: on the 0-``face_hand_units`` scale.
        frame_units, frame_depigmented: the labels and the mask as brought into the analysis frame
            (:func:`vitiscore.face.facial_area.frame_labels`, :func:`frame_mask`; the mask not yet cut to the facial
            area), for callers that draw or sample the frame without bringing them in again.
    """

    measure: area_mod.AreaMeasure
    surface: surface_mod.SurfaceScore
    elements: surface_mod.ElementTable
    iris: scale_mod.IrisScale | None
    photo_mm_per_px: float
    facial_area_cm2: float
    depigmented_area_cm2: float
    face_hand_units: float
    hu_source: str
    fvasi_surface: float
    fvasi_clinical: float
    frame_units: np.ndarray = field(repr=False)
    frame_depigmented: np.ndarray = field(repr=False)


def frame_mask(depigmented: np.ndarray, box, scale: float) -> np.ndarray:
    """A photo-sized bool mask brought into the analysis frame (area averaging, cut at one half)."""
    return crop_to_frame(depigmented.astype(np.uint8) * 255, box, scale) >= 128


def frame_of(row: dict) -> tuple[tuple[int, int, int, int], float]:
    """The analysis frame of a results row: crop box (photo pixels) and scale.

    Raises:
        ValueError: the row has no frame (a photo that was not scored, or a run older than the review tools).
    """
    try:
        box = tuple(int(v) for v in str(row["crop_box"]).split(";"))
        scale = float(row["crop_scale"])
    except (KeyError, TypeError, ValueError):
        box, scale = (), float("nan")
    if len(box) != 4 or not 0 < scale <= 1:
        raise ValueError(f"{row.get('image_id')}: no analysis frame recorded (crop_box, crop_scale); score it again")
    return box, scale


def photo_mask(frame: np.ndarray, box, scale: float, labels: np.ndarray) -> np.ndarray:
    """An analysis-frame bool mask placed back into the photo (bilinear, cut at one half) and kept to the facial
    area ``labels`` (photo-sized): how a model's mask, or one redrawn at another threshold, becomes photo-sized."""
    # Placed and cut inside the crop box only: the rest of the photo is outside the facial area (a third of the
    # time at 12 MP).
    x0, y0, x1, y1 = box
    placed = cv2.resize(frame.astype(np.uint8) * 255, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    out = np.zeros(labels.shape, bool)
    out[y0:y1, x0:x1] = (placed >= 128) & (labels[y0:y1, x0:x1] > 0)
    return out


def score_mask(
    labels: np.ndarray,
    depigmented: np.ndarray,
    points: np.ndarray,
    box: tuple[int, int, int, int],
    scale: float,
    hand: scale_mod.HandUnit,
    default_face_hand_units: float = fvasi_mod.DEFAULT_FACE_HAND_UNITS,
) -> MaskScore:
    """Measure ``depigmented`` inside the facial area ``labels``.

    Args:
        labels: (H, W) photo-sized facial unit labels (``vitiscore.face.UNIT_LABELS``), 0 outside the area, which
            lies inside ``box`` (only the box is measured).
        depigmented: (H, W) bool mask; pixels outside the facial area do not count. An all-False mask gives
            every fraction, degree and F-VASI 0 (a normal result).
        points: (478, 3) landmarks in photo pixels.
        box, scale: the analysis frame (crop box in photo pixels, analysis pixels per photo pixel, 0-1].
        hand: the patient's hand unit; without one the face counts ``default_face_hand_units`` HU.

    Raises:
        ValueError: shapes differ, or the facial area is empty.
    """
    labels = np.asarray(labels)
    depigmented = np.asarray(depigmented, dtype=bool)
    if labels.shape != depigmented.shape:
        raise ValueError(f"labels {labels.shape} and depigmented {depigmented.shape} must have the same shape")
    # The facial area lies inside the crop box (its labels are placed there, to_photo): measuring the box alone
    # counts the same pixels, without passes over the rest of a 12 MP photo.
    x0, y0, x1, y1 = box
    labels, depigmented = labels[y0:y1, x0:x1], depigmented[y0:y1, x0:x1]
    if not (labels > 0).any():
        raise ValueError("the facial area is empty (face hidden or outside the photo)")
    frame_labels = crop_to_frame(labels, (0, 0, x1 - x0, y1 - y0), scale, interpolation=cv2.INTER_NEAREST)
    frame_whole = frame_mask(depigmented, (0, 0, x1 - x0, y1 - y0), scale)
    frame_depig = frame_whole & (frame_labels > 0)
    analysis_points = frame_points(points, box, scale)
    iris = scale_mod.iris_scale(analysis_points)
    if iris:
        patch_radius = fvasi_mod.PATCH_CLOSING_MM / iris.mm_per_px
    else:
        eyes = float(np.hypot(*(analysis_points[LEFT_IRIS_CENTRE, :2] - analysis_points[RIGHT_IRIS_CENTRE, :2])))
        patch_radius = fvasi_mod.PATCH_CLOSING_MM / scale_mod.EYE_DISTANCE_MM * eyes
    elements = surface_mod.element_table(analysis_points, frame_labels, frame_depig, patch_radius)
    surf = surface_mod.fuse([elements])
    facial_cm2 = iris.area_cm2(surf.facial_surface_px2) if iris else float("nan")
    depig_cm2 = iris.area_cm2(surf.depigmented_surface_px2) if iris else float("nan")
    face_hu, hu_source = fvasi_mod.face_hand_units(facial_cm2, hand, default_face_hand_units)
    return MaskScore(
        measure=area_mod.measure(labels, depigmented & (labels > 0), face_hu),
        surface=surf,
        elements=elements,
        iris=iris,
        photo_mm_per_px=iris.mm_per_px * scale if iris else float("nan"),
        facial_area_cm2=facial_cm2,
        depigmented_area_cm2=depig_cm2,
        face_hand_units=face_hu,
        hu_source=hu_source,
        fvasi_surface=fvasi_mod.surface_fvasi(surf.depigmented_fraction, face_hu),
        fvasi_clinical=fvasi_mod.clinical_fvasi(surf.units.values(), face_hu),
        frame_units=frame_labels,
        frame_depigmented=frame_whole,
    )
