"""Pearson's interval is scipy's Fisher z."""

import math

import numpy as np
import pytest

from tests.support import MINI_WRIGHT, WRIGHT


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
