"""Synthetic training pairs: deterministic, masks that match what was painted, and no data set needed."""

import cv2
import numpy as np
import pytest

from vitiscore.measure.skin_tone import ita_band, normal_skin_ita
from vitiscore.training import datasets, synth
from vitiscore.training.data import BaseImage, paint_lesions, synthesize
from vitiscore.training.scenery import lighten_hair
from vitiscore.training.skin_tones import retone_to_ita, skin_lab_for_ita


@pytest.fixture(scope="module")
def base():
    return datasets.astronaut_base()


def _lightness(rgb):
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[..., 0]


def test_same_seed_same_pair_other_seed_other_pair(base):
    a_rgb, a_mask = synthesize(base, np.random.default_rng(4))
    b_rgb, b_mask = synthesize(base, np.random.default_rng(4))
    c_rgb, _ = synthesize(base, np.random.default_rng(5))
    np.testing.assert_array_equal(a_rgb, b_rgb)
    np.testing.assert_array_equal(a_mask, b_mask)
    assert not np.array_equal(a_rgb, c_rgb)
    assert a_rgb.shape == base.rgb.shape and a_mask.shape == base.skin.shape


def test_mask_is_what_was_painted(base):
    # On tan skin (L* about 50) depigmentation to L* >= 76 is a large step even at the weakest degree (0.5).
    tan = synth.retone(base.rgb, "tan")
    found = 0
    for seed in range(6):
        painted, mask = paint_lesions(tan, base, np.random.default_rng(seed))
        if not mask.any():
            continue
        found += 1
        lighter = _lightness(painted) - _lightness(tan)
        assert not (mask & ~base.skin).any()  # lesions only on skin
        # Depigmentation lightens: inside the mask clearly, far outside it (beyond the feathering) not at all.
        assert np.median(lighter[mask]) > 5.0
        far = ~cv2.dilate(mask.astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)
        # Each painted lesion rounds the image once through CIELAB: a grey level here and there, no more.
        change = np.abs(painted.astype(int) - tan.astype(int))[far]
        assert change.mean() < 0.1 and change.max() <= 3
    assert found >= 4


def test_negative_images_have_empty_masks_but_changed_pixels(base):
    rgb, mask = synthesize(base, np.random.default_rng(0), negative_rate=1.0)
    assert not mask.any()
    assert rgb.shape == base.rgb.shape


def test_skin_tones_span_dark_to_light(base):
    skin = base.skin
    medians = [
        np.median(_lightness(synthesize(base, np.random.default_rng(s), negative_rate=1.0)[0])[skin]) for s in range(12)
    ]
    assert min(medians) < 40 and max(medians) > 60


def test_bad_inputs_are_refused(base):
    with pytest.raises(ValueError, match="negative_rate"):
        synthesize(base, np.random.default_rng(0), negative_rate=2)
    with pytest.raises(ValueError, match="skin"):
        BaseImage(base.rgb, base.skin[:10], np.zeros((0, 2)))
    with pytest.raises(ValueError, match="pale_scenery_rate"):
        synthesize(base, np.random.default_rng(0), pale_scenery_rate=-0.1)
    with pytest.raises(ValueError, match="scenery"):
        BaseImage(base.rgb, base.skin, np.zeros((0, 2)), scenery=base.skin[:10])


def _with_scenery(base):
    # The astronaut's scenery: what lies far from her skin (the same rule as for Pratheepan photos).
    from scipy import ndimage

    far = ndimage.distance_transform_edt(~base.skin) > 40
    return BaseImage(base.rgb, base.skin, base.sites, base.name, far)


