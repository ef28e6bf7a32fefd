"""Binomial intervals against the motivating study's published figures."""

import pytest


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
