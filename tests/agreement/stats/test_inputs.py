"""A constant series has no agreement statistic, whatever its value."""

import math

import numpy as np


def test_constant_scores_are_undefined_whatever_their_value():
    # [issue 27, 19] 0.7 stored 17 times is not exactly constant in floating point: ICC3 came out -1.667 and CCC
    # 1.000 (both constant) or -1.7e-32 (one constant), while 1.0 gave null.
    from vitiscore.agreement.stats import concordance, icc, is_constant

    for value in (0.7, 1.0, 0.1, 123.456):
        both = np.full((17, 2), value)
        assert is_constant(both[:, 0])
        assert all(math.isnan(v["value"]) for v in icc(both).values())
        assert math.isnan(concordance(both[:, 0], both[:, 1])["value"])
        varying = np.linspace(0, 1, 17)
        assert math.isnan(concordance(both[:, 0], varying)["value"])
    assert not is_constant([0.7, 0.7000001]) and is_constant([0.0, 0.0])
