"""Binomial proportions: the rate's interval, sensitivity and specificity.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

import numpy as np


def proportion_ci(successes: int, n: int, method: str = "clopper-pearson", level: float = 0.95) -> tuple[float, float]:
    """Confidence interval (fractions, 0-1) of a response rate ``successes`` / ``n``: exact Clopper-Pearson
    (the trials' convention, the default) or Wilson score, both from scipy's ``binomtest``.

    Raises:
        ValueError: n < 1, successes outside 0..n, or an unknown method.
    """
    from scipy.stats import binomtest

    methods = {"clopper-pearson": "exact", "wilson": "wilson"}
    if method not in methods:
        raise ValueError(f"method must be one of {sorted(methods)}, got {method!r}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive whole number, got {n}")
    if int(successes) != successes or not 0 <= successes <= n:
        raise ValueError(f"successes must be a whole number from 0 to n ({n}), got {successes}")
    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method=methods[method])
    return float(ci.low), float(ci.high)


def sensitivity_specificity(
    pred_calls, ref_calls, method: str = "clopper-pearson", level: float = 0.95
) -> dict[str, dict[str, float]]:
    """Sensitivity and specificity of binary calls (1 = responder / positive) against the reference calls, each
    ``{value, ci_low, ci_high, n}`` with a binomial CI (:func:`proportion_ci`). With no reference positives
    (or negatives) sensitivity (or specificity) is NaN, n = 0.

    Raises:
        ValueError: unequal lengths, or a call other than 0 and 1.
    """
    a, b = np.asarray(pred_calls, float), np.asarray(ref_calls, float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("pred_calls and ref_calls must be 1-D and of the same length")
    if not (np.isin(a, (0, 1)).all() and np.isin(b, (0, 1)).all()):
        raise ValueError("calls must be 0 or 1")
    out = {}
    for name, truth, call in (("sensitivity", 1, 1), ("specificity", 0, 0)):
        n = int((b == truth).sum())
        hits = int(((b == truth) & (a == call)).sum())
        low, high = proportion_ci(hits, n, method, level) if n else (float("nan"), float("nan"))
        out[name] = {"value": hits / n if n else float("nan"), "ci_low": low, "ci_high": high, "n": n}
    return out
