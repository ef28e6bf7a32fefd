"""Absolute size: millimetres per pixel from the iris, and the size of the patient's hand unit.

* **Iris ruler.** The visible iris is 11.7 +- 0.5 mm wide across populations. Its width is measured on both
  eyes from the mesh's four iris points (horizontal pair), in 3D (x, y and the mesh depth), so that a turned
  head does not shrink it; the mean of the two eyes gives the scale at the face. The uncertainty combines the
  population spread (0.5 / 11.7 = 4.3 %) with the disagreement between the eyes (half their difference, as a
  share of the mean). Areas scale with its square, so their relative uncertainty is twice it.
* **Implausible iris.** An iris narrower than 0.12 or wider than 0.30 x the distance between the iris centres
  (the population ratio is about 11.7 / 63 = 0.19) is taken as a failed measurement: no scale, and no cm².
* **Hand unit (HU)**, in order of preference: the patient's own hand (palm plus five digits, ``hand_area_cm2``);
  else 1 % of the body surface area by Mosteller, sqrt(height cm x weight kg / 3600) m²; else the face is taken
  to be the default number of HU (3.0). Every row says which one was used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vitiscore.errors import UsageError
from vitiscore.face import indices as ix

IRIS_DIAMETER_MM = 11.7
IRIS_SD_MM = 0.5
IRIS_TO_EYE_DISTANCE = (0.12, 0.30)
# Adult distance between the pupils, mm: a rougher ruler, used only where the iris gives none.
EYE_DISTANCE_MM = 63.0

HU_PATIENT_HAND = "patient_hand"
HU_MOSTELLER = "mosteller_bsa"
HU_DEFAULT = "default_face_hu"
SCALE_IRIS = "iris"
SCALE_NONE = "none"


@dataclass(frozen=True)
class IrisScale:
    """Millimetres per pixel (of the grid the landmarks are in) and its relative uncertainty (1 SD, 0-1)."""

    mm_per_px: float
    relative_sd: float
    iris_px: float
    source: str = SCALE_IRIS

    def area_cm2(self, area_px2: float) -> float:
        """An area in square pixels converted to cm²."""
        return float(area_px2) * self.mm_per_px**2 / 100.0


def iris_widths_px(points: np.ndarray) -> tuple[float, float]:
    """Width of the right and left visible iris, pixels (3D distance between the horizontal iris points)."""
    p = np.asarray(points, dtype=np.float64)
    widths = []
    for ring in (ix.RIGHT_IRIS, ix.LEFT_IRIS):
        a, _, c, _ = (p[i] for i in ring)
        widths.append(float(np.linalg.norm(a - c)))
    return widths[0], widths[1]


def iris_scale(points: np.ndarray) -> IrisScale | None:
    """The iris ruler for (478, 3) mesh points, or None when the iris measurement is implausible."""
    p = np.asarray(points, dtype=np.float64)
    if p.shape != (478, 3):
        raise UsageError(f"points must be the (478, 3) mesh with iris points, got {p.shape}")
    right, left = iris_widths_px(p)
    width = (right + left) / 2
    eyes = float(np.linalg.norm(p[ix.LEFT_IRIS_CENTRE, :2] - p[ix.RIGHT_IRIS_CENTRE, :2]))
    if not (width > 0 and eyes > 0) or not IRIS_TO_EYE_DISTANCE[0] <= width / eyes <= IRIS_TO_EYE_DISTANCE[1]:
        return None
    measurement = abs(right - left) / 2 / width
    relative_sd = math.hypot(IRIS_SD_MM / IRIS_DIAMETER_MM, measurement)
    return IrisScale(mm_per_px=IRIS_DIAMETER_MM / width, relative_sd=relative_sd, iris_px=width)


def mosteller_bsa_m2(height_cm: float, weight_kg: float) -> float:
    """Body surface area, m², by Mosteller (1987): sqrt(height cm x weight kg / 3600)."""
    for name, value, low, high in (("height_cm", height_cm, 30, 260), ("weight_kg", weight_kg, 2, 400)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
            raise UsageError(f"{name} must be a number in {low}-{high}, got {value!r}")
    return math.sqrt(height_cm * weight_kg / 3600.0)


@dataclass(frozen=True)
class HandUnit:
    """The size of one hand unit in cm² (None when only the default face size is known) and its source."""

    cm2: float | None
    source: str


def hand_unit(
    hand_area_cm2: float | None = None, height_cm: float | None = None, weight_kg: float | None = None
) -> HandUnit:
    """The patient's hand unit from what is known (see the module notes for the order).

    Raises:
        ValueError: a given value is out of range (hand 20-400 cm², height 30-260 cm, weight 2-400 kg).
    """
    if hand_area_cm2 is not None and not _missing(hand_area_cm2):
        if not 20 <= float(hand_area_cm2) <= 400:
            raise UsageError(f"hand_area_cm2 must be in 20-400 cm², got {hand_area_cm2!r}")
        return HandUnit(float(hand_area_cm2), HU_PATIENT_HAND)
    if not _missing(height_cm) and not _missing(weight_kg):
        return HandUnit(mosteller_bsa_m2(float(height_cm), float(weight_kg)) * 1e4 * 0.01, HU_MOSTELLER)
    return HandUnit(None, HU_DEFAULT)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""
