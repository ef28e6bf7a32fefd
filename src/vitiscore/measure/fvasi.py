"""The three F-VASIs, the seven degrees, and the one rule for the face's size in hand units (HU).

F-VASI = sum over facial units of (unit area in HU) x (degree of depigmentation, 0-1). The tool reports it
three ways, all on the same 0-``face_hand_units`` scale (0-3 with the default face of 3.0 HU):

* **flat** (``fvasi``): each unit's depigmented share of its pixels x the unit's share of the facial area's
  pixels x face HU. A pixel-exact mask counts every depigmented pixel at degree 100 %, so speckled
  repigmentation lowers the score through the pixels it removes; the sum is the overall depigmented fraction x
  face HU.
* **surface** (``fvasi_surface``): the same with each pixel weighted by the skin surface it shows
  (:mod:`vitiscore.measure.surface`), so that the foreshortened sides of the face count fully.
* **clinical** (``fvasi_clinical``): as a clinician scores, per unit the *involved* area (the depigmented
  patches with the speckled repigmentation inside them) x the degree binned to the nearest of the seven
  F-VASI degrees (:func:`clinical_degree`).

An empty mask gives 0 for all three.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from vitiscore.measure.scale import HU_DEFAULT, HandUnit

DEFAULT_FACE_HAND_UNITS = 3.0
# The F-VASI degrees, %: 100 no pigment; 90 specks of pigment; 75 depigmented exceeds pigmented; 50 equal;
# 25 pigmented exceeds depigmented; 10 only specks of depigmentation; 0 none.
DEGREES = (0, 10, 25, 50, 75, 90, 100)
# Cut points half-way between neighbouring degrees, as densities (0-1).
DEGREE_CUTS = tuple((a + b) / 200 for a, b in zip(DEGREES[:-1], DEGREES[1:]))
# Radius of the closing that joins speckled repigmentation into the patch around it, mm.
PATCH_CLOSING_MM = 2.5


@dataclass(frozen=True)
class UnitSurface:
    """One facial unit measured over the skin surface.

    Attributes:
        share: the unit's share of the facial surface, 0-1.
        depigmented_fraction: depigmented share of the unit's seen surface, 0-1 (NaN when none is seen).
        involved_fraction: share of the unit's seen surface inside depigmented patches, 0-1 (NaN when none).
        degree: the clinical degree, % (one of :data:`DEGREES`).
    """

    share: float
    depigmented_fraction: float
    involved_fraction: float
    degree: int


def clinical_degree(density: float) -> int:
    """The F-VASI degree (one of :data:`DEGREES`, %) nearest to a depigmented density (0-1) inside the involved
    patches. NaN or 0 gives 0.

    Raises:
        ValueError: ``density`` above 1.
    """
    if not math.isfinite(density) or density <= 0:
        return 0
    if density > 1:
        raise ValueError(f"density must be in 0-1, got {density}")
    return DEGREES[sum(density >= cut for cut in DEGREE_CUTS)]


def flat_fvasi(units: Iterable[tuple[float, float]], face_hand_units: float) -> float:
    """Flat F-VASI from ``(depigmented fraction, share of the facial area)`` per unit (both 0-1); units with a
    NaN fraction (no pixels) add nothing."""
    return float(sum(fraction * share * face_hand_units for fraction, share in units if math.isfinite(fraction)))


def surface_fvasi(depigmented_fraction: float, face_hand_units: float) -> float:
    """Surface F-VASI: the depigmented share of the facial surface (0-1) x face HU."""
    return float(depigmented_fraction * face_hand_units)


def clinical_fvasi(units: Iterable[UnitSurface], face_hand_units: float) -> float:
    """Clinical-style F-VASI: sum over units of involved area (HU) x degree (0-1)."""
    return float(
        sum(
            u.share * u.involved_fraction * u.degree / 100 * face_hand_units
            for u in units
            if math.isfinite(u.involved_fraction)
        )
    )


def face_hand_units(facial_area_cm2: float | None, hand: HandUnit, default: float) -> tuple[float, str]:
    """The face's size in HU and where it came from: facial area (cm²) / the patient's hand unit (cm²) when
    both are known, else ``default`` with source ``default_face_hu``.

    Raises:
        ValueError: ``default`` is not a positive number.
    """
    if not (isinstance(default, (int, float)) and math.isfinite(default) and default > 0):
        raise ValueError(f"default must be a positive number of hand units, got {default!r}")
    known_area = facial_area_cm2 is not None and math.isfinite(facial_area_cm2) and facial_area_cm2 > 0
    if hand.cm2 is None or not known_area:
        return float(default), HU_DEFAULT
    return facial_area_cm2 / hand.cm2, hand.source
