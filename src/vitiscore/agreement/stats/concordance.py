"""Lin's concordance correlation coefficient with its interval.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

import numpy as np

from vitiscore.agreement.stats.inputs import is_constant, paired


def concordance(pred, ref, level: float = 0.95) -> dict[str, float]:
    """Lin's (1989) concordance correlation coefficient with its CI from Fisher's z and Lin's variance.

    Uses the 1/n moments, as Lin defines the estimator. With either series constant (:func:`is_constant`) the
    coefficient is undefined and every value is NaN; with uncorrelated series (r = 0) the interval is NaN.

    Raises:
        ValueError: fewer than 3 pairs, unequal lengths or missing values.
    """
    from scipy import stats as sps

    x, y = paired(pred, ref)
    n = x.size
    sx2, sy2 = x.var(), y.var()
    sxy = ((x - x.mean()) * (y - y.mean())).mean()
    denominator = sx2 + sy2 + (x.mean() - y.mean()) ** 2
    if denominator == 0 or is_constant(x) or is_constant(y):
        return {"value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    pc = 2 * sxy / denominator
    r = sxy / np.sqrt(sx2 * sy2)
    u = (x.mean() - y.mean()) / (sx2 * sy2) ** 0.25
    if abs(pc) >= 1:
        return {"value": float(pc), "ci_low": float(pc), "ci_high": float(pc)}
    if r == 0:  # uncorrelated: Lin's variance of z is undefined, so is the interval
        return {"value": float(pc), "ci_low": float("nan"), "ci_high": float("nan")}
    var_z = (
        (1 - r**2) * pc**2 / ((1 - pc**2) * r**2)
        + 2 * pc**3 * (1 - pc) * u**2 / (r * (1 - pc**2) ** 2)
        - pc**4 * u**4 / (2 * r**2 * (1 - pc**2) ** 2)
    ) / (n - 2)
    z = np.arctanh(pc)
    half = sps.norm.ppf(1 - (1 - level) / 2) * np.sqrt(var_z)
    return {"value": float(pc), "ci_low": float(np.tanh(z - half)), "ci_high": float(np.tanh(z + half))}
