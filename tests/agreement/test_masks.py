"""Mask agreement on tiny masks whose answers are worked out by hand, and the empty-mask rules."""

import numpy as np
import pytest

from vitiscore.agreement.masks import agreement


def test_overlapping_squares_by_hand():
    pred = np.zeros((20, 20), bool)
    ref = np.zeros((20, 20), bool)
    pred[2:6, 2:6] = True  # 16 px
    ref[4:8, 2:6] = True  # 16 px, 8 of them shared
    a = agreement(pred, ref)
    assert a.dice == pytest.approx(2 * 8 / 32)
    assert a.iou == pytest.approx(8 / 24)
    assert (a.pred_px, a.ref_px) == (16, 16)


def test_single_pixels_three_apart():
    pred = np.zeros((10, 10), bool)
    ref = np.zeros((10, 10), bool)
    pred[5, 2] = True
    ref[5, 5] = True
    a = agreement(pred, ref)
    assert (a.dice, a.iou, a.hd95, a.asd) == (0.0, 0.0, 3.0, 3.0)


def test_identical_masks_agree_perfectly():
    mask = np.zeros((30, 30), bool)
    mask[5:20, 8:25] = True
    a = agreement(mask, mask)
    assert (a.dice, a.iou, a.hd95, a.asd) == (1.0, 1.0, 0.0, 0.0)


def test_empty_mask_rules():
    empty = np.zeros((30, 40), bool)
    lesion = empty.copy()
    lesion[3:6, 3:6] = True
    both = agreement(empty, empty)
    assert (both.dice, both.iou, both.hd95, both.asd) == (1.0, 1.0, 0.0, 0.0)
    for pred, ref in ((empty, lesion), (lesion, empty)):
        a = agreement(pred, ref)
        assert (a.dice, a.iou) == (0.0, 0.0)
        assert a.hd95 == a.asd == pytest.approx(50.0)  # the 30 x 40 diagonal


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="same shape"):
        agreement(np.zeros((3, 3)), np.zeros((3, 4)))
