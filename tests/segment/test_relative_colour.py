"""Colour relative to the patient's skin: the reference, the channels, and a network started from an RGB one."""

import numpy as np
import pytest

from vitiscore.colour import lab_to_rgb, rgb_to_lab
from vitiscore.segment.relative_colour import CLIP_SPREADS, MIN_SPREAD, check_input_channels, relative_lab


def _flat(lab, shape=(40, 40)):
    return lab_to_rgb(np.broadcast_to(np.asarray(lab, np.float32), (*shape, 3)).copy())


def test_even_skin_reads_zero_and_a_patch_reads_its_gap_in_spreads():
    # Even skin has no spread, so the floor (2 L* units) is its unit: a patch 10 L* units lighter reads 10/2/3.
    rgb = _flat((55.0, 14.0, 20.0))
    rgb[10:20, 10:20] = _flat((65.0, 14.0, 20.0), (10, 10))
    lab = rgb_to_lab(rgb)
    gap = lab[15, 15] - lab[0, 0]  # after uint8 rounding
    relative = relative_lab(rgb)
    np.testing.assert_allclose(relative[0, 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(relative[15, 15], gap / np.asarray(MIN_SPREAD) / 3.0, atol=1e-5)
    assert relative[15, 15, 0] == pytest.approx(10.0 / 2.0 / 3.0, abs=0.05)


def test_a_mostly_depigmented_face_is_referred_to_its_remaining_skin():
    # 70 % of the region is a near-white patch (not skin-coloured); the median of the whole region would be the
    # patch, the reference must be the 30 % of brown skin.
    rgb = _flat((40.0, 15.0, 22.0))
    rgb[:28] = _flat((88.0, 2.0, 4.0), (28, 40))
    relative = relative_lab(rgb)
    np.testing.assert_allclose(relative[35, 5], 0.0, atol=1e-6)
    assert relative[5, 5, 0] == pytest.approx(CLIP_SPREADS / 3.0)  # 48 L* units lighter: clipped


def test_the_region_chooses_whose_skin_is_the_reference():
    rgb = _flat((45.0, 14.0, 20.0))
    rgb[:, 20:] = _flat((65.0, 12.0, 18.0), (40, 20))
    left = np.zeros(rgb.shape[:2], bool)
    left[:, :20] = True
    np.testing.assert_allclose(relative_lab(rgb, left)[:, :20], 0.0, atol=1e-6)
    np.testing.assert_allclose(relative_lab(rgb, ~left)[:, 20:], 0.0, atol=1e-6)


def test_unknown_input_channels_are_named():
    with pytest.raises(ValueError, match="rgb\\+relative-lab"):
        check_input_channels("lab")


def test_an_rgb_network_widened_with_zero_weights_predicts_as_before():
    import torch

    from vitiscore.segment.learned import build_network, run_network
    from vitiscore.training.loop import widened_input

    torch.manual_seed(0)
    architecture = {"arch": "Unet", "encoder": "mobilenet_v2", "decoder_channels": [16, 16, 16, 16, 16]}
    rgb_net = build_network(architecture).eval()
    wide = build_network({**architecture, "in_channels": 6}).eval()
    wide.load_state_dict(widened_input(rgb_net.state_dict(), wide.state_dict()))
    image = np.random.default_rng(1).integers(0, 256, (48, 40, 3), dtype=np.uint8)
    scale = (np.full(3, 120.0, np.float32), np.full(3, 60.0, np.float32))
    before = run_network(rgb_net, [image], 64, *scale)[0]
    after = run_network(wide, [image], 64, *scale, relative=True)[0]
    np.testing.assert_allclose(after, before, atol=1e-6)
    assert not np.allclose(
        run_network(wide, [image], 64, *scale, relative=True)[0],
        run_network(wide, [255 - image], 64, *scale, relative=True)[0],
    )


def test_network_input_appends_the_relative_channels_after_the_rgb_ones():
    from vitiscore.segment.learned import network_input

    image = _flat((55.0, 14.0, 20.0), (20, 32))
    image[5:10, 5:10] = _flat((70.0, 10.0, 12.0), (5, 5))
    scale = (np.zeros(3, np.float32), np.ones(3, np.float32))
    plain, _ = network_input([image], 32, *scale)
    wide, placed = network_input([image], 32, *scale, relative=True)
    assert wide.shape == (1, 6, 32, 32) and placed == [(20, 32)]
    np.testing.assert_array_equal(wide[:, :3], plain)
    np.testing.assert_allclose(wide[0, 3:, :20].transpose(1, 2, 0), relative_lab(image), atol=1e-6)


@pytest.fixture(scope="module")
def widened_v4(tmp_path_factory):
    """v4 as a model folder that reads colour relative to the skin, its new channels' weights at zero."""
    import json

    from vitiscore.segment import load_segmenter
    from vitiscore.segment.learned import build_network
    from vitiscore.training.loop import widened_input
    from vitiscore.training.model_folder import save_model_folder

    v4 = load_segmenter("unet-mobilenetv2-v4")
    config = json.loads((v4.folder / "config.json").read_text())
    config = {**config, "architecture": {**config["architecture"], "in_channels": 6}}
    config["input_channels"] = "rgb+relative-lab"
    network = build_network(config["architecture"])
    network.load_state_dict(widened_input(v4.trainable_network().state_dict(), network.state_dict()))
    folder = tmp_path_factory.mktemp("models") / "v4-relative"
    save_model_folder(network, config, json.loads((v4.folder / "thresholds.json").read_text()), folder)
    return v4, load_segmenter(str(folder))


def test_a_relative_model_folder_scores_as_its_rgb_start_and_can_be_refined(widened_v4, astronaut):
    from vitiscore.files.marks import Mark
    from vitiscore.segment.refine import RefineSettings, refine

    v4, relative = widened_v4
    assert relative.relative and not v4.relative
    area = np.zeros(astronaut.shape[:2], bool)
    area[100:300, 150:350] = True
    np.testing.assert_allclose(
        relative.predict(astronaut, area).probability, v4.predict(astronaut, area).probability, atol=1e-3
    )
    marks = [Mark(200, 150, 1, 6.0), Mark(250, 260, 0, 6.0)]
    refined = refine(relative, astronaut, area, marks, RefineSettings(steps=3))
    assert refined.mask.shape == area.shape and not (refined.mask & ~area).any()
