"""What every agreement statistic checks first: paired finite values, and whether a series is constant.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

import numpy as np

# A spread this small relative to the values is floating-point noise: 0.7 stored 17 times has a variance of
# about 1e-33, not 0, and must count as constant.
CONSTANT_RTOL = 1e-9


def is_constant(values) -> bool:
    """Whether ``values`` are all the same up to floating-point noise (a relative tolerance, not ``== 0``)."""
    v = np.asarray(values, dtype=float)
    return bool(v.size == 0 or np.ptp(v) <= CONSTANT_RTOL * max(float(np.abs(v).max()), np.finfo(float).tiny))


def paired(pred, ref) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(pred, float), np.asarray(ref, float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("pred and ref must be 1-D and of the same length")
    if x.size < 3:
        raise ValueError(f"need at least 3 pairs, got {x.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("pred and ref contain missing or non-finite values")
    return x, y
