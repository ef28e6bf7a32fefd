"""Lin's CCC worked out by hand."""

import numpy as np
import pytest


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
