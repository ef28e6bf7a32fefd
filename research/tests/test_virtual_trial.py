"""The virtual trial's truth is what it says: responder shares, exact repigmented areas, lesion contrast as
measured on real lesions, masks that move with their photo, and metrics worked out by hand."""

import numpy as np
import pytest

from research import virtual_trial as vt
from vitiscore.colour import rgb_to_lab


def test_improvements_follow_the_study_rates_in_whole_patients_away_from_the_thresholds():
    values = vt.improvements(111, np.random.default_rng(0))
    # 111 x 0.171 = 19.0, 111 x 0.495 = 54.9 -> 55, 111 x 0.649 = 72.0 -> 72 responders
    assert (values >= 0.9).sum() == 19 and (values >= 0.75).sum() == 55 and (values >= 0.5).sum() == 72
    for threshold in (0.5, 0.75, 0.9):
        assert np.abs(values - threshold).min() >= vt.CLEARANCE
    assert (values < 0).sum() >= 1  # some patients get worse


@pytest.mark.parametrize("pattern", vt.PATTERNS)
def test_repigmentation_removes_exactly_the_share_asked_for_and_only_lesion_pixels(pattern):
    rng = np.random.default_rng(1)
    allowed = np.ones((120, 120), bool)
    mask = np.zeros((120, 120), bool)
    mask[20:80, 30:90] = True  # 3600 px
    after = vt.repigmented(mask, 0.75, pattern, allowed, rng)
    assert after.sum() == 900 and not (after & ~mask).any()
    if pattern == "margin":
        # what is left is the middle of the square: its border repigmented first
        ys, xs = np.nonzero(after)
        assert ys.min() > 20 and ys.max() < 79 and xs.min() > 30 and xs.max() < 89


def test_a_patient_who_gets_worse_grows_into_the_allowed_skin_nearest_first():
    allowed = np.zeros((100, 100), bool)
    allowed[10:90, 10:90] = True
    mask = np.zeros((100, 100), bool)
    mask[40:60, 40:60] = True  # 400 px
    after = vt.repigmented(mask, -0.5, "margin", allowed, np.random.default_rng(0))
    assert after.sum() == 600 and (after >= mask).all()
    assert not (after & ~allowed).any()
    ys, xs = np.nonzero(after)
    assert ys.min() >= 35 and ys.max() <= 64  # a ring about 2-3 px wide, not a far-away patch


def test_realistic_lesions_are_lighter_by_more_on_darker_skin():
    rng = np.random.default_rng(0)
    lesion = np.zeros((60, 60), bool)
    lesion[20:40, 20:40] = True
    skin = np.ones((60, 60), bool)
    gaps = {}
    for name, level in (("dark", 70), ("light", 200)):
        rgb = np.full((60, 60, 3), (level, int(level * 0.75), int(level * 0.6)), np.uint8)
        painted = vt.paint_realistic(rgb, lesion, skin, np.random.default_rng(0))
        lab, before = rgb_to_lab(painted), rgb_to_lab(rgb)
        gaps[name] = float(lab[30, 30, 0] - before[30, 30, 0])
        assert lab[30, 30, 2] < before[30, 30, 2]  # b* down
        assert abs(lab[5, 5, 0] - before[5, 5, 0]) < 0.5  # skin outside left alone
    assert gaps["dark"] > 2 * gaps["light"] > 0
    chalk = rgb_to_lab(vt.paint_chalk(np.full((60, 60, 3), (120, 80, 60), np.uint8), lesion, skin, rng))
    assert chalk[30, 30, 0] > 88 and abs(chalk[30, 30, 1]) < 5


def test_a_mask_moves_with_its_photo():
    rng = np.random.default_rng(3)
    rgb = np.zeros((200, 160, 3), np.uint8)
    mask = np.zeros((200, 160), bool)
    mask[80:120, 60:100] = True
    rgb[mask] = 255
    photo, (moved,), quality = vt.capture(rgb, [mask], rng)
    assert 85 <= quality <= 95
    bright = photo[..., 1] > 128
    assert (bright & moved).sum() / (bright | moved).sum() > 0.9  # the same square, where the photo put it


def test_metrics_by_hand():
    truth = {
        "a": {"band": "tan", "true_improvement": 0.95},
        "b": {"band": "tan", "true_improvement": 0.60},
        "c": {"band": "dark", "true_improvement": 0.20},
    }
    results = [
        {"subject_id": s, "status": st}
        for s, st in (("a", "ok"), ("a", "ok"), ("b", "ok"), ("b", "ok"), ("c", "ok"), ("c", "no_face"))
    ]
    per_subject = [
        {"subject_id": "a", "status": "evaluable", "pct_change": "-93", "F-VASI50": "1", "F-VASI75": "1",
         "F-VASI90": "1", "pct_change_one_frame": "-95"},
        {"subject_id": "b", "status": "evaluable", "pct_change": "-80", "F-VASI50": "1", "F-VASI75": "1",
         "F-VASI90": "0", "pct_change_one_frame": "-62"},
        {"subject_id": "c", "status": "imputed_nonresponder", "pct_change": "", "F-VASI50": "0", "F-VASI75": "0",
         "F-VASI90": "0"},
    ]  # fmt: skip
    rows = {(r["group"], r["metric"]): r for r in vt.evaluate(truth, results, per_subject)}
    assert rows[("all", "photos_scored")]["value"] == pytest.approx(5 / 6)
    assert rows[("all", "patients_evaluable")]["value"] == pytest.approx(2 / 3)
    # errors: a 0.93 - 0.95 = -0.02, b 0.80 - 0.60 = +0.20
    assert rows[("all", "improvement_error_bias")]["value"] == pytest.approx(0.09)
    assert rows[("all", "improvement_error_median_abs")]["value"] == pytest.approx(0.11)
    # F-VASI75: truth 1, 0, 0; calls 1, 1, 0: accuracy 2/3; chance 1/3 x 2/3 + 2/3 x 1/3 = 4/9;
    # kappa (2/3 - 4/9) / (1 - 4/9) = 0.4
    assert rows[("all", "F-VASI75_accuracy")]["value"] == pytest.approx(2 / 3)
    assert rows[("all", "F-VASI75_kappa")]["value"] == pytest.approx(0.4)
    assert rows[("all", "F-VASI75_rate")]["value"] == pytest.approx(2 / 3)
    assert rows[("all", "F-VASI75_true_rate")]["value"] == pytest.approx(1 / 3)
    assert rows[("dark", "photos_scored")]["value"] == pytest.approx(0.5)
    # in one frame: errors 0 and 0.02; calls 1, 0, 0 for F-VASI75 as the truth
    assert rows[("all", "one_frame_improvement_error_median_abs")]["value"] == pytest.approx(0.01)
    assert rows[("all", "one_frame_F-VASI75_kappa")]["value"] == pytest.approx(1.0)
    assert rows[("all", "one_frame_F-VASI90_rate")]["value"] == pytest.approx(1 / 3)
