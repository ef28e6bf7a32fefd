"""research/evaluate.py: summaries on hand-made rows of known error, the skin tone of labelled photos, and the
synthetic test's lesion draws."""

import math

import numpy as np
import pytest

from research import evaluate as evaluate_module


@pytest.fixture(scope="module")
def evaluate():
    return evaluate_module


def _row(model, face, target, error, band="light", clear=0.0):
    return dict(
        model=model, face=face, target_ita=target, status="ok", ita_band=band, error=error, unpainted_fraction=clear
    )


def test_synthetic_summary_mae_ci_by_face_and_paired_difference(evaluate):
    # Model a: |errors| 0.01, 0.03 (face A), 0.02, 0.02 (B), 0.05, 0.01 (C): MAE 0.14 / 6; face means 0.02, 0.02,
    # 0.03, so every resample's MAE, and the CI, lies within [0.02, 0.03]. Model b is 0.01 better on every case:
    # the paired difference is 0.01 exactly, with a CI of zero width. Face C's +60 tone alone is "very_light".
    a = [
        (face, target, err)
        for face, errs in {"A": (0.01, -0.03), "B": (-0.02, 0.02), "C": (0.05, -0.01)}.items()
        for target, err in zip((34.0, 60.0), errs)
    ]
    rows = [_row("a", f, t, e, "very_light" if (f, t) == ("C", 60.0) else "light") for f, t, e in a]
    rows += [_row("b", f, t, e - math.copysign(0.01, e)) for f, t, e in a]
    rows.append(dict(model="a", face="D", target_ita=34.0, status="no_face"))  # not scored: left out
    out = {(r["model"], r["by"], r["group"]): r for r in evaluate.summarise_synthetic(rows, ["a", "b"], 500)}
    whole = out[("a", "all", "all")]
    assert whole["n"] == 6 and whole["mae"] == pytest.approx(0.14 / 6)
    assert 0.02 - 1e-12 <= whole["mae_ci_low"] < whole["mae"] < whole["mae_ci_high"] <= 0.03 + 1e-12
    lone = out[("a", "ita_band", "very_light")]
    assert lone["n"] == 1 and lone["mae"] == pytest.approx(0.01) and math.isnan(lone["mae_ci_low"])
    paired = out[("a minus b", "all", "all")]
    assert paired["n"] == 6 and paired["mae"] == pytest.approx(0.01)
    assert paired["mae_ci_low"] == pytest.approx(0.01) and paired["mae_ci_high"] == pytest.approx(0.01)
    assert out[("a minus b", "target_ita", "+60")]["n"] == 3
    assert not any(k[0] == "a minus b" and k[1] == "ita_band" for k in out)


def test_synthetic_summary_per_quality_flag(evaluate):
    # |errors| 0.05 (overexposed, light_skin), 0.03 (light_skin), 0.01 and 0.02 (no flag).
    rows = [
        dict(_row("a", face, 60.0, err), flags=flags)
        for face, err, flags in (
            ("A", 0.05, "overexposed,light_skin"),
            ("B", -0.03, "light_skin"),
            ("C", 0.01, ""),
            ("D", -0.02, ""),
        )
    ]
    out = {(r["by"], r["group"]): r for r in evaluate.summarise_synthetic(rows, ["a"], 200)}
    assert out[("flag", "overexposed")]["n"] == 1 and out[("flag", "overexposed")]["mae"] == pytest.approx(0.05)
    assert out[("flag", "light_skin")]["n"] == 2 and out[("flag", "light_skin")]["mae"] == pytest.approx(0.04)
    assert out[("flag", "none")]["n"] == 2 and out[("flag", "none")]["mae"] == pytest.approx(0.015)
    # A model none of whose cases was scored gets no rows (and no paired difference), not an error.
    both = evaluate.summarise_synthetic(rows, ["a", "failed"], 200)
    assert {r["model"] for r in both} == {"a"} and len(both) == len(out)


