"""Bland-Altman limits of agreement, with their intervals and the test of proportional bias.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

import numpy as np

from vitiscore.agreement.stats.inputs import is_constant, paired


def bland_altman(pred, ref, loa_sd: float = 1.96, level: float = 0.95) -> dict[str, float]:
    """Bland & Altman (1986) agreement of ``pred`` with ``ref`` (differences are pred minus ref).

    Returns bias (mean difference), sd (sample SD of the differences), loa_low/loa_high (bias -/+ ``loa_sd``
    SD), the ``level`` CIs of the bias and of each limit (Bland & Altman 1999: SE of a limit is
    sqrt(3 s^2 / n)), and the proportional-bias regression of the difference on the mean (slope, its CI and
    p-value).

    Raises:
        ValueError: fewer than 3 pairs, unequal lengths or missing values, or ``loa_sd`` <= 0.
    """
    from scipy import stats as sps

    if not loa_sd > 0:
        raise ValueError(f"loa_sd must be positive, got {loa_sd}")
    x, y = paired(pred, ref)
    d = x - y
    n = d.size
    bias, sd = float(d.mean()), float(d.std(ddof=1))
    t = float(sps.t.ppf(1 - (1 - level) / 2, n - 1))
    se_bias, se_limit = sd / np.sqrt(n), np.sqrt(3 * sd**2 / n)
    low, high = bias - loa_sd * sd, bias + loa_sd * sd
    out = {
        "n": n,
        "bias": bias,
        "sd": sd,
        "loa_low": low,
        "loa_high": high,
        "loa_sd": loa_sd,
        "bias_ci_low": bias - t * se_bias,
        "bias_ci_high": bias + t * se_bias,
        "loa_low_ci_low": low - t * se_limit,
        "loa_low_ci_high": low + t * se_limit,
        "loa_high_ci_low": high - t * se_limit,
        "loa_high_ci_high": high + t * se_limit,
    }
    mean = (x + y) / 2
    if not is_constant(mean):
        fit = sps.linregress(mean, d)
        t_slope = float(sps.t.ppf(1 - (1 - level) / 2, n - 2))  # a fitted line leaves n - 2 degrees of freedom
        out.update(
            proportional_slope=float(fit.slope),
            proportional_slope_ci_low=float(fit.slope - t_slope * fit.stderr),
            proportional_slope_ci_high=float(fit.slope + t_slope * fit.stderr),
            proportional_p=float(fit.pvalue),
        )
    return {k: float(v) if k != "n" else int(v) for k, v in out.items()}
