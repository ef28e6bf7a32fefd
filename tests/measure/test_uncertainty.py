"""A photo's interval: its members' percentiles, carried to other scores, and the members' fractions by hand."""

import numpy as np
import pytest

from vitiscore.intervals import fraction_interval
from vitiscore.measure.uncertainty import carry, member_interval


def test_member_interval_is_the_prediction_interval_of_one_more_member():
    # Members 0.19, 0.20, 0.21: s = 0.01, n = 3; Student's t for 2 degrees of freedom at 0.95 is 2.920 (table), so
    # the half-width is 2.920 x 0.01 x sqrt(4/3) = 0.0337.
    low, high = member_interval([0.19, 0.20, 0.21], 0.20)
    assert low == pytest.approx(0.20 - 0.03372, abs=2e-5) and high == pytest.approx(0.20 + 0.03372, abs=2e-5)
    assert member_interval([0.0, 0.01, 0.02], 0.01)[0] == 0.0  # cut at 0
    assert member_interval([0.25], 0.25) == (0.25, 0.25) == member_interval([0.25, 0.25, 0.25], 0.25)
    with pytest.raises(ValueError):
        member_interval([float("nan")], 0.1)


def test_carry_is_proportional_above_zero_and_per_unit_of_fraction_at_zero():
    assert carry(0.3, 0.1, 0.08, 0.15, 3.0) == pytest.approx((0.24, 0.45))
    assert carry(0.0, 0.0, 0.0, 0.02, 3.0) == pytest.approx((0.0, 0.06))
    low, high = carry(float("nan"), 0.1, 0.08, 0.15, 3.0)
    assert np.isnan(low) and np.isnan(high)


def test_fraction_interval_members_worked_by_hand():
    area = np.zeros((10, 20), bool)
    area[:, :10] = True  # 100 px
    scored = np.zeros_like(area)
    scored[:2, :10] = True  # 20 px: fraction 0.2
    # A reframed area that loses the top row (10 scored px): 10 / 90 scored, 0.089 below 0.2.
    reframed = area.copy()
    reframed[0] = False
    # Model members: the model's own mask is the scored one; one member marks 10 px more, one 10 px less.
    more, less = scored.copy(), scored.copy()
    more[2, :10] = True
    less[1, :10] = False
    low, high = fraction_interval(0.2, scored, area, scored, [more, less], [reframed])
    # In the scored area: the scored mask (0.2), then the two members (0.3, 0.1); in the reframed area: the scored
    # mask (10/90), then the members moved by their own change there (20/90 and 0/90 against 10/90).
    members = [0.2, 0.3, 0.1, 10 / 90, 10 / 90 + 20 / 90 - 10 / 90, 10 / 90 + 0 - 10 / 90]
    assert (low, high) == pytest.approx(member_interval(members, 0.2))
    # A mask drawn elsewhere: only the facial area moves it.
    drawn = fraction_interval(0.2, scored, area, area_members=[reframed])
    assert drawn == pytest.approx(member_interval([0.2, 10 / 90], 0.2))


def test_widen_adds_the_residual_errors_in_quadrature():
    from vitiscore.measure.uncertainty import Z, widen

    # Members' SD 0.01; residuals 0.02 absolute and 10 % of 0.2: variance 0.0001 + 0.0004 + 0.0004, SD 0.03.
    low, high = widen(0.2, 0.2 - Z * 0.01, 0.2 + Z * 0.01, [(0.02, 0.0), (0.0, 0.1)])
    assert Z == pytest.approx(1.6449, abs=1e-4)
    assert (low, high) == pytest.approx((0.2 - Z * 0.03, 0.2 + Z * 0.03))
    assert widen(0.0, 0.0, 0.0, [(0.01, 0.5)]) == pytest.approx((0.0, Z * 0.01))  # cut at 0
    assert widen(0.3, 0.3, 0.3, []) == (0.3, 0.3)


def test_unsure_map_is_twice_the_members_sd_inside_the_area():
    from vitiscore.intervals import unsure_map

    area = np.array([[True, True, True, False]])
    maps = [np.array([[0.0, 0.2, 0.5, 1.0]]), np.array([[1.0, 0.2, 0.5, 0.0]])]
    # Per pixel: values (0, 1) -> SD 0.5 -> 1; (0.2, 0.2) -> 0; (0.5, 0.5) -> 0; outside the area -> 0.
    np.testing.assert_allclose(unsure_map(maps, area), [[1.0, 0.0, 0.0, 0.0]])
    three = [np.full((1, 1), v) for v in (0.2, 0.4, 0.6)]  # SD sqrt(0.08 / 3)
    np.testing.assert_allclose(unsure_map(three, np.ones((1, 1), bool)), [[2 * np.sqrt(0.08 / 3)]], rtol=1e-6)


def test_the_mirrored_members_map_comes_back_in_the_crops_orientation():
    from vitiscore.intervals import model_members
    from vitiscore.segment.protocol import Segmentation

    class Redness:  # a pixel-wise model: its map of the mirrored crop, mirrored back, is its map of the crop
        def predict_batch(self, images, areas):
            out = []
            for rgb, area in zip(images, areas):
                p = np.where(area, rgb[..., 0] / 255.0, 0.0).astype(np.float32)
                out.append(Segmentation(p, p >= 0.5, 0.5))
            return out

    rng = np.random.default_rng(0)
    crop = rng.integers(0, 256, (6, 9, 3), dtype=np.uint8)
    area = np.zeros((6, 9), bool)
    area[1:5, :4] = True  # not symmetric: a map mirrored the wrong way would miss it
    mirrored = model_members(Redness(), crop, area)[0]
    np.testing.assert_allclose(mirrored.probability, np.where(area, crop[..., 0] / 255.0, 0.0), atol=1e-6)
    assert not (mirrored.mask & ~area).any()