def test_lesion_draws_are_paired_one_by_one_and_sources_are_summarised_apart(evaluate):
    # Two draws of one face and tone are two cases: without the draw in the pairing key, draw 1 would replace
    # draw 0 and the paired difference would count 2 cases, not 4. Model b is 0.01 better on every case.
    rows = []
    for source, face in (("fasseg", "A"), ("pratheepan", "P")):
        for draw, err in enumerate((0.03, -0.05)):
            rows.append(dict(_row("a", face, 48.0, err), source=source, draw=draw))
            rows.append(dict(_row("b", face, 48.0, err - math.copysign(0.01, err)), source=source, draw=draw))
    out = {(r["model"], r["by"], r["group"]): r for r in evaluate.summarise_synthetic(rows, ["a", "b"], 200)}
    assert out[("a minus b", "all", "all")]["n"] == 4
    assert out[("a minus b", "all", "all")]["mae"] == pytest.approx(0.01)
    assert out[("a", "all", "all")]["mae"] == pytest.approx(0.04)
    for source in ("fasseg", "pratheepan"):
        mine = out[("a", "source", source)]
        assert mine["n"] == 2 and mine["mae"] == pytest.approx(0.04) and math.isnan(mine["mae_ci_low"])


def test_synthetic_draws_share_the_clear_face_and_keep_earlier_cases(evaluate, monkeypatch):
    from vitiscore.segment import load_segmenter
    from vitiscore.training import datasets

    monkeypatch.setattr(evaluate, "BAND_ITA_EXAMPLES", (-10.0, 34.0))
    faces = [("astronaut", datasets.astronaut_base())]
    classical = [load_segmenter("classical")]
    one = evaluate.evaluate_synthetic(faces, None, classical, seed=5, draws=1)
    two = evaluate.evaluate_synthetic(faces, None, classical, seed=5, draws=2)
    assert [r["status"] for r in one + two] == ["ok"] * 6
    assert [(r["target_ita"], r["draw"]) for r in two] == [(-10.0, 0), (-10.0, 1), (34.0, 0), (34.0, 1)]
    # The first painting comes from the same random numbers whatever the number of draws.
    assert two[0] == one[0]
    for first, second in (two[:2], two[2:]):
        # One clear face per tone serves every draw; the paintings are independent.
        assert first["unpainted_fraction"] == second["unpainted_fraction"]
        assert first["true_fraction"] != second["true_fraction"]
        assert 0 < first["true_fraction"] < 0.5 and 0 < second["true_fraction"] < 0.5
    for row in one + two:  # the visible part of the lesions is part of them
        assert 0 < row["visible_fraction"] <= row["true_fraction"]
        assert row["visible_error"] == pytest.approx(row["measured_fraction"] - row["visible_fraction"])
        assert row["lesion_contrast"] > 0
    with pytest.raises(ValueError, match="draws"):
        evaluate.evaluate_synthetic(faces, None, classical, seed=5, draws=0)


def test_labelled_skin_tone_reads_the_normal_skin_around_the_drawn_lesions(evaluate):
    from vitiscore.colour import lab_to_rgb

    # Normal skin L* 65, b* 15: ITA = atan((65 - 50) / 15) = 45 degrees, "light" (41-55). A depigmented patch
    # (L* 85, b* 10: ITA 74, still skin-coloured) covers 60 % of the photo, so it would decide the median if it
    # were counted.
    lab = np.zeros((100, 100, 3), np.float32)
    lab[...] = (65.0, 12.0, 15.0)
    lab[:, :60] = (85.0, 10.0, 10.0)
    reference = np.zeros((100, 100), bool)
    reference[:, :60] = True
    ita, band, share = evaluate.labelled_skin_tone(lab_to_rgb(lab), reference)
    # 8-bit sRGB moves b* by a few tenths, and near 45 degrees each tenth moves the ITA by 0.2 degrees.
    assert ita == pytest.approx(45.0, abs=1.0) and band == "light"
    # The margin, 1 % of 100 px = 1 px, also leaves out column 60: columns 61-99 remain.
    assert share == pytest.approx(0.39)
    # Normal skin on only 0.5 % of a grey photo (50 pixels, enough for a median): too little to say what the
    # person's skin is.
    grey = np.full((100, 100, 3), 128, np.uint8)
    grey[:5, :10] = lab_to_rgb(lab[:5, -10:])
    ita, band, share = evaluate.labelled_skin_tone(grey, np.zeros((100, 100), bool))
    assert math.isnan(ita) and band == "" and share == pytest.approx(0.005)


