"""Lesion contrast measured on real masks, fitted, and painted back."""

import numpy as np
import pytest

from vitiscore.colour import lab_to_rgb, rgb_to_lab
from vitiscore.training.contrast import (
    MIN_LIGHTNESS_GAP,
    ContrastModel,
    LesionContrasts,
    fit_contrast,
    measure_contrasts,
    paint_contrast_lesions,
)


def _photo(skin_lab, lesion_lab, shape=(80, 80)):
    lab = np.broadcast_to(np.asarray(skin_lab, np.float32), (*shape, 3)).copy()
    mask = np.zeros(shape, bool)
    mask[25:55, 25:55] = True
    lab[mask] = lesion_lab
    return lab_to_rgb(lab), mask


def test_a_lesion_is_measured_against_the_skin_around_it():
    rgb, mask = _photo((50.0, 14.0, 20.0), (70.0, 10.0, 12.0))
    lab = rgb_to_lab(rgb)
    contrasts = measure_contrasts([(rgb, mask)])
    np.testing.assert_allclose(contrasts.surround[0], lab[0, 0], atol=1e-4)
    np.testing.assert_allclose(contrasts.gap[0], lab[40, 40] - lab[0, 0], atol=1e-4)


def test_no_measurable_lesion_is_an_error():
    rgb, mask = _photo((50.0, 14.0, 20.0), (70.0, 10.0, 12.0))
    with pytest.raises(ValueError, match="no lesion"):
        measure_contrasts([(rgb, np.zeros_like(mask))])


def test_the_fit_recovers_a_known_line_and_keeps_the_residuals():
    # Gap = 40 - 0.4 x surround, exactly, for three lesions: slope and intercept come back, residuals are 0.
    surround = np.array([[40.0, 10, 15], [60.0, 10, 15], [80.0, 10, 15]], np.float32)
    gap = np.array([[24.0, -1, -4], [16.0, -2, -5], [8.0, 0, -6]], np.float32)
    model = fit_contrast(LesionContrasts(surround, surround + gap))
    assert model.slope == pytest.approx(-0.4, abs=1e-5) and model.intercept == pytest.approx(40.0, abs=1e-4)
    np.testing.assert_allclose(model.residuals[:, 0], 0.0, atol=1e-4)
    np.testing.assert_allclose(model.residuals[:, 1:], gap[:, 1:])
    with pytest.raises(ValueError, match="at least 3"):
        fit_contrast(LesionContrasts(surround[:2], surround[:2] + gap[:2]))


def test_a_drawn_gap_follows_the_line_and_never_falls_below_the_floor():
    model = ContrastModel(40.0, -0.4, np.array([[2.0, -1.0, -3.0]], np.float32))
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(model.draw(rng, 50.0), [22.0, -1.0, -3.0])
    assert model.draw(rng, 99.0)[0] == MIN_LIGHTNESS_GAP  # 40 - 39.6 + 2 = 2.4 -> the floor


def test_painted_lesions_lie_in_the_skin_and_are_lighter_than_it():
    from vitiscore.training import datasets
    from vitiscore.training.data import lesion_outlines

    base = datasets.astronaut_base()
    model = ContrastModel(30.0, -0.35, np.array([[0.0, -1.0, -5.0], [3.0, 0.0, -3.0]], np.float32))
    rng = np.random.default_rng(3)
    rgb, mask = paint_contrast_lesions(base.rgb, base, rng, model, lesion_outlines(rng, base, None))
    assert mask.any() and not (mask & ~base.skin).any()
    gained = rgb_to_lab(rgb)[..., 0] - rgb_to_lab(base.rgb)[..., 0]
    assert np.median(gained[mask]) >= MIN_LIGHTNESS_GAP * 0.5
    far = ~base.skin
    assert np.abs(gained[far]).mean() < 1.0
