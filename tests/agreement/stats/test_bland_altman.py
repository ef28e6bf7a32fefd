"""Bland-Altman against Bland and Altman (1986), Table 1."""

import math

import numpy as np
import pytest

from tests.support import MINI_WRIGHT, WRIGHT


def test_bland_altman_reproduces_the_peak_flow_example():
    from vitiscore.agreement.stats import bland_altman

    ba = bland_altman(WRIGHT, MINI_WRIGHT)
    assert round(ba["bias"], 1) == -2.1 and round(ba["sd"], 1) == 38.8
    assert (round(ba["loa_low"], 1), round(ba["loa_high"], 1)) == (-78.1, 73.9)
    # The paper's limits, -79.7 to 75.5, are the rounded bias -/+ 2 rounded SDs.
    assert (round(-2.1 - 2 * 38.8, 1), round(-2.1 + 2 * 38.8, 1)) == (-79.7, 75.5)
    two_sd = bland_altman(WRIGHT, MINI_WRIGHT, loa_sd=2.0)
    assert two_sd["loa_high"] - two_sd["loa_low"] == pytest.approx(4 * ba["sd"])
    assert ba["bias_ci_low"] < ba["bias"] < ba["bias_ci_high"]


def test_proportional_bias_slope_interval_has_n_minus_2_degrees_of_freedom():
    # [issue 27, 20] Four pairs whose differences rise with the mean: worked out by hand.
    from scipy import stats as sps

    from vitiscore.agreement.stats import bland_altman

    pred, ref = np.array([1.0, 2.0, 3.2, 4.1]), np.array([1.0, 1.8, 2.8, 3.5])
    mean, diff = (pred + ref) / 2, pred - ref
    sxx = ((mean - mean.mean()) ** 2).sum()
    slope = ((mean - mean.mean()) * (diff - diff.mean())).sum() / sxx
    residual = diff - (diff.mean() + slope * (mean - mean.mean()))
    se = math.sqrt((residual**2).sum() / (4 - 2) / sxx)
    half = sps.t.ppf(0.975, 2) * se  # 4.303 x se; t with 3 df (3.182) gave a 26 % narrower interval
    ba = bland_altman(pred, ref)
    assert ba["proportional_slope"] == pytest.approx(slope)
    assert ba["proportional_slope_ci_high"] - ba["proportional_slope"] == pytest.approx(half)
