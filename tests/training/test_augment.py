"""Capture jitter does what it says (values worked out by hand)."""

import numpy as np
import pytest

from vitiscore.training import augment


def test_one_stop_more_doubles_linear_light():
    # sRGB 100 is linear 0.12744; doubled 0.25488, which is sRGB 1.055 * 0.25488 ** (1 / 2.4) - 0.055 = 0.5415,
    # i.e. 138.1 of 255.
    grey = np.full((4, 4, 3), 100, np.uint8)
    assert (augment.exposure(grey, 1.0) == 138).all()
    assert (augment.exposure(grey, 0.0) == 100).all()


def test_colour_temperature_warms_and_cools():
    rgb = np.full((4, 4, 3), 128, np.uint8)
    assert np.abs(augment.white_balance(rgb, 0).astype(int) - 128).max() == 0
    cool = augment.white_balance(rgb, 1500)[0, 0].astype(int)
    warm = augment.white_balance(rgb, -1500)[0, 0].astype(int)
    assert cool[2] > cool[0] and warm[0] > warm[2]
    # A black body at 6,500 K is close to white in sRGB (D65 is defined near it).
    assert augment.blackbody_rgb(6500) == pytest.approx([1, 1, 1], abs=0.07)
    with pytest.raises(ValueError, match="kelvin"):
        augment.blackbody_rgb(500)


def test_rescaled_and_noise_and_blur_keep_shape_or_scale_it():
    rgb = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    assert augment.rescaled(rgb, 0.25).shape == (10, 15, 3)
    assert augment.rescaled(rgb, 0.5, back=True).shape == rgb.shape
    with pytest.raises(ValueError, match="factor"):
        augment.rescaled(rgb, 0)
    noisy = augment.sensor_noise(np.full((200, 200, 3), 128, np.uint8), 4.0)
    assert noisy.astype(float).std() == pytest.approx(4.0, rel=0.05)
    assert augment.blurred(rgb, 1.0).shape == rgb.shape


def test_reframed_cuts_the_shares_asked_for_and_enlarges_back():
    # A 100 x 200 ramp whose value is its column: 1 % of 200 is 2 columns, 1 % of 100 is 1 row.
    rgb = np.repeat(np.tile(np.arange(200, dtype=np.uint8), (100, 1))[..., None], 3, axis=2)
    shifted = augment.reframed(rgb, left=0.01, top=0.01)
    assert shifted.shape == (99, 198, 3) and shifted[0, 0, 0] == 2 and shifted[0, -1, 0] == 199
    zoomed = augment.reframed(rgb, 0.01, 0.01, 0.01, 0.01, back=True)
    assert zoomed.shape == rgb.shape
    # Columns 2-197 stretched over 0-199: the middle stays in the middle, the edges are the kept edges.
    assert zoomed[50, 0, 0] == 2 and zoomed[50, -1, 0] == 197 and abs(int(zoomed[50, 100, 0]) - 100) <= 1
    with pytest.raises(ValueError, match="left"):
        augment.reframed(rgb, left=0.5)
