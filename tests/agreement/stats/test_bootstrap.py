"""The cluster bootstrap resamples whole groups (worked out by hand)."""

import numpy as np
import pytest

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
