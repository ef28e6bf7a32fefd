"""Cohen's kappa worked out by hand."""

import numpy as np
import pytest


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


def test_a_kappa_interval_stays_within_minus_one_and_one():
    from vitiscore.agreement.stats import cohen_kappa

    # Three calls, table [[1, 0], [1, 1]]: po = 2/3, pe = 4/9, kappa = 0.4; the normal interval reaches past 1.
    result = cohen_kappa([0, 1, 1], [0, 1, 0])
    assert result["value"] == pytest.approx(0.4)
    assert result["ci_high"] == 1.0 and -1.0 <= result["ci_low"] < 0.4
