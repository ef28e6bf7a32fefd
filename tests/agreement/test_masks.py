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


def test_every_way_of_drawing_a_lesion_is_read_as_drawn(tmp_path):
    # [issue 27, 16] 0/1, label-2 and red-only masks used to read as empty (Dice 0) against a 0/255 reference
    from PIL import Image

    from vitiscore.agreement.masks import folder_agreement

    lesion = np.zeros((40, 40), bool)
    lesion[10:25, 5:30] = True
    ref, pred = tmp_path / "ref", tmp_path / "pred"
    ref.mkdir(), pred.mkdir()
    red = np.zeros((40, 40, 3), np.uint8)
    red[lesion, 0] = 255
    for name, array in {
        "zero_one": lesion.astype(np.uint8),
        "label_two": lesion.astype(np.uint8) * 2,
        "red": red,
        "full": lesion.astype(np.uint8) * 255,
    }.items():
        Image.fromarray(lesion.astype(np.uint8) * 255).save(ref / f"{name}.png")
        Image.fromarray(array).save(pred / f"{name}_depigmented.png")
    rows, summary, unmatched = folder_agreement(pred, ref)
    assert {r["image_id"]: r["dice"] for r in rows} == {"zero_one": 1.0, "label_two": 1.0, "red": 1.0, "full": 1.0}
    assert not unmatched


def test_jpeg_masks_are_refused_with_a_message(tmp_path):
    from PIL import Image

    from vitiscore.agreement.masks import folder_agreement

    for side in ("pred", "ref"):
        (tmp_path / side).mkdir()
        Image.fromarray(np.full((8, 8), 255, np.uint8)).save(tmp_path / side / "a.png")
    Image.fromarray(np.full((8, 8), 255, np.uint8)).save(tmp_path / "ref" / "b.jpg")
    with pytest.raises(ValueError, match=r"lossy mask file\(s\) \(e.g. b.jpg\).*PNG"):
        folder_agreement(tmp_path / "pred", tmp_path / "ref")


def test_a_run_masks_folder_is_compared_by_its_depigmentation_masks_only(tmp_path):
    # `validate-masks OUT/masks REF`: the facial-area and units masks beside each <id>_depigmented.png were read as
    # lesion masks too (Dice 0.173 with 32 unmatched files in the issue).
    from PIL import Image

    from vitiscore.agreement.masks import folder_agreement

    run, reference = tmp_path / "run_masks", tmp_path / "reference"
    run.mkdir()
    reference.mkdir()
    lesion = np.zeros((20, 20), np.uint8)
    lesion[5:10, 5:10] = 255
    for image_id in ("a", "b"):
        Image.fromarray(lesion).save(run / f"{image_id}_depigmented.png")
        Image.fromarray(np.full((20, 20), 255, np.uint8)).save(run / f"{image_id}_facial_area.png")
        Image.fromarray(np.full((20, 20), 3, np.uint8)).save(run / f"{image_id}_units.png")
        Image.fromarray(lesion).save(reference / f"{image_id}.png")
    # a team's own mask named like a units mask, with no depigmentation mask beside it, still counts
    Image.fromarray(lesion).save(run / "c_units.png")
    Image.fromarray(lesion).save(reference / "c_units.png")
    rows, summary, unmatched = folder_agreement(run, reference)
    assert sorted(r["image_id"] for r in rows) == ["a", "b", "c_units"] and unmatched == []
    assert all(r["dice"] == 1.0 for r in rows)
