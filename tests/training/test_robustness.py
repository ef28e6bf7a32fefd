"""The robustness suite's conditions do what they say (values worked out by hand) and its table is right."""

import numpy as np
import pytest

from vitiscore.training import robustness


def test_one_stop_more_doubles_linear_light():
    # sRGB 100 is linear 0.12744; doubled 0.25488, which is sRGB 1.055 * 0.25488 ** (1 / 2.4) - 0.055 = 0.5415,
    # i.e. 138.1 of 255.
    grey = np.full((4, 4, 3), 100, np.uint8)
    assert (robustness.exposure(grey, 1.0) == 138).all()
    assert (robustness.exposure(grey, 0.0) == 100).all()


def test_colour_temperature_warms_and_cools():
    rgb = np.full((4, 4, 3), 128, np.uint8)
    assert np.abs(robustness.white_balance(rgb, 0).astype(int) - 128).max() == 0
    cool = robustness.white_balance(rgb, 1500)[0, 0].astype(int)
    warm = robustness.white_balance(rgb, -1500)[0, 0].astype(int)
    assert cool[2] > cool[0] and warm[0] > warm[2]
    # A black body at 6,500 K is close to white in sRGB (D65 is defined near it).
    assert robustness.blackbody_rgb(6500) == pytest.approx([1, 1, 1], abs=0.07)
    with pytest.raises(ValueError, match="kelvin"):
        robustness.blackbody_rgb(500)


def test_rescaled_and_noise_and_blur_keep_shape_or_scale_it():
    rgb = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    assert robustness.rescaled(rgb, 0.25).shape == (10, 15, 3)
    assert robustness.rescaled(rgb, 0.5, back=True).shape == rgb.shape
    with pytest.raises(ValueError, match="factor"):
        robustness.rescaled(rgb, 0)
    noisy = robustness.sensor_noise(np.full((200, 200, 3), 128, np.uint8), 4.0)
    assert noisy.astype(float).std() == pytest.approx(4.0, rel=0.05)
    assert robustness.blurred(rgb, 1.0).shape == rgb.shape


def test_reframed_cuts_the_shares_asked_for_and_enlarges_back():
    # A 100 x 200 ramp whose value is its column: 1 % of 200 is 2 columns, 1 % of 100 is 1 row.
    rgb = np.repeat(np.tile(np.arange(200, dtype=np.uint8), (100, 1))[..., None], 3, axis=2)
    shifted = robustness.reframed(rgb, left=0.01, top=0.01)
    assert shifted.shape == (99, 198, 3) and shifted[0, 0, 0] == 2 and shifted[0, -1, 0] == 199
    zoomed = robustness.reframed(rgb, 0.01, 0.01, 0.01, 0.01, back=True)
    assert zoomed.shape == rgb.shape
    # Columns 2-197 stretched over 0-199: the middle stays in the middle, the edges are the kept edges.
    assert zoomed[50, 0, 0] == 2 and zoomed[50, -1, 0] == 197 and abs(int(zoomed[50, 100, 0]) - 100) <= 1
    with pytest.raises(ValueError, match="left"):
        robustness.reframed(rgb, left=0.5)


def test_exif_rotated_file_reads_back_upright(tmp_path, astronaut):
    from vitiscore.io import load_photo

    stored = robustness.write_condition(astronaut, robustness.Condition("turned", exif_rotated=True), tmp_path / "a")
    from PIL import Image

    assert Image.open(stored).size == (astronaut.shape[0], astronaut.shape[1])  # stored turned
    photo = load_photo(stored)
    assert photo.exif_rotated and photo.rgb.shape == astronaut.shape
    assert np.abs(photo.rgb.astype(int) - astronaut.astype(int)).mean() < 3  # JPEG q95


def test_shift_table_by_hand():
    fractions = {
        "a": {"png": 0.10, "jpeg_q75": 0.12, "blur_1px": 0.10},
        "b": {"png": 0.20, "jpeg_q75": None, "blur_1px": 0.17},
        "c": {"png": None, "jpeg_q75": 0.5, "blur_1px": 0.5},
    }
    rows = {r["condition"]: r for r in robustness.shift_table(fractions)}
    assert rows["jpeg_q75"] == {
        "condition": "jpeg_q75",
        "photos": 1,
        "mean_abs_shift": 0.02,
        "max_abs_shift": 0.02,
        "failed": 1,
    }
    assert rows["blur_1px"]["mean_abs_shift"] == pytest.approx(0.015)
    assert rows["blur_1px"]["max_abs_shift"] == pytest.approx(0.03)


@pytest.mark.slow
def test_suite_scores_every_condition_and_a_lossless_copy_moves_nothing(tmp_path, astronaut):
    same = robustness.Condition("png_again", suffix=".png")
    half = robustness.CONDITIONS[3]  # scale_0.5
    fractions, table = robustness.run_suite({"face": astronaut}, tmp_path, "classical", (same, half))
    assert set(fractions["face"]) == {"png", "png_again", "scale_0.5"}
    rows = {r["condition"]: r for r in table}
    assert rows["png_again"]["photos"] == 1 and rows["png_again"]["max_abs_shift"] == 0.0
    assert rows["scale_0.5"]["photos"] == 1