def test_real_summary_has_a_subset_per_skin_tone_band(evaluate):
    rows = []
    for image, group, band, dice in (("p1", "g1", "dark", 0.8), ("p2", "g2", "dark", 0.6), ("p3", "g3", "", 0.1)):
        rows.append(
            dict(
                model="m",
                image=image,
                source_group=group,
                shows_face=0,
                ita_band=band,
                dice=dice,
                iou=dice,
                hd95=1.0,
                asd=1.0,
            )
        )
    out = {(r["subset"], r["metric"]): r for r in evaluate.summarise(rows, ["m"], 200)}
    assert out[("ita:dark", "dice")]["n_images"] == 2 and out[("ita:dark", "dice")]["mean"] == pytest.approx(0.7)
    assert out[("ita:unmeasured", "dice")]["mean"] == pytest.approx(0.1)
    assert out[("all", "dice")]["n_images"] == 3
    assert ("face", "dice") not in out  # no photo shows a face


def test_visible_lesion_keeps_pixels_changed_by_a_noticeable_difference(evaluate):
    # Skin at L* 70: four lesion pixels raised by ΔE 1 (L* 71, below the 2.3 threshold) or 10 (L* 80, above it),
    # and one pixel outside the lesion raised by 10, which must not count.
    from vitiscore.colour import lab_to_rgb, rgb_to_lab

    lab = np.zeros((2, 4, 3), np.float32)
    lab[..., 0], lab[..., 1], lab[..., 2] = 70.0, 10.0, 15.0
    unpainted = lab_to_rgb(lab)
    changed = lab.copy()
    changed[0, :2, 0] = 71.0
    changed[0, 2:, 0] = 80.0
    changed[1, 3, 0] = 80.0
    painted = lab_to_rgb(changed)
    lesion = np.zeros((2, 4), bool)
    lesion[0] = True
    delta = np.linalg.norm(rgb_to_lab(painted) - rgb_to_lab(unpainted), axis=-1)
    assert delta[0, :2].max() < 2.0 and delta[0, 2:].min() > 8.0  # uint8 rounding leaves the two sides apart
    visible = evaluate.visible_lesion(painted, unpainted, lesion)
    assert visible.tolist() == [[False, False, True, True], [False, False, False, False]]


def test_synthetic_summary_against_visible_lesions(evaluate):
    # Measured 0.03 on two faces where 0.05 was painted but only 0.03 (A) and 0.02 (B) can be seen: the MAE is
    # 0.02, and against the visible truth |0.00| and |+0.01|, so 0.005 with a bias of +0.005.
    rows = [dict(_row("a", face, 60.0, -0.02), visible_error=seen) for face, seen in (("A", 0.0), ("B", 0.01))]
    whole = {(r["by"], r["group"]): r for r in evaluate.summarise_synthetic(rows, ["a"], 200)}[("all", "all")]
    assert whole["mae"] == pytest.approx(0.02)
    assert whole["mae_visible"] == pytest.approx(0.005) and whole["bias_visible"] == pytest.approx(0.005)
    assert 0.0 - 1e-12 <= whole["mae_visible_ci_low"] <= whole["mae_visible_ci_high"] <= 0.01 + 1e-12


def _noisy_skin(size=200):
    # Skin at L* 60 (a* 12, b* 16) with pixel noise of SD 4 in L* only: any patch of it varies by an RMS ΔE of 4.
    rng = np.random.default_rng(0)
    lab = np.zeros((size, size, 3), np.float32)
    lab[..., 0] = 60.0 + rng.normal(0.0, 4.0, (size, size))
    lab[..., 1], lab[..., 2] = 12.0, 16.0
    return lab


