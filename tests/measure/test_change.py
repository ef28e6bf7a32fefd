"""The change in one frame: the same lesions framed differently are no change, worked out by hand."""

import numpy as np
import pytest

from vitiscore.measure.change import one_frame_change
from vitiscore.measure.surface import ElementTable, fuse, n_elements


def _table(facial_elements: int, depigmented_px: float, lesion_elements: int = 10) -> ElementTable:
    """Every element seen face-on (100 px, surface 10); the first ``facial_elements`` are facial skin, the first
    ``lesion_elements`` of them hold ``depigmented_px`` depigmented pixels each."""
    n = n_elements()
    facial = np.where(np.arange(n) < facial_elements, 100.0, 0.0)
    depigmented = np.where(np.arange(n) < lesion_elements, depigmented_px, 0.0)
    return ElementTable(
        visible_px=np.full(n, 100.0),
        facial_px=facial,
        depigmented_px=depigmented,
        involved_px=depigmented,
        area_3d=np.full(n, 10.0),
        facing=np.ones(n),
        unit=np.where(np.arange(n) < facial_elements, 1, 0),
    )


def test_the_same_lesions_with_the_hairline_found_lower_are_no_change():
    baseline, followup = _table(100, 50.0), _table(80, 50.0)  # at week 24 the forehead stops 20 elements lower
    # each visit on its own: 500 / 10,000 = 0.05 and 500 / 8,000 = 0.0625, read as 25 % worse
    assert fuse([baseline]).depigmented_fraction == pytest.approx(0.05)
    assert fuse([followup]).depigmented_fraction == pytest.approx(0.0625)
    change = one_frame_change([baseline], [followup])
    assert change.baseline_fraction == change.followup_fraction == pytest.approx(0.0625)
    assert change.improvement == 0.0
    assert change.compared_share == pytest.approx(0.8)


def test_half_the_lesion_repigmented_is_half_in_one_frame_whatever_the_framing():
    change = one_frame_change([_table(100, 50.0)], [_table(80, 25.0)])
    assert change.improvement == pytest.approx(0.5)
    grown = one_frame_change([_table(100, 50.0)], [_table(100, 75.0)])
    assert grown.improvement == pytest.approx(-0.5)


def test_no_baseline_lesion_has_no_improvement_and_no_common_skin_is_an_error():
    assert np.isnan(one_frame_change([_table(100, 0.0)], [_table(100, 10.0)]).improvement)
    with pytest.raises(ValueError, match="both visits"):
        one_frame_change([_table(0, 0.0, 0)], [_table(0, 0.0, 0)])