def test_pale_scenery_replaces_only_the_scenery(base):
    known = _with_scenery(base)
    assert known.scenery.mean() > 0.05
    rgb, mask = synthesize(known, np.random.default_rng(3), negative_rate=1.0, pale_scenery_rate=1.0)
    plain, _ = synthesize(known, np.random.default_rng(3), negative_rate=1.0, pale_scenery_rate=0.0)
    inner = cv2.erode(known.scenery.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    # pale_scenery draws grey levels 165-250 with +-35 % lighting; after capture (gain, gamma, white balance)
    # the backdrop is still far lighter than the astronaut's dark suit and flag behind her.
    assert np.median(_lightness(rgb)[inner]) > 60 > np.median(_lightness(plain)[inner])
    assert not mask.any()  # a backdrop is never labelled depigmented


def test_no_scenery_draw_at_rate_zero_keeps_old_pairs(base):
    # Pairs made before the option existed must come out unchanged, whether or not the base knows its scenery.
    a_rgb, a_mask = synthesize(base, np.random.default_rng(6))
    b_rgb, b_mask = synthesize(_with_scenery(base), np.random.default_rng(6), pale_scenery_rate=0.0)
    np.testing.assert_array_equal(a_rgb, b_rgb)
    np.testing.assert_array_equal(a_mask, b_mask)


def test_skin_colour_for_an_ita_by_hand():
    # L* = 50 + b* tan(ITA): 45 degrees with b* 15 is L* 65; 0 degrees is L* 50 whatever b*.
    assert skin_lab_for_ita(45.0, 15.0) == pytest.approx((65.0, 15.0))
    assert skin_lab_for_ita(0.0, 12.0) == pytest.approx((50.0, 12.0))
    # 60 degrees with b* 20 would need L* 84.6, beyond the 78 limit: b* gives way to 28 / tan 60 = 16.17.
    lightness, b_star = skin_lab_for_ita(60.0, 20.0)
    assert lightness == pytest.approx(78.0) and b_star == pytest.approx(28.0 / np.sqrt(3.0))
    # -60 degrees with b* 20 would need L* 15.4: held at 24, b* = 26 / tan 60 = 15.01.
    assert skin_lab_for_ita(-60.0, 20.0) == pytest.approx((24.0, 26.0 / np.sqrt(3.0)))
    with pytest.raises(ValueError, match="ita_deg"):
        skin_lab_for_ita(90.0, 15.0)
    with pytest.raises(ValueError, match="b_star"):
        skin_lab_for_ita(10.0, 0.0)


@pytest.mark.parametrize("target", [-45.0, -10.0, 19.0, 34.0, 48.0, 60.0])
def test_retone_reaches_every_ita_band(base, target):
    # One target inside each Chardon band; the astronaut starts light (about 46 degrees).
    rgb = retone_to_ita(base.rgb, base.skin, target, 15.0)
    lightness, b_star, ita = normal_skin_ita(rgb, base.skin)
    assert ita == pytest.approx(target, abs=2.0)
    assert ita_band(ita) == ita_band(target)
    assert b_star == pytest.approx(15.0, abs=1.5)
    # Scenery far from any skin-coloured pixel is left alone: the black suit stays black.
    suit = (base.rgb.max(axis=2) < 40) & ~base.skin
    assert np.abs(rgb[suit].astype(int) - base.rgb[suit].astype(int)).mean() < 2.0


def test_retone_keeps_the_skin_smooth(base):
    # The astronaut's skin mask has holes (shine) and a ragged edge; re-toning must not leave them as patches
    # at the old tone (they would be unlabelled lesions). Over the mask with its holes closed, the lightness
    # after darkening is as even as before, relative to its median (a hard-mask re-tone gives 1.6 x the spread).
    closed = cv2.morphologyEx(
        base.skin.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (41, 41))
    ).astype(bool)
    before = _lightness(base.rgb)[closed]
    after = _lightness(retone_to_ita(base.rgb, base.skin, -45.0, 15.0))[closed]
    spread = lambda v: np.subtract(*np.percentile(v, [95, 5])) / np.median(v)  # noqa: E731
    assert spread(after) < 1.2 * spread(before)


def test_synthesis_follows_the_ita_range(base):
    # Capture variety (exposure, white balance, gamma) moves single photos, but not the median of eight.
    def median_ita(ita_range):
        return np.median(
            [
                normal_skin_ita(
                    synthesize(base, np.random.default_rng(s), negative_rate=1.0, skin_ita_range=ita_range)[0],
                    base.skin,
                )[2]
                for s in range(8)
            ]
        )

    assert median_ita((-50.0, -40.0)) < -30.0  # dark
    assert median_ita((58.0, 62.0)) > 41.0  # light or very light
    with pytest.raises(ValueError, match="skin_ita_range"):
        synthesize(base, np.random.default_rng(0), skin_ita_range=(20.0, 10.0))


def _dark_haired_head():
    # Dark hair (L* about 20, strands of +-5) over the top third, skin (L* about 65) below, and one small dark
    # eyebrow that the hair label also covers, as FASSEG's does.
    rng = np.random.default_rng(0)
    rgb = np.empty((120, 90, 3), np.uint8)
    rgb[:] = (205, 150, 125)
    rgb[:40] = np.clip(np.array([50, 38, 30]) + rng.normal(0, 6, (40, 90, 1)), 0, 255).astype(np.uint8)
    hair = np.zeros((120, 90), bool)
    hair[:40] = True
    hair[60:64, 20:35] = True
    rgb[60:64, 20:35] = (60, 45, 35)
    skin = ~hair
    skin[:44] = False
    return BaseImage(rgb, skin, np.zeros((0, 2)), "head", hair=hair)


def test_light_hair_changes_the_head_hair_only():
    head = _dark_haired_head()
    for seed in range(4):
        light = lighten_hair(head.rgb, head.hair, np.random.default_rng(seed))
        # Every shade is at least L* 55 at the hair's median, from about 20.
        assert np.median(_lightness(light)[:40]) > 50 > 25 > np.median(_lightness(head.rgb)[:40])
        np.testing.assert_array_equal(light[45:], head.rgb[45:])  # skin and eyebrow (under 1/5 of the hair)
    with pytest.raises(ValueError, match="hair"):
        lighten_hair(head.rgb, head.hair[:10], np.random.default_rng(0))


def test_light_hair_is_never_labelled_and_draws_nothing_at_rate_zero():
    head = _dark_haired_head()
    rgb, mask = synthesize(head, np.random.default_rng(2), negative_rate=1.0, light_hair_rate=1.0)
    assert not mask.any()
    plain = BaseImage(head.rgb, head.skin, head.sites, head.name)
    a_rgb, a_mask = synthesize(plain, np.random.default_rng(6))
    b_rgb, b_mask = synthesize(head, np.random.default_rng(6), light_hair_rate=0.0)
    np.testing.assert_array_equal(a_rgb, b_rgb)
    np.testing.assert_array_equal(a_mask, b_mask)
    with pytest.raises(ValueError, match="light_hair_rate"):
        synthesize(head, np.random.default_rng(0), light_hair_rate=1.5)