def test_lesion_contrast_is_the_lesions_difference_over_the_surrounding_skins_spread(evaluate):
    # On skin whose ring varies by an RMS ΔE of 4: lesion A (40 x 40 px) is 8 L* lighter: ratio 2. Lesion B
    # (20 x 20) is 2 lighter: ratio 0.5. Weighted by area (1600, 400): (1600 x 2 + 400 x 0.5) / 2000 = 1.7. A dark
    # strip (L* 20) touching A's ring is not skin and must not count, and a 4 x 4 speck (under
    # MIN_CONTRAST_PIXELS) is left out however bright.
    from vitiscore.colour import lab_to_rgb

    lab = _noisy_skin()
    lesion = np.zeros((200, 200), bool)
    lesion[30:70, 30:70] = True
    lab[30:70, 30:70, 0] += 8.0
    lesion[140:160, 140:160] = True
    lab[140:160, 140:160, 0] += 2.0
    lesion[100:104, 20:24] = True
    lab[100:104, 20:24, 0] += 30.0
    skin = np.ones((200, 200), bool)
    skin[72:76, :] = False
    lab[72:76, :, 0] = 20.0
    painted = lab_to_rgb(lab)
    assert evaluate.lesion_contrast(painted, lesion, skin) == pytest.approx(1.7, rel=0.05)
    only_a = np.zeros_like(lesion)
    only_a[30:70, 30:70] = True
    assert evaluate.lesion_contrast(painted, only_a, skin) == pytest.approx(2.0, rel=0.05)
    assert math.isnan(evaluate.lesion_contrast(painted, np.zeros_like(lesion), skin))


def test_lesion_contrast_of_a_coarse_drawn_mask_keeps_a_margin_from_its_outline(evaluate, tmp_path):
    # A lesion 8 L* lighter than skin of spread 4 (ratio 2), drawn 3 px too wide all round, as hand-drawn polygons
    # are. Without a margin its edge of normal skin dilutes the lesion's colour; with a 4 px margin the core is
    # all lesion and the ring all normal skin: 2 again.
    import cv2

    from vitiscore.colour import lab_to_rgb
    from vitiscore.segment import load_segmenter

    lab = _noisy_skin()
    lab[60:140, 60:140, 0] += 8.0
    rgb = lab_to_rgb(lab)
    drawn = np.zeros((200, 200), bool)
    drawn[57:143, 57:143] = True
    skin = np.ones((200, 200), bool)
    assert evaluate.lesion_contrast(rgb, drawn, skin) < 1.8
    assert evaluate.lesion_contrast(rgb, drawn, skin, margin=4) == pytest.approx(2.0, rel=0.05)

    # evaluate_real, on a one-photo folder laid out like vitiligo_real, keeps LESION_MARGIN x 200 = 2 px: a mask
    # drawn 2 px too wide reads 2 as well (with no margin, its 9 % of normal skin would give about 1.8). The
    # photo's skin must read as skin-coloured for the ring to exist.
    assert evaluate.skin_coloured(rgb).mean() > 0.99
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "p.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    narrow = np.zeros((200, 200), np.uint8)
    narrow[58:142, 58:142] = 255
    cv2.imwrite(str(tmp_path / "masks" / "p.png"), narrow)
    (tmp_path / "index.csv").write_text("image,mask,source_group,shows_face\nimages/p.png,masks/p.png,g,0\n")
    rows = evaluate.evaluate_real(tmp_path, [load_segmenter("classical")], "all")
    assert rows[0]["lesion_contrast"] == pytest.approx(2.0, rel=0.05)


def test_real_summary_by_lesion_contrast(evaluate):
    rows = [
        dict(
            model="m",
            image=image,
            source_group=group,
            shows_face=0,
            lesion_contrast=c,
            dice=dice,
            iou=dice,
            hd95=1.0,
            asd=1.0,
        )
        for image, group, c, dice in (
            ("p1", "g1", 0.5, 0.1),
            ("p2", "g2", 0.7, 0.3),
            ("p3", "g3", 1.5, 0.8),
            ("p4", "g4", math.nan, 0.9),
        )
    ]
    out = {(r["subset"], r["metric"]): r for r in evaluate.summarise(rows, ["m"], 200)}
    assert out[("contrast:under 1", "dice")]["n_images"] == 2
    assert out[("contrast:under 1", "dice")]["mean"] == pytest.approx(0.2)
    assert out[("contrast:1 to 2", "dice")]["mean"] == pytest.approx(0.8)
    assert ("contrast:2 or more", "dice") not in out
    assert out[("all", "dice")]["n_images"] == 4


