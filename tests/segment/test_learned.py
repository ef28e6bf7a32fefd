"""The shipped learned model: integrity checks, the registry, and its accuracy on the project's demo photos."""

import csv
import json
import shutil

import pytest

from tests.support import SAMPLES
from vitiscore import ScoreOptions, score_image
from vitiscore.segment import DEFAULT_MODEL, available_models, load_segmenter
from vitiscore.segment.learned import LearnedSegmenter, ModelFileError, file_sha256
from vitiscore.segment.registry import shipped_models_dir


@pytest.fixture(scope="module")
def shipped():
    return shipped_models_dir() / DEFAULT_MODEL


def test_default_model_is_the_shipped_learned_model(shipped):
    assert DEFAULT_MODEL != "classical" and ScoreOptions().model == DEFAULT_MODEL
    config = json.loads((shipped / "config.json").read_text())
    assert config["model_id"] == DEFAULT_MODEL
    assert (shipped / "README.md").is_file()
    assert (shipped / "weights.safetensors").stat().st_size < 20 * 2**20


def test_loading_checks_the_hash(shipped):
    segmenter = load_segmenter(DEFAULT_MODEL)
    assert segmenter.model_id == DEFAULT_MODEL
    assert segmenter.sha256 == file_sha256(shipped / "weights.safetensors")
    assert 0 < segmenter.threshold < 1


def test_tampered_weights_are_refused(shipped, tmp_path):
    copy = tmp_path / "tampered"
    shutil.copytree(shipped, copy)
    weights = copy / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of a tensor
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="SHA-256"):
        LearnedSegmenter(copy)
    with pytest.raises(ValueError, match="refusing"):
        load_segmenter(str(copy))


def test_incomplete_folder_is_refused(shipped, tmp_path):
    copy = tmp_path / "incomplete"
    shutil.copytree(shipped, copy)
    (copy / "thresholds.json").unlink()
    with pytest.raises(ModelFileError, match="thresholds.json"):
        LearnedSegmenter(copy)


def test_unknown_model_lists_the_available_ones():
    assert {"classical", DEFAULT_MODEL} <= set(available_models())
    with pytest.raises(ValueError) as err:
        load_segmenter("no-such-model")
    assert "classical" in str(err.value) and DEFAULT_MODEL in str(err.value)


def test_demo_photos_within_003_of_truth():
    segmenter = load_segmenter(DEFAULT_MODEL)
    with open(SAMPLES / "truth.csv", newline="") as f:
        truth = list(csv.DictReader(f))
    assert len(truth) == 6
    for row in truth:
        score = score_image(SAMPLES / row["image"], segmenter=segmenter)
        assert score.ok, row["image"]
        assert abs(score.depigmented_fraction - float(row["true_depigmented_fraction"])) <= 0.03, row["image"]


def test_folding_batch_norms_keeps_the_output():
    # The reference is the same network computed with its batch norms in place; the running statistics are
    # made far from 0/1 so that a wrong fold (e.g. ignoring the mean or epsilon) would show.
    import torch

    from vitiscore.segment.learned import fold_batch_norms

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1, bias=False),
        torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Conv2d(8, 4, 1), torch.nn.BatchNorm2d(4)),
    )
    for norm in (net[1], net[3][1]):
        norm.running_mean.uniform_(-2, 2)
        norm.running_var.uniform_(0.1, 5)
        norm.weight.data.uniform_(0.5, 2)
        norm.bias.data.uniform_(-1, 1)
    net.eval()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        before = net(x)
        assert fold_batch_norms(net) == 2
        after = net(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert torch.allclose(before, after, atol=1e-5)


def test_run_network_maps_each_pixel_back_to_the_image():
    # A one-layer network that copies the red value of each pixel's left neighbour (0 beyond the border): at the
    # image's own size the map must be the sigmoid of that neighbour, pixel for pixel.
    import numpy as np
    import torch

    from vitiscore.segment.learned import run_network

    net = torch.nn.Conv2d(3, 1, (1, 3), padding=(0, 1), bias=False)
    with torch.no_grad():
        net.weight.zero_()
        net.weight[0, 0, 0, 0] = 1.0
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    red = np.pad(rgb[..., 0] / 255.0, ((0, 0), (1, 1)))
    sigmoid = 1 / (1 + np.exp(-red))
    scale = (np.zeros(3, np.float32), np.full(3, 255.0, np.float32))
    np.testing.assert_allclose(run_network(net, [rgb], 8, *scale)[0], sigmoid[:, :-2], atol=1e-6)


def test_model_folder_asking_for_a_dropped_inference_switch_is_refused(shipped, tmp_path):
    import json
    import shutil

    from vitiscore.segment.learned import ModelFileError

    for key, value in (("input_tone", {"lightness": 55.0, "b_star": 18.0}), ("test_time_flip", True)):
        folder = tmp_path / key
        shutil.copytree(shipped, folder)
        config = json.loads((folder / "config.json").read_text())
        (folder / "config.json").write_text(json.dumps({**config, key: value}))
        with pytest.raises(ModelFileError, match=key):
            load_segmenter(str(folder))
