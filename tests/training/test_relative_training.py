"""Training with colour relative to the skin: the same batches plus three channels, and a stage started from
an RGB network."""

from dataclasses import replace

import numpy as np

from tests.support.training import TINY, tiny_pairs
from vitiscore.segment.relative_colour import relative_lab
from vitiscore.training.batches import make_batch


def test_relative_batches_are_the_rgb_batches_plus_three_channels():
    pairs = tiny_pairs(3)
    plain, labels = make_batch(pairs, pairs[:1], TINY, np.random.default_rng(5))
    relative = replace(TINY, input_channels="rgb+relative-lab")
    wide, wide_labels = make_batch(pairs, pairs[:1], relative, np.random.default_rng(5))
    assert wide.shape == (TINY.batch_size, 6, TINY.crop, TINY.crop)
    np.testing.assert_array_equal(wide[:, :3], plain)
    np.testing.assert_array_equal(wide_labels, labels)
    # An uncropped, unjittered image: its relative channels are those of the whole image.
    assert np.abs(wide[:, 3:]).max() <= 4.0 + 1e-6


def test_a_relative_stage_starts_from_an_rgb_run(tmp_path):
    from vitiscore.training.loop import train

    pairs = tiny_pairs(3)
    rgb_net = train(pairs, [], TINY, tmp_path / "rgb", progress=False)
    relative = replace(TINY, input_channels="rgb+relative-lab")
    wide = train(pairs, [], relative, tmp_path / "wide", progress=False, initial_weights=rgb_net.state_dict())
    first = next(p for p in wide.parameters() if p.ndim == 4)
    assert first.shape[1] == 6


def test_relative_lab_of_a_crop_differs_from_the_whole_image_reference():
    # Why the reference is taken before cropping: a crop of a lesion alone would be referred to the lesion.
    rgb = tiny_pairs(1)[0][0]
    whole = relative_lab(rgb)
    crop = relative_lab(rgb[:16, :16])
    assert not np.allclose(whole[:16, :16], crop)
