"""Statistical helpers shared by the evaluation, ``compare`` and ``validate``.

Written here rather than taken from a library: scipy's ``bootstrap`` resamples observations, not clusters, and
photos of one subject (or copies of one picture) are not independent, so the confidence interval must resample
whole groups.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def cluster_bootstrap_ci(values: Sequence[float], groups: Sequence, statistic: Callable = np.mean,
                         n_resamples: int = 2000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
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
    labels, index = np.unique(groups, return_inverse=True)
    if labels.size < 2:
        return float("nan"), float("nan")
    members = [np.flatnonzero(index == g) for g in range(labels.size)]
    rng = np.random.default_rng(seed)
    estimates = np.empty(n_resamples)
    for i in range(n_resamples):
        chosen = rng.integers(0, labels.size, labels.size)
        estimates[i] = statistic(values[np.concatenate([members[g] for g in chosen])])
    alpha = (1 - level) / 2
    return float(np.quantile(estimates, alpha)), float(np.quantile(estimates, 1 - alpha))
