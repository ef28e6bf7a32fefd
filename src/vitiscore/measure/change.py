"""A patient's change measured in one frame: the depigmented share of the facial skin present at both visits.

Two visits are two photos framed differently: the hairline search may stop at another height, the crop may cut
another strip of cheek, the head may turn a little. Each visit's own fraction has its own denominator, so such a
difference reads as repigmentation or as new depigmentation. The face mesh gives both photos the same triangles
(:mod:`vitiscore.measure.surface`): here each triangle counts only the facial skin it holds at both visits (the
smaller of its two facial shares), and only triangles seen at both; both visits' depigmented fractions are taken
over that one surface.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vitiscore.measure.surface import ElementTable, per_element


@dataclass(frozen=True)
class OneFrameChange:
    """Depigmented fractions (0-1) of the facial surface compared at both visits, and that surface's share (0-1)
    of the facial surface seen at either visit. ``improvement`` is 1 - follow-up / baseline (NaN for a baseline
    of 0: nothing to repigment); negative when the depigmentation grew."""

    baseline_fraction: float
    followup_fraction: float
    compared_share: float

    @property
    def improvement(self) -> float:
        if not self.baseline_fraction > 0:
            return float("nan")
        return 1.0 - self.followup_fraction / self.baseline_fraction


def one_frame_change(baseline: list[ElementTable], followup: list[ElementTable]) -> OneFrameChange:
    """The change between two visits over the facial surface present at both (one or more views each).

    Raises ValueError when no element holds facial skin at both visits.
    """
    share_b, facial_b, depig_b, _, seen_b, *_ = per_element(baseline)
    share_f, facial_f, depig_f, _, seen_f, *_ = per_element(followup)
    share = (share_b + share_f) / 2
    both = np.minimum(facial_b, facial_f) * share
    compared = seen_b & seen_f & (both > 0) & np.isfinite(depig_b) & np.isfinite(depig_f)
    either = np.maximum(facial_b, facial_f) * share
    surface = float(both[compared].sum())
    if surface <= 0:
        raise ValueError("no facial skin is seen at both visits")
    return OneFrameChange(
        baseline_fraction=float((both[compared] * depig_b[compared]).sum() / surface),
        followup_fraction=float((both[compared] * depig_f[compared]).sum() / surface),
        compared_share=surface / float(either[(seen_b | seen_f) & (either > 0)].sum()),
    )
