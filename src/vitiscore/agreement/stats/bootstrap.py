"""Percentile bootstrap intervals that resample whole clusters (subjects): scipy's ``bootstrap`` resamples
observations, and photos of one subject, or copies of one picture, are not independent.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
