"""The robustness suite writes each condition as its file and its table is right."""

import numpy as np
import pytest

from research import robustness


def test_exif_rotated_file_reads_back_upright(tmp_path, astronaut):
    from vitiscore.files import load_photo

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
