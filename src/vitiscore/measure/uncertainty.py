"""How sure a photo's score is: an interval of the depigmented fraction from the scores of the same photo under
small changes that should not matter (the model's variability under test-time augmentation, the facial area's
when the photo is reframed slightly), and the same interval carried to any other score of the photo.

The interval is what those changes move the score by; it is not a bound on the model's bias (a patch the model
never marks moves no member). Whether it covers the truth is measured on the virtual-trial benchmark
(``research/virtual_trial.py``).
"""

from __future__ import annotations

import math

import numpy as np

# The interval's nominal coverage: the 5th to the 95th percentile of the members.
LEVEL = 0.90


def member_interval(fractions, centre: float) -> tuple[float, float]:
    """The ``LEVEL`` interval (low, high; 0-1) of a depigmented fraction from its members' fractions (each 0-1,
    the photo's own score among them or not). It always holds ``centre``, the score reported; one member gives
    (centre, centre). Raises ValueError without a finite member."""
    values = np.asarray([f for f in fractions if math.isfinite(f)], float)
    if values.size == 0:
        raise ValueError("no finite member fraction")
    tail = (1 - LEVEL) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(min(max(low, 0.0), centre)), float(max(min(high, 1.0), centre))


def carry(score: float, fraction: float, low: float, high: float, per_fraction: float) -> tuple[float, float]:
    """The interval of another score of the same photo (F-VASI, surface fraction, fused score) from the interval
    (``low``, ``high``) of its depigmented ``fraction``: the score moves in proportion to the fraction when the
    fraction is above 0, and by ``per_fraction`` score units per unit of fraction at 0 (F-VASI: the face's hand
    units). NaN in, NaN out; never below 0."""
    if not all(math.isfinite(v) for v in (score, fraction, low, high)):
        return float("nan"), float("nan")
    slope = score / fraction if fraction > 0 else per_fraction
    return max(0.0, score + (low - fraction) * slope), max(0.0, score + (high - fraction) * slope)