def test_synthetic_summary_by_lesion_contrast(evaluate):
    # Errors 0.06 and -0.04 under 1, 0.02 from 1 to 2, 0.01 at 2 or more; a case without a measurable lesion
    # (NaN) counts in no contrast group, but in "all".
    cases = [("A", 0.5, 0.06), ("B", 0.9, -0.04), ("A", 1.5, 0.02), ("B", 3.0, 0.01), ("C", math.nan, 0.3)]
    rows = [dict(_row("a", face, 60.0, err), lesion_contrast=c) for face, c, err in cases]
    out = {(r["by"], r["group"]): r for r in evaluate.summarise_synthetic(rows, ["a"], 200)}
    assert out[("contrast", "under 1")]["n"] == 2 and out[("contrast", "under 1")]["mae"] == pytest.approx(0.05)
    assert out[("contrast", "1 to 2")]["mae"] == pytest.approx(0.02)
    assert out[("contrast", "2 or more")]["mae"] == pytest.approx(0.01)
    assert sum(r["n"] for key, r in out.items() if key[0] == "contrast") == 4
    assert out[("all", "all")]["n"] == 5


def test_first_model_is_paired_with_each_of_the_others(evaluate):
    # Reference a; b is 0.01 and c 0.03 better on every case (Dice higher by as much on every photo). Each
    # other model gets its own "a minus" row with that difference exactly, and b and c are not paired.
    cases = [(face, target, err) for face in "ABC" for target, err in ((34.0, 0.04), (60.0, -0.05))]
    rows = [
        _row(m, f, t, e - math.copysign(gain, e))
        for m, gain in (("a", 0), ("b", 0.01), ("c", 0.03))
        for f, t, e in cases
    ]
    out = {(r["model"], r["by"], r["group"]): r for r in evaluate.summarise_synthetic(rows, ["a", "b", "c"], 200)}
    assert out[("a minus b", "all", "all")]["mae"] == pytest.approx(0.01)
    assert out[("a minus c", "all", "all")]["mae"] == pytest.approx(0.03)
    assert out[("a minus c", "target_ita", "+60")]["n"] == 3
    assert not any("b minus" in k[0] for k in out)
    real = [
        dict(
            model=m,
            image=f"p{i}",
            source_group=f"g{i}",
            shows_face=1,
            ita_band="dark",
            dice=0.5 + gain,
            iou=0.4,
            hd95=1.0,
            asd=1.0,
        )
        for m, gain in (("a", 0), ("b", 0.01), ("c", 0.03))
        for i in range(3)
    ]
    out = {(r["model"], r["subset"], r["metric"]): r for r in evaluate.summarise(real, ["a", "b", "c"], 200)}
    assert out[("a minus b", "all", "dice")]["mean"] == pytest.approx(-0.01)
    assert out[("a minus c", "face", "dice")]["mean"] == pytest.approx(-0.03)
    assert not any("b minus" in k[0] for k in out)


def test_synthetic_lesions_go_only_on_labelled_skin_inside_the_facial_area(evaluate, monkeypatch):
    from vitiscore.segment import load_segmenter
    from vitiscore.training import datasets

    base = datasets.astronaut_base()
    half = base.skin.copy()
    half[:, : half.shape[1] // 2] = False  # only the right half of the face is labelled skin
    face = datasets.BaseImage(base.rgb, half, base.sites, base.name)
    allowed = []
    paint = evaluate.paint_lesions

    def recording(rgb, where, rng, shapes):
        allowed.append(where.skin)
        return paint(rgb, where, rng, shapes)

    monkeypatch.setattr(evaluate, "paint_lesions", recording)
    monkeypatch.setattr(evaluate, "BAND_ITA_EXAMPLES", (19.0,))
    rows = evaluate.evaluate_synthetic([("astronaut", face)], None, [load_segmenter("classical")], seed=2)
    assert rows[0]["status"] == "ok" and rows[0]["true_fraction"] > 0
    assert len(allowed) == 1 and allowed[0].any() and not (allowed[0] & ~half).any()


def test_two_models_under_one_id_are_refused_before_anything_is_written(evaluate, tmp_path, capsys):
    # A retrained folder exported with the id of another would otherwise be pooled with it in every summary.
    out = tmp_path / "out"
    with pytest.raises(SystemExit):
        evaluate.main(
            [str(tmp_path), "-o", str(out), "--models", "unet-mobilenetv2-v4", "classical", "unet-mobilenetv2-v4"]
        )
    error = capsys.readouterr().err
    assert "--models" in error and "the model id unet-mobilenetv2-v4 comes more than once" in error
    assert not out.exists()
