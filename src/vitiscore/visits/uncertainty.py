"""Responder calls with their uncertainty: from each visit's score and its 90 % interval (``vitiscore score
--uncertainty``), a subject's % change interval and probability of each response, and the cohort rate's interval
that counts this measurement error as well as the sampling of subjects.

Each visit's score is read as a split normal distribution: its median is the score, its 5th and 95th percentiles
the interval's ends (a score cannot fall below 0). The two visits are taken as independent, and the change is
evaluated on a fixed grid of quantiles of both (no random numbers: the same inputs give the same outputs).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

# Quantiles per visit on the grid: 201 x 201 pairs put a probability within about 0.005 of its exact value.
GRID = 201
# A call whose probability lies in this range could go either way: the subject is flagged for review.
DOUBTFUL = (0.1, 0.9)
_Z95 = NormalDist().inv_cdf(0.95)
_Z_GRID = np.array([NormalDist().inv_cdf((k + 0.5) / GRID) for k in range(GRID)])


def score_quantiles(score: float, low: float, high: float) -> np.ndarray:
    """:data:`GRID` equally likely values of a visit's score (score units, >= 0) whose median is ``score`` and whose
    5th and 95th percentiles are ``low`` and ``high`` (low <= score <= high; low == high == score: a known score)."""
    if not low <= score <= high:
        raise ValueError(f"the interval ({low}, {high}) must hold the score {score}")
    spread = np.where(_Z_GRID < 0, (score - low) / _Z95, (high - score) / _Z95)
    return np.maximum(score + _Z_GRID * spread, 0.0)


def pct_changes(baseline: tuple[float, float, float], followup: tuple[float, float, float]) -> np.ndarray:
    """The subject's % change (100 x (follow-up - baseline) / baseline; negative is improvement) over the grid of
    both visits' (score, low, high), pairs with a baseline of 0 left out."""
    before = score_quantiles(*baseline)
    before = before[before > 0][:, None]
    after = score_quantiles(*followup)[None, :]
    return (100.0 * (after - before) / before).ravel()


def responder_probability(changes: np.ndarray, reduction_pct: float) -> float:
    """The probability (0-1) that the reduction from baseline is at least ``reduction_pct`` % (rounded to 9 decimals
    as the calls are), from :func:`pct_changes`."""
    if changes.size == 0:
        return float("nan")
    return float(np.mean(np.round(-changes, 9) >= reduction_pct))


def change_interval(changes: np.ndarray, level: float = 0.90) -> tuple[float, float]:
    """The ``level`` interval of the % change from :func:`pct_changes`."""
    if changes.size == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    low, high = np.quantile(changes, [tail, 1 - tail])
    return float(low), float(high)


def doubtful(probability: float) -> bool:
    """Whether a call of this probability could go either way (inside :data:`DOUBTFUL`)."""
    return math.isfinite(probability) and DOUBTFUL[0] <= probability <= DOUBTFUL[1]


def rate_interval(probabilities, level: float = 0.95, replicates: int = 4000, seed: int = 0) -> tuple[float, float]:
    """The ``level`` interval of a cohort's response rate (0-1) when subject i responds with probability
    ``probabilities[i]`` (0 or 1 for a certain call): subjects resampled with replacement, each call drawn from its
    probability, percentiles over ``replicates`` cohorts (seeded: the same inputs give the same interval)."""
    p = np.asarray(probabilities, float)
    if p.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    picked = p[rng.integers(0, p.size, (replicates, p.size))]
    rates = (rng.random(picked.shape) < picked).mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(rates, [tail, 1 - tail])
    return float(low), float(high)
