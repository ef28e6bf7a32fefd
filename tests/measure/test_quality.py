"""Photo quality from the facial pixels, worked out by hand."""

import numpy as np

from vitiscore.measure import quality


def test_colour_spread_is_the_median_channel_range():
    grey = np.full((10, 3), 128, np.uint8)
    assert quality.colour_spread(grey) == 0.0 < quality.NO_COLOUR_SPREAD
    skin = np.array([[200, 150, 120]] * 3 + [[10, 10, 10]] * 2, np.uint8)  # ranges 80, 80, 80, 0, 0
    assert quality.colour_spread(skin) == 80.0


def test_exposure_flags_by_hand():
    assert quality.exposure_flags(np.zeros((0, 3), np.uint8)) == []
    # 5 of 100 pixels clipped is not over 5 %; a sixth is: overexposed (and not underexposed: the brightest 1 %
    # reaches 255)
    clipped = np.full((100, 3), 180, np.uint8)
    clipped[:5] = 255
    assert quality.exposure_flags(clipped) == []
    clipped[5] = 255
    assert quality.exposure_flags(clipped) == ["overexposed"]
    # every pixel's brightest channel at 120 < 128: the brightest 1 % never reaches half scale
    assert quality.exposure_flags(np.full((100, 3), 120, np.uint8)) == ["underexposed"]
    # 6 % crushed to black (<= 5), the rest well exposed: underexposed
    crushed = np.full((100, 3), 200, np.uint8)
    crushed[:6] = 5
    assert quality.exposure_flags(crushed) == ["underexposed"]
