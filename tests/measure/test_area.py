import math

import numpy as np
import pytest

from vitiscore.face.facial_area import UNIT_LABELS
from vitiscore.measure.area import measure


def _labels():
    # 10 x 10 photo: forehead = rows 0-3 (40 px), nose = rows 4-5 (20 px), right cheek = rows 6-9 (40 px).
    labels = np.zeros((10, 10), np.uint8)
    labels[0:4] = UNIT_LABELS["forehead"]
    labels[4:6] = UNIT_LABELS["nose"]
    labels[6:10] = UNIT_LABELS["right_cheek"]
    return labels


def test_fractions_shares_hand_units_and_fvasi_by_hand():
    labels = _labels()
    depig = np.zeros_like(labels, dtype=bool)
    depig[0:2] = True  # 20 of the 40 forehead pixels
    depig[6, :5] = True  # 5 of the 40 cheek pixels
    m = measure(labels, depig, face_hand_units=3.0)
    assert m.facial_area_px == 100
    assert m.depigmented_px == 25
    assert m.depigmented_fraction == pytest.approx(0.25)
    assert m.units["forehead"].fraction == pytest.approx(0.5)
    assert m.units["forehead"].share == pytest.approx(0.4)
    assert m.units["nose"].fraction == 0.0
    assert m.units["right_cheek"].fraction == pytest.approx(0.125)
    # sum of fraction x share x HU: 0.5*0.4*3 + 0 + 0.125*0.4*3 = 0.6 + 0.15 = 0.75
    assert m.fvasi == pytest.approx(0.75)
    assert m.depigmented_hand_units == pytest.approx(0.75)
    # units without pixels have an undefined fraction and no share
    assert math.isnan(m.units["left_cheek"].fraction)
    assert m.units["left_cheek"].share == 0


def test_face_hand_units_scales_linearly():
    labels = _labels()
    depig = labels == UNIT_LABELS["nose"]  # 20 % of the face
    assert measure(labels, depig, 3.5).fvasi == pytest.approx(0.7)


def test_depigmentation_outside_the_facial_area_is_ignored():
    labels = np.zeros((4, 4), np.uint8)
    labels[:2] = UNIT_LABELS["nose"]
    depig = np.ones((4, 4), bool)
    m = measure(labels, depig)
    assert m.depigmented_px == 8 and m.depigmented_fraction == 1.0 and m.fvasi == pytest.approx(3.0)


def test_empty_mask_gives_zero_not_an_error():
    m = measure(_labels(), np.zeros((10, 10), bool))
    assert m.depigmented_px == 0 and m.depigmented_fraction == 0.0 and m.fvasi == 0.0


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="same shape"):
        measure(_labels(), np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match="face_hand_units"):
        measure(_labels(), np.zeros((10, 10), bool), face_hand_units=0)
    with pytest.raises(ValueError, match="empty"):
        measure(np.zeros((3, 3), np.uint8), np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="labels"):
        measure(np.full((3, 3), 99, np.uint8), np.zeros((3, 3), bool))
