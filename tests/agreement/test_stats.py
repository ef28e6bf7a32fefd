"""Group bootstrap on cases whose resampling distribution is known exactly."""

import math

import numpy as np
import pytest

from tests.support import MINI_WRIGHT, SHROUT_FLEISS, WRIGHT
from vitiscore.agreement.stats import cluster_bootstrap_ci


def test_constant_values_give_a_zero_width_interval():
    assert cluster_bootstrap_ci([0.7] * 6, ["a", "a", "b", "c", "c", "d"]) == pytest.approx((0.7, 0.7))


def test_two_groups_resample_whole_groups():
    # Group a is all 0 and group b all 1: a resample's mean is 0, 0.5 or 1 with chances 1/4, 1/2, 1/4, so the
    # 95 % interval spans 0 to 1. Resampling photos instead would give a much narrower interval.
    low, high = cluster_bootstrap_ci([0, 0, 0, 1, 1, 1], ["a", "a", "a", "b", "b", "b"], n_resamples=4000)
    assert (low, high) == (0.0, 1.0)


def test_one_group_has_no_interval():
    low, high = cluster_bootstrap_ci([0.1, 0.2], ["x", "x"])
    assert np.isnan(low) and np.isnan(high)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same length"):
        cluster_bootstrap_ci([1, 2], ["a"])
    with pytest.raises(ValueError, match="empty"):
        cluster_bootstrap_ci([], [])
    with pytest.raises(ValueError, match="level"):
        cluster_bootstrap_ci([1, 2], ["a", "b"], level=1.5)


def test_icc_reproduces_shrout_and_fleiss():
    from vitiscore.agreement.stats import icc

    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}
    result = icc(SHROUT_FLEISS)
    for form, value in published.items():
        assert round(result[form]["value"], 2) == value, form
        assert result[form]["ci_low"] < result[form]["value"] < result[form]["ci_high"], form


def test_icc_degenerate_inputs():
    from vitiscore.agreement.stats import icc

    constant = icc([[3, 3], [3, 3], [3, 3]])
    assert all(np.isnan(constant[f]["value"]) for f in constant)  # documented: no between-target variance
    with pytest.raises(ValueError, match="at least 3 targets"):
        icc([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="missing"):
        icc([[1, 2], [3, np.nan], [5, 6]])


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


def test_concordance_by_hand():
    from vitiscore.agreement.stats import concordance

    # y = x + 1: variances 1.25 and covariance 1.25 (1/n moments), mean difference 1, so 2.5 / (2.5 + 1).
    result = concordance([1, 2, 3, 4], [2, 3, 4, 5])
    assert result["value"] == pytest.approx(2.5 / 3.5)
    assert result["ci_low"] < result["value"] < result["ci_high"]
    assert concordance([1, 2, 3], [1, 2, 3])["value"] == pytest.approx(1.0)
    assert np.isnan(concordance([2, 2, 2], [2, 2, 2])["value"])
    with pytest.raises(ValueError, match="same length"):
        concordance([1, 2, 3], [1, 2])


def test_the_motivating_trial_rates_and_interval():
    from vitiscore.agreement.stats import proportion_ci

    # 111 patients; 72, 55 and 19 reach F-VASI50, 75 and 90.
    assert [round(100 * r / 111, 1) for r in (72, 55, 19)] == [64.9, 49.5, 17.1]
    low, high = proportion_ci(55, 111)
    assert (round(100 * low, 1), round(100 * high, 1)) == (39.9, 59.2)
    w_low, w_high = proportion_ci(55, 111, method="wilson")
    assert low < w_low < 55 / 111 < w_high < high  # Wilson is the narrower of the two here
    assert proportion_ci(0, 10)[0] == 0.0 and proportion_ci(10, 10)[1] == 1.0
    with pytest.raises(ValueError, match="n must"):
        proportion_ci(0, 0)
    with pytest.raises(ValueError, match="method"):
        proportion_ci(1, 2, method="wald")


def test_kappas_by_hand():
    from vitiscore.agreement.stats import cohen_kappa

    # Counts [[10, 2, 0], [1, 8, 1], [0, 2, 6]] (rows: rater a; columns: rater b); margins 12/10/8 and 11/12/7.
    table = [[10, 2, 0], [1, 8, 1], [0, 2, 6]]
    a = [i for i in range(3) for j in range(3) for _ in range(table[i][j])]
    b = [j for i in range(3) for j in range(3) for _ in range(table[i][j])]
    # Unweighted: po = 24/30, pe = (12*11 + 10*12 + 8*7)/900 = 308/900.
    assert cohen_kappa(a, b)["value"] == pytest.approx(412 / 592)
    # Linear weights 1, 1/2, 0: po = 27/30, pe = (308 + 420/2)/900.
    assert cohen_kappa(a, b, "linear")["value"] == pytest.approx(292 / 382)
    # Quadratic weights 1, 3/4, 0: po = 28.5/30, pe = (308 + 420*3/4)/900.
    result = cohen_kappa(a, b, "quadratic")
    assert result["value"] == pytest.approx(232 / 277)
    assert result["ci_low"] < result["value"] < result["ci_high"] and result["n"] == 30
    # A 2 x 2 table [[20, 5], [10, 15]]: po = 0.7, pe = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = 0.4.
    two = cohen_kappa([1] * 25 + [0] * 25, [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15)
    assert two["value"] == pytest.approx(0.4)
    assert np.isnan(cohen_kappa(["x", "x"], ["x", "x"])["value"])  # one category only: undefined
    with pytest.raises(ValueError, match="categories"):
        cohen_kappa([1, 2], [1, 3], categories=[1, 2])


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


def test_pearson_interval_is_scipys_fisher_z():
    # [issue 27, 23] the interval comes from scipy's PearsonRResult and equals Fisher z by hand
    from vitiscore.agreement.stats import correlation

    x = np.array(WRIGHT, float)
    y = np.array(MINI_WRIGHT, float)
    r = np.corrcoef(x, y)[0, 1]
    half = 1.959963984540054 / math.sqrt(len(x) - 3)
    result = correlation(x, y, "pearson")
    assert result["value"] == pytest.approx(r)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(
        (math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half))
    )
