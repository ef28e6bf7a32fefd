"""A photo's interval: its members' percentiles, carried to other scores, and the members' fractions by hand."""

import numpy as np
import pytest

from vitiscore.intervals import fraction_interval
from vitiscore.measure.uncertainty import carry, member_interval


def test_member_interval_is_the_5th_to_95th_percentile_and_holds_the_score():
    # 20 members, 19 at 0.1 and one at 0.5: the 95th percentile lies 0.05 x 0.4 of the way (linear) from 0.1 to 0.5.
    assert member_interval([0.1] * 19 + [0.5], 0.1) == pytest.approx((0.1, 0.12))
    assert member_interval([0.2, 0.3], 0.1) == pytest.approx((0.1, 0.295))  # widened to hold the score reported
    assert member_interval([0.25], 0.25) == (0.25, 0.25)
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
    # The scored fraction; in the scored area: the scored mask, then the two members (0.3, 0.1); in the reframed
    # area: the scored mask (10/90), then the members moved by their own change there (20/90 and 0/90 against 10/90).
    members = [0.2, 0.2, 0.3, 0.1, 10 / 90, 10 / 90 + 20 / 90 - 10 / 90, 10 / 90 + 0 - 10 / 90]
    assert (low, high) == pytest.approx(tuple(np.quantile(members, [0.05, 0.95])))
    # A mask drawn elsewhere: only the facial area moves it.
    assert fraction_interval(0.2, scored, area, area_members=[reframed]) == pytest.approx(
        (0.2 - 0.9 * (0.2 - 1 / 9), 0.2)
    )
