"""ICC forms against Shrout and Fleiss (1979), Table 2."""

import numpy as np
import pytest

from tests.support import SHROUT_FLEISS


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
