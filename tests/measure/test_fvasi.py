"""The one hand-unit rule and the three F-VASIs, on values worked out by hand."""

import math

import pytest

from vitiscore.measure.fvasi import (
    UnitSurface,
    clinical_degree,
    clinical_fvasi,
    face_hand_units,
    flat_fvasi,
    surface_fvasi,
)
from vitiscore.measure.scale import HU_DEFAULT, HU_MOSTELLER, HU_PATIENT_HAND, HandUnit, hand_unit


def test_face_size_from_the_patients_hand_when_both_areas_are_known():
    # A 300 cm² face and a 150 cm² hand: 2 HU.
    assert face_hand_units(300.0, HandUnit(150.0, HU_PATIENT_HAND), 3.0) == (2.0, HU_PATIENT_HAND)
    # Mosteller, 170 cm and 70 kg: sqrt(170 x 70 / 3600) = 1.8181 m², 1 % = 181.81 cm²; a 300 cm² face is 1.65 HU.
    hu, source = face_hand_units(300.0, hand_unit(height_cm=170, weight_kg=70), 3.0)
    assert source == HU_MOSTELLER and hu == pytest.approx(300 / (math.sqrt(170 * 70 / 3600) * 100), rel=1e-12)


def test_default_face_size_when_either_area_is_unknown():
    assert face_hand_units(float("nan"), HandUnit(150.0, HU_PATIENT_HAND), 3.0) == (3.0, HU_DEFAULT)
    assert face_hand_units(None, HandUnit(150.0, HU_PATIENT_HAND), 3.5) == (3.5, HU_DEFAULT)
    assert face_hand_units(300.0, HandUnit(None, HU_DEFAULT), 3.0) == (3.0, HU_DEFAULT)
    with pytest.raises(ValueError, match="default"):
        face_hand_units(300.0, HandUnit(None, HU_DEFAULT), 0.0)


def test_flat_surface_and_clinical_by_hand():
    # Two units: half the face at 20 % depigmented, the other half at 0 %, and a unit never seen.
    assert flat_fvasi([(0.2, 0.5), (0.0, 0.5), (float("nan"), 0.0)], 3.0) == pytest.approx(0.3)
    assert surface_fvasi(0.1, 3.0) == pytest.approx(0.3)
    # Involved 40 % of a unit covering half the face at degree 75 %: 0.5 x 0.4 x 0.75 x 3 = 0.45.
    units = [UnitSurface(0.5, 0.3, 0.4, 75), UnitSurface(0.5, float("nan"), float("nan"), 0)]
    assert clinical_fvasi(units, 3.0) == pytest.approx(0.45)
    assert flat_fvasi([], 3.0) == 0.0 and clinical_fvasi([], 3.0) == 0.0


def test_degree_cuts_are_half_way():
    assert [clinical_degree(d) for d in (0.049, 0.05, 0.174, 0.175, 0.949, 0.95)] == [0, 10, 10, 25, 90, 100]
    with pytest.raises(ValueError, match="density"):
        clinical_degree(1.2)
