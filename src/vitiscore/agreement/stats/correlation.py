"""Pearson and Spearman correlation with intervals (scipy gives Spearman's rho without one), and mean errors.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

import numpy as np

from vitiscore.agreement.stats.inputs import is_constant, paired


def correlation(pred, ref, method: str = "pearson", level: float = 0.95) -> dict[str, float]:
    """Pearson or Spearman correlation with a Fisher-z confidence interval and the two-sided p-value.

    Pearson's interval is scipy's own (``PearsonRResult.confidence_interval``: Fisher z, SE 1/sqrt(n - 3)).
    Spearman's uses the Bonett & Wright (2000) SE sqrt((1 + rho^2 / 2) / (n - 3)), which scipy does not provide.
    With 3 pairs the interval is (-1, 1). A constant series (:func:`is_constant`) has no correlation: every value
    is NaN.

    Raises:
        ValueError: fewer than 3 pairs, unequal lengths or missing values, or an unknown method.
    """
    import warnings

    from scipy import stats as sps

    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    x, y = paired(pred, ref)
    nan = {"value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "p_value": float("nan")}
    if is_constant(x) or is_constant(y):
        return nan
    n = x.size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sps.pearsonr(x, y) if method == "pearson" else sps.spearmanr(x, y)
    r = float(result.statistic)
    if n <= 3:
        low, high = -1.0, 1.0
    elif abs(r) >= 1:
        low = high = r
    elif method == "pearson":
        interval = result.confidence_interval(confidence_level=level)
        low, high = float(interval.low), float(interval.high)
    else:
        half = sps.norm.ppf(1 - (1 - level) / 2) * np.sqrt((1 + r * r / 2) / (n - 3))
        low, high = float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half))
    return {"value": r, "ci_low": float(low), "ci_high": float(high), "p_value": float(result.pvalue)}


def mean_errors(pred, ref) -> dict[str, float]:
    """Mean absolute error and root mean squared error of ``pred`` against ``ref`` (score units).

    Raises:
        ValueError: fewer than 3 pairs, unequal lengths or missing values.
    """
    x, y = paired(pred, ref)
    d = x - y
    return {"mae": float(np.abs(d).mean()), "rmse": float(np.sqrt((d**2).mean()))}
