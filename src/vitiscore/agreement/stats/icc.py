"""Intraclass correlation, every Shrout-Fleiss/McGraw-Wong form with its F-based interval (neither scipy nor
statsmodels gives them all).

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

import numpy as np

from vitiscore.agreement.stats.inputs import is_constant

ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


def _ratings_matrix(ratings) -> np.ndarray:
    x = np.asarray(ratings, float)
    if x.ndim != 2:
        raise ValueError("ratings must be a 2-D table: one row per target (photo or subject), one column per rater")
    n, k = x.shape
    if n < 3 or k < 2:
        raise ValueError(f"ratings need at least 3 targets and 2 raters, got {n} x {k}")
    if not np.isfinite(x).all():
        raise ValueError("ratings contain missing or non-finite values; drop incomplete targets first")
    return x


def _mean_squares(x: np.ndarray) -> tuple[float, float, float, float]:
    """Two-way ANOVA mean squares of a (targets, raters) table: rows, columns, error, within rows."""
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    return (ss_rows / (n - 1), ss_cols / (k - 1), ss_error / ((n - 1) * (k - 1)), (ss_cols + ss_error) / (n * (k - 1)))


def icc_values(ratings) -> dict[str, float]:
    """The six ICC values of :func:`icc` without their intervals (fast, for bootstrap resamples); NaN for
    constant ratings.

    Raises:
        ValueError: as :func:`icc`.
    """
    x = _ratings_matrix(ratings)
    n, k = x.shape
    msr, msc, mse, msw = _mean_squares(x)
    if msr <= 0 or is_constant(x.mean(axis=1)):
        return {form: float("nan") for form in ICC_FORMS}
    return {
        "ICC1": (msr - msw) / (msr + (k - 1) * msw),
        "ICC2": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
        "ICC3": (msr - mse) / (msr + (k - 1) * mse),
        "ICC1k": (msr - msw) / msr,
        "ICC2k": (msr - mse) / (msr + (msc - mse) / n),
        "ICC3k": (msr - mse) / msr,
    }


def icc(ratings, level: float = 0.95) -> dict[str, dict[str, float]]:
    """Intraclass correlation in the six Shrout & Fleiss (1979) / McGraw & Wong (1996) forms, with F-based CIs.

    ``ratings``: (n targets, k raters). ICC1: one-way random, single rater; ICC2: two-way random, absolute
    agreement, single rater (the default for tool-versus-clinician agreement); ICC3: two-way mixed,
    consistency, single rater; the ``k`` forms are for the mean of the k raters. Returns
    ``{form: {"value", "ci_low", "ci_high"}}``. ICC2's interval uses the Satterthwaite approximation of
    McGraw & Wong. Written here because scipy has no ICC and statsmodels' has no intervals for every form.

    Constant ratings (no between-target variance, up to floating-point noise: :func:`is_constant`) have no ICC:
    every value is NaN then, documented rather than raised, because a table of identical scores is a
    legitimate, if uninformative, input.

    Raises:
        ValueError: not a 2-D table, fewer than 3 targets or 2 raters, or missing values.
    """
    from scipy.stats import f as f_dist

    x = _ratings_matrix(ratings)
    n, k = x.shape
    msr, msc, mse, msw = _mean_squares(x)
    q = 1 - (1 - level) / 2
    nan = {form: {"value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")} for form in ICC_FORMS}
    if msr <= 0 or is_constant(x.mean(axis=1)):
        return nan
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for form, ms_den, df2 in (("1", msw, n * (k - 1)), ("3", mse, (n - 1) * (k - 1))):
            f0 = msr / ms_den
            fl = f0 / f_dist.ppf(q, n - 1, df2)
            fu = f0 * f_dist.ppf(q, df2, n - 1)
            out[f"ICC{form}"] = {
                "value": (msr - ms_den) / (msr + (k - 1) * ms_den),
                "ci_low": (fl - 1) / (fl + k - 1),
                "ci_high": (fu - 1) / (fu + k - 1),
            }
            out[f"ICC{form}k"] = {"value": (msr - ms_den) / msr, "ci_low": 1 - 1 / fl, "ci_high": 1 - 1 / fu}
        value = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
        a = k * value / (n * (1 - value))
        b = 1 + k * value * (n - 1) / (n * (1 - value))
        v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
        fl = f_dist.ppf(q, n - 1, v)
        fu = f_dist.ppf(q, v, n - 1)
        low = n * (msr - fl * mse) / (fl * (k * msc + (k * n - k - n) * mse) + n * msr)
        high = n * (fu * msr - mse) / (k * msc + (k * n - k - n) * mse + n * fu * msr)
        out["ICC2"] = {"value": value, "ci_low": low, "ci_high": high}
        out["ICC2k"] = {
            "value": (msr - mse) / (msr + (msc - mse) / n),
            "ci_low": low * k / (1 + low * (k - 1)),
            "ci_high": high * k / (1 + high * (k - 1)),
        }
    return {form: {key: float(val) for key, val in out[form].items()} for form in ICC_FORMS}
