"""Cohen's kappa, unweighted, linear or quadratic, with its interval.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

import numpy as np


def cohen_kappa(a, b, weights: str | None = None, categories=None, level: float = 0.95) -> dict[str, float]:
    """Cohen's kappa between two raters' categorical calls, unweighted or with linear or quadratic weights
    (for ordered categories such as seven-degree scores), with the large-sample CI of Fleiss, Cohen & Everitt
    (1969). ``categories`` fixes the order (default: the sorted labels seen); for seven-degree scores the order
    is the full 0/10/25/50/75/90/100, whether or not every degree occurs, so linear and quadratic weights count
    steps of that scale. Written here because scipy has no kappa and vitiscore does not depend on statsmodels,
    whose ``cohens_kappa`` computes the same statistic and interval (here cut to [-1, 1], where kappa lies).

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
    # Kappa lies in [-1, 1]; the normal approximation's ends beyond it (a few calls) are cut there.
    low, high = max(-1.0, float(kappa - half)), min(1.0, float(kappa + half))
    return {"value": float(kappa), "ci_low": low, "ci_high": high, "n": int(n)}
