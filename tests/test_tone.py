"""Skin-tone normalisation of the learned model's input, against values worked out by hand."""

import numpy as np
import pytest

from vitiscore import datasets
from vitiscore.segment.tone import normalise_tone, skin_reference
from vitiscore.skin_tone import lab_to_rgb as _from_lab
from vitiscore.skin_tone import rgb_to_lab as _lab
from vitiscore.training_data import retone_to_ita


def test_flat_skin_goes_to_the_target():
    # Skin L* 70, a* 12, b* 14 (chroma 18, hue 49 degrees: skin-coloured). Gamma ln(0.55) / ln(0.70) = 1.676
    # takes L* 70 to 55; b* x 18/14 gives 18; a* is kept.
    rgb = _from_lab(np.tile([70.0, 12.0, 14.0], (40, 40, 1)))
    assert skin_reference(rgb) == pytest.approx((70.0, 14.0), abs=0.5)
    out = _lab(normalise_tone(rgb)).reshape(-1, 3).mean(axis=0)
    assert out == pytest.approx([55.0, 12.0, 18.0], abs=0.6)


def test_a_lesion_keeps_its_place_above_normal_skin():
    # 70 % normal skin at L* 60, 30 % depigmented at L* 75 (both skin-coloured). The median is the normal
    # skin's, so gamma = ln(0.55) / ln(0.60) = 1.1703: normal skin goes to 55, the lesion to
    # 100 x 0.75^1.1703 = 71.4, still lighter.
    normal = np.tile([60.0, 12.0, 16.0], (28, 40, 1))
    lesion = np.tile([75.0, 8.0, 9.0], (12, 40, 1))
    out = _lab(normalise_tone(_from_lab(np.concatenate([normal, lesion]))))
    assert out[:28, :, 0].mean() == pytest.approx(55.0, abs=0.6)
    assert out[28:, :, 0].mean() == pytest.approx(71.4, abs=0.6)


def test_no_skin_no_change():
    grey = _from_lab(np.tile([60.0, 0.0, 0.0], (30, 30, 1)))
    assert skin_reference(grey) is None
    np.testing.assert_array_equal(normalise_tone(grey), grey)
    with pytest.raises(ValueError, match="rgb"):
        skin_reference(grey[..., 0])


def test_one_face_at_two_tones_looks_alike_after():
    base = datasets.astronaut_base()
    dark, light = (retone_to_ita(base.rgb, base.skin, ita, 15.0) for ita in (-30.0, 50.0))
    before = abs(_lab(dark)[base.skin, 0].mean() - _lab(light)[base.skin, 0].mean())
    after = abs(_lab(normalise_tone(dark))[base.skin, 0].mean() - _lab(normalise_tone(light))[base.skin, 0].mean())
    # The medians are matched exactly; the means keep a little of the difference, because re-toning also
    # changed the spread of shades. At least four fifths of the difference must go.
    assert before > 20 and after < 0.2 * before
