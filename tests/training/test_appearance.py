"""The three lesion appearances paint what their masks say, each its own way, and need no data set."""

import cv2
import numpy as np
import pytest

from vitiscore.training import appearance, datasets, synth
from vitiscore.training.data import paint_appearance, synthesize


@pytest.fixture(scope="module")
def base():
    return datasets.astronaut_base()


@pytest.fixture(scope="module")
def bank(base):
    """A 'real photo' made here: the astronaut in brown skin with one painted 60 x 40 px lesion and one of 6 x 6
    px, too small for the bank (150 px)."""
    brown = synth.retone(base.rgb, "brown")
    mask = np.zeros(base.skin.shape, bool)
    mask[300:340, 250:310] = True
    mask[400:406, 300:306] = True
    return appearance.lesion_bank([(synth.paint_depigmentation(brown, mask), mask)])


def _lightness(rgb):
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[..., 0]


def test_bank_keeps_lesions_of_at_least_the_minimum_area(bank):
    assert len(bank.lesions) == 1
    lesion = bank.lesions[0]
    assert lesion.mask.sum() == 60 * 40
    # A margin of 15 % of the longer side (9 px) on each side.
    assert lesion.mask.shape == (40 + 18, 60 + 18) and lesion.rgb.shape[:2] == lesion.mask.shape
    with pytest.raises(ValueError, match="at least one lesion"):
        appearance.lesion_bank([])


@pytest.mark.parametrize("name", appearance.APPEARANCES)
def test_each_appearance_lightens_inside_its_mask_and_leaves_the_rest(base, bank, name):
    tan = synth.retone(base.rgb, "tan")
    found = 0
    for seed in range(5):
        painted, mask = paint_appearance(name, tan, base, np.random.default_rng(seed), bank=bank)
        again, same = paint_appearance(name, tan, base, np.random.default_rng(seed), bank=bank)
        np.testing.assert_array_equal(painted, again)
        np.testing.assert_array_equal(mask, same)
        if not mask.any():
            continue
        found += 1
        assert not (mask & ~base.skin).any()
        # Tan skin is about L* 50; every appearance aims depigmented skin at least 12 L* above its surroundings
        # (transplants' blending lowers that on small lesions).
        assert np.median((_lightness(painted) - _lightness(tan))[mask]) > 5.0
        far = ~cv2.dilate(mask.astype(np.uint8), np.ones((41, 41), np.uint8)).astype(bool)
        assert np.abs(painted.astype(int) - tan.astype(int))[far].mean() < 0.5
    assert found >= 3


def test_appearances_differ_and_bad_names_are_refused(base, bank):
    tan = synth.retone(base.rgb, "tan")
    images = [paint_appearance(n, tan, base, np.random.default_rng(1), bank=bank)[0] for n in appearance.APPEARANCES]
    assert not np.array_equal(images[0], images[1]) and not np.array_equal(images[1], images[2])
    with pytest.raises(ValueError, match="appearance must be one of"):
        paint_appearance("chalk", tan, base, np.random.default_rng(0))
    with pytest.raises(ValueError, match="bank of real lesions"):
        paint_appearance("transplant", tan, base, np.random.default_rng(0))


def test_laplacian_blend_takes_each_side_far_from_the_border():
    # Four levels: the coarsest band is 16 times smaller, and its 5-tap filters reach about 2 x 2 x 16 px either
    # side of the border, so 100 px from it each side is untouched.
    back = np.full((64, 512, 3), 10.0, np.float32)
    front = np.full((64, 512, 3), 90.0, np.float32)
    front[::2] += 4.0  # fine texture that should come through inside
    alpha = np.zeros((64, 512), np.float32)
    alpha[:, 256:] = 1.0
    merged = appearance.laplacian_blend(back, front, alpha)
    np.testing.assert_allclose(merged[:, :156], back[:, :156], atol=1e-3)
    np.testing.assert_allclose(merged[:, 356:], front[:, 356:], atol=1e-3)
    # At the border itself, half of each.
    assert merged[:, 255:257, 0].mean() == pytest.approx((10 + 92) / 2, abs=6)
    np.testing.assert_allclose(appearance.laplacian_blend(back, front, np.ones_like(alpha)), front, atol=1e-3)


def test_synthesize_gives_label_maps_for_a_skin_head(base, bank):
    from vitiscore.training.data import LESION, NOT_SKIN, SKIN

    rgb, labels = synthesize(
        base, np.random.default_rng(3), negative_rate=0.0, appearance="milky", labels=True, robust=True
    )
    assert labels.dtype == np.uint8 and set(np.unique(labels)) <= {NOT_SKIN, SKIN, LESION}
    assert (labels == LESION).any() and (labels == NOT_SKIN).any()
    # Without rotation the skin is the base's skin (the capture may turn the photo, so compare areas).
    assert abs(int((labels != NOT_SKIN).sum()) - int(base.skin.sum())) < 0.15 * base.skin.sum()
