"""Statistical helpers shared by the model evaluation, ``compare`` and ``validate``.

scipy provides what it does well (F, t and normal quantiles, regression, binomial intervals, Pearson's
interval); the rest is written here, each function saying why: scipy's ``bootstrap`` resamples observations, not
clusters (photos of one subject, or copies of one picture, are not independent), neither scipy nor statsmodels
gives every ICC form or weighted kappa with its interval, and scipy gives Spearman's rho without an interval.
Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


def cluster_bootstrap_ci(
    values: Sequence[float],
    groups: Sequence,
    statistic: Callable = np.mean,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``statistic(values)`` resampling whole ``groups``.

    Each resample draws as many groups as there are, with replacement, and pools their values. With a single
    group there is nothing to resample and the interval is (nan, nan); callers report that as "no interval".

    Raises:
        ValueError: ``values`` and ``groups`` differ in length, ``values`` is empty, or ``level`` is not in (0, 1).
    """
    values = np.asarray(values, float)
    groups = np.asarray(groups)
    if values.shape != groups.shape or values.ndim != 1:
        raise ValueError("values and groups must be 1-D and of the same length")
    if values.size == 0:
        raise ValueError("values is empty")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return cluster_bootstrap_many(
        values.size, groups, lambda rows: {"value": statistic(values[rows])}, n_resamples, level, seed
    )["value"]


# --- agreement between raters (issue 7's `validate`, shared with `compare`) -----------------------------------

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


# A spread this small relative to the values is floating-point noise: 0.7 stored 17 times has a variance of
# about 1e-33, not 0, and must count as constant.
CONSTANT_RTOL = 1e-9


def is_constant(values) -> bool:
    """Whether ``values`` are all the same up to floating-point noise (a relative tolerance, not ``== 0``)."""
    v = np.asarray(values, dtype=float)
    return bool(v.size == 0 or np.ptp(v) <= CONSTANT_RTOL * max(float(np.abs(v).max()), np.finfo(float).tiny))


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


