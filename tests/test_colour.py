"""Colour helpers worked out by hand."""

import numpy as np

from vitiscore.colour import brightest_channel, darkest_channel


def test_brightest_and_darkest_channel_by_hand():
    pixels = np.array([[10, 200, 30], [255, 0, 7], [5, 5, 5]], np.uint8)
    assert brightest_channel(pixels).tolist() == [200, 255, 5]
    assert darkest_channel(pixels).tolist() == [10, 0, 5]
    photo = np.random.default_rng(1).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    assert np.array_equal(brightest_channel(photo), photo.max(axis=2))
    assert np.array_equal(darkest_channel(photo), photo.min(axis=2))
    assert brightest_channel(photo).dtype == np.uint8
