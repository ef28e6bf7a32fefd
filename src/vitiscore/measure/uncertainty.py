"""How sure a photo's score is: an interval of the depigmented fraction from the scores of the same photo under
small changes that should not matter (the model's variability under test-time augmentation, the facial area's
when the photo is reframed slightly), and the same interval carried to any other score of the photo.

Those changes cannot show a bias (a patch the model never marks moves no member), so the interval adds a residual
error, chosen on a virtual trial so that the improvement intervals cover the truth at their level
(:func:`widen`; ``research/calibrate_intervals.py``); where the model is biased (light skin) they still do not.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from scipy.special import stdtrit  # Student's t quantile: scipy.stats would add 0.6 s to every worker's start

# The interval's nominal coverage, and the standard normal quantile of its upper end.
LEVEL = 0.90
Z = NormalDist().inv_cdf(0.5 + LEVEL / 2)
# The residual error of the facial area and of the capture that the members do not see, as (absolute, relative)
# standard deviations of a photo's depigmented fraction (see :func:`widen`): chosen on a virtual trial scored from
# its true masks (research/calibrate_intervals.py), so that the improvement intervals cover the truth at LEVEL.
AREA_RESIDUAL = (0.005, 0.0)


def member_interval(fractions, centre: float) -> tuple[float, float]:
    """The ``LEVEL`` interval (low, high; 0-1) of a depigmented fraction reported as ``centre``, from its members'
    fractions (each 0-1, the reported score among them). The members are read as draws of what the photo's score
    could have been: the interval is the prediction interval of one more draw, centre +- t x s x sqrt(1 + 1/n) (s
    their sample standard deviation, t Student's quantile with n - 1 degrees of freedom), so that a few members
    widen it rather than understate it. Cut to 0-1; one member, or members all equal, give (centre, centre).
    Raises ValueError without a finite member."""
    values = np.asarray([f for f in fractions if math.isfinite(f)], float)
    if values.size == 0:
        raise ValueError("no finite member fraction")
    if values.size == 1:
        return centre, centre
    half = stdtrit(values.size - 1, 0.5 + LEVEL / 2) * values.std(ddof=1) * math.sqrt(1 + 1 / values.size)
    return max(0.0, centre - half), min(1.0, centre + half)


def carry(score: float, fraction: float, low: float, high: float, per_fraction: float) -> tuple[float, float]:
    """The interval of another score of the same photo (F-VASI, surface fraction, fused score) from the interval
    (``low``, ``high``) of its depigmented ``fraction``: the score moves in proportion to the fraction when the
    fraction is above 0, and by ``per_fraction`` score units per unit of fraction at 0 (F-VASI: the face's hand
    units). NaN in, NaN out; never below 0."""
    if not all(math.isfinite(v) for v in (score, fraction, low, high)):
        return float("nan"), float("nan")
    slope = score / fraction if fraction > 0 else per_fraction
    return max(0.0, score + (low - fraction) * slope), max(0.0, score + (high - fraction) * slope)


def residual_variance(fraction: float, absolute: float, relative: float) -> float:
    """Variance (fraction units squared) of a residual error of ``absolute + relative x fraction`` terms, taken as
    independent: absolute² + (relative x fraction)²."""
    return absolute**2 + (relative * fraction) ** 2


def widen(fraction: float, low: float, high: float, residuals) -> tuple[float, float]:
    """The interval (``low``, ``high``) of the members widened by the residual errors ``residuals`` ((absolute,
    relative) pairs): the members' standard deviation (the interval's larger half over Z) and the residuals' added
    in quadrature, centred on ``fraction``, cut to 0-1."""
    half = max(high - fraction, fraction - low)
    sd = math.sqrt((half / Z) ** 2 + sum(residual_variance(fraction, a, r) for a, r in residuals))
    return max(0.0, fraction - Z * sd), min(1.0, fraction + Z * sd)