def _paired(pred, ref) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(pred, float), np.asarray(ref, float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("pred and ref must be 1-D and of the same length")
    if x.size < 3:
        raise ValueError(f"need at least 3 pairs, got {x.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("pred and ref contain missing or non-finite values")
    return x, y


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
    x, y = _paired(pred, ref)
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


def concordance(pred, ref, level: float = 0.95) -> dict[str, float]:
    """Lin's (1989) concordance correlation coefficient with its CI from Fisher's z and Lin's variance.

    Uses the 1/n moments, as Lin defines the estimator. With either series constant (:func:`is_constant`) the
    coefficient is undefined and every value is NaN; with uncorrelated series (r = 0) the interval is NaN.

    Raises:
        ValueError: fewer than 3 pairs, unequal lengths or missing values.
    """
    from scipy import stats as sps

    x, y = _paired(pred, ref)
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


def cohen_kappa(a, b, weights: str | None = None, categories=None, level: float = 0.95) -> dict[str, float]:
    """Cohen's kappa between two raters' categorical calls, unweighted or with linear or quadratic weights
    (for ordered categories such as seven-degree scores), with the large-sample CI of Fleiss, Cohen & Everitt
    (1969). ``categories`` fixes the order (default: the sorted labels seen); for seven-degree scores the order
    is the full 0/10/25/50/75/90/100, whether or not every degree occurs, so linear and quadratic weights count
    steps of that scale. Written here because scipy has no kappa and vitiscore does not depend on statsmodels,
    whose ``cohens_kappa`` computes the same statistic and interval.

    When both raters use a single category, chance agreement is 1 and kappa is undefined: NaN, documented.

    Raises:
        ValueError: unequal lengths, fewer than 2 calls, a label outside ``categories``, or unknown weights.
    """
    from scipy.stats import norm

    a, b = list(a), list(b)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("a and b must have the same length, at least 2")
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    categories = list(categories) if categories is not None else sorted(set(a) | set(b))
    index = {c: i for i, c in enumerate(categories)}
    unknown = [c for c in set(a) | set(b) if c not in index]
    if unknown:
        raise ValueError(f"labels {unknown} are not among the categories {categories}")
    k = len(categories)
    table = np.zeros((k, k))
    for x, y in zip(a, b):
        table[index[x], index[y]] += 1
    n = table.sum()
    p = table / n
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / max(k - 1, 1)
    w = {None: (distance == 0).astype(float), "linear": 1 - distance, "quadratic": 1 - distance**2}[weights]
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po = (p * w).sum()
    pe = (np.outer(rows, cols) * w).sum()
    if pe >= 1:
        return {"value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "n": int(n)}
    kappa = (po - pe) / (1 - pe)
    w_row = w @ cols  # mean weight of row category i against the second rater's margins
    w_col = rows @ w  # and of column category j against the first rater's
    term = (p * (w - np.add.outer(w_row, w_col) * (1 - kappa)) ** 2).sum()
    variance = max(term - (kappa - pe * (1 - kappa)) ** 2, 0.0) / (n * (1 - pe) ** 2)
    half = norm.ppf(1 - (1 - level) / 2) * np.sqrt(variance)
    return {"value": float(kappa), "ci_low": float(kappa - half), "ci_high": float(kappa + half), "n": int(n)}


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
    x, y = _paired(pred, ref)
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
    x, y = _paired(pred, ref)
    d = x - y
    return {"mae": float(np.abs(d).mean()), "rmse": float(np.sqrt((d**2).mean()))}


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


def cluster_bootstrap_many(
    n_rows: int,
    groups: Sequence,
    statistic: Callable[[np.ndarray], dict],
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple]:
    """Percentile bootstrap CIs of several statistics at once, resampling whole ``groups`` (subjects).

    ``statistic(rows)`` gets an array of row indices (a resample, groups pooled) and returns ``{name: value}``.
    Resamples where a statistic is undefined (NaN, e.g. all values equal) are left out of its interval; a
    statistic undefined in every resample, or a single group, gives (nan, nan).

    Raises:
        ValueError: ``groups`` is not of length ``n_rows``, or ``level`` is not in (0, 1).
    """
    groups = np.asarray(groups)
    if groups.shape != (n_rows,):
        raise ValueError(f"groups must have one entry per row ({n_rows}), got {groups.shape}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    labels, index = np.unique(groups, return_inverse=True)
    names = list(statistic(np.arange(n_rows)))
    if labels.size < 2:
        return {name: (float("nan"), float("nan")) for name in names}
    members = [np.flatnonzero(index == g) for g in range(labels.size)]
    rng = np.random.default_rng(seed)
    draws = {name: np.empty(n_resamples) for name in names}
    for i in range(n_resamples):
        rows = np.concatenate([members[g] for g in rng.integers(0, labels.size, labels.size)])
        values = statistic(rows)
        for name in names:
            draws[name][i] = values[name]
    alpha = (1 - level) / 2
    out = {}
    for name, values in draws.items():
        values = values[np.isfinite(values)]
        out[name] = (
            (float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha)))
            if values.size
            else (float("nan"), float("nan"))
        )
    return out


@dataclass(frozen=True)
class Statistic:
    """One scalar agreement statistic of predictions ``x`` against references ``y``, declared once: the
    agreement report, its bootstrap, ``agreement.csv`` and the terminal summary all iterate over
    :data:`AGREEMENT_STATISTICS`.

    Attributes:
        name: key in the report and metric name in agreement.csv.
        label: name in the terminal summary.
        estimate: ``(x, y, level) -> {"value", "ci_low", "ci_high"}`` (NaN bounds when it has no interval).
        always_bootstrap: its interval is always the percentile bootstrap; otherwise the analytic interval is
            kept unless subjects have several rows, when the subject bootstrap replaces it.
    """

    name: str
    label: str
    estimate: Callable[[np.ndarray, np.ndarray, float], dict]
    always_bootstrap: bool = False


def _without_interval(value: float) -> dict[str, float]:
    return {"value": value, "ci_low": float("nan"), "ci_high": float("nan")}


AGREEMENT_STATISTICS = (
    Statistic("ccc", "Lin's CCC", lambda x, y, level: concordance(x, y, level)),
    Statistic("mae", "MAE", lambda x, y, level: _without_interval(mean_errors(x, y)["mae"]), always_bootstrap=True),
    Statistic("rmse", "RMSE", lambda x, y, level: _without_interval(mean_errors(x, y)["rmse"]), always_bootstrap=True),
    Statistic("pearson", "Pearson r", lambda x, y, level: correlation(x, y, "pearson", level)),
    Statistic("spearman", "Spearman rho", lambda x, y, level: correlation(x, y, "spearman", level)),
)
