import math

import numpy as np
import pytest

from vitiscore.measure.skin_tone import ita_band, ita_degrees, normal_skin_ita


def test_ita_by_hand():
    assert ita_degrees(60, 10) == pytest.approx(45.0)  # atan(1)
    assert ita_degrees(50, 15) == pytest.approx(0.0)
    assert ita_degrees(40, 10) == pytest.approx(-45.0)
    assert ita_degrees(70, 20 / math.sqrt(3)) == pytest.approx(60.0)  # atan(sqrt 3)
    assert ita_degrees(70, 0) == 90.0 and math.isnan(ita_degrees(50, 0))


@pytest.mark.parametrize(
    "ita, band",
    [
        (60, "very_light"),
        (55.0, "light"),
        (41.0, "intermediate"),
        (30, "intermediate"),
        (28.0, "tan"),
        (10.0, "brown"),
        (-30.0, "dark"),
        (-45, "dark"),
        (float("nan"), ""),
    ],
)
def test_bands_at_their_edges(ita, band):
    assert ita_band(ita) == band


def test_normal_skin_ita_of_a_flat_patch():
    # sRGB (200, 150, 120) is L* 66.10, b* 23.13 by scikit-image's CIE implementation (D65), an independent
    # implementation from the OpenCV conversion the package uses: ITA = atan(16.10 / 23.13) = 34.8 degrees.
    rgb = np.zeros((10, 10, 3), np.uint8)
    rgb[:] = (200, 150, 120)
    lightness, b_star, ita = normal_skin_ita(rgb, np.ones((10, 10), bool))
    assert lightness == pytest.approx(66.10, abs=0.3)
    assert b_star == pytest.approx(23.13, abs=0.3)
    assert ita == pytest.approx(34.8, abs=0.5)
    assert ita_band(ita) == "intermediate"
