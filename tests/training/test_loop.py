"""Training runs end to end on a few tiny synthetic pairs, resumes from its checkpoint, and exports a model
folder that the pipeline can load."""

import json
from dataclasses import replace

import numpy as np
import pytest

from tests.support.training import TINY, tiny_pairs
from tests.support.training import weights_of as _weights
from vitiscore.training import datasets
from vitiscore.training.batches import fit_long_side
from vitiscore.training.data import synthesize
from vitiscore.training.loop import model_config, train


@pytest.fixture(scope="module")
def pairs():
    return tiny_pairs()


def test_one_step_trains_logs_and_is_reproducible(pairs, tmp_path):
    first = train(pairs, [], TINY, tmp_path / "a", validate=lambda net: 0.5, progress=False)
    second = train(pairs, [], TINY, tmp_path / "b", validate=lambda net: 0.5, progress=False)
    a, b = _weights(first), _weights(second)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    log = (tmp_path / "a" / "log.csv").read_text().splitlines()
    assert log[0] == "step,loss,lr,validation,seconds" and log[1].startswith("1,") and ",0.5000," in log[1]
    assert (tmp_path / "a" / "checkpoint.pt").is_file()


def test_resume_continues_where_the_run_stopped(pairs, tmp_path):
    two = replace(TINY, steps=2)
    straight = _weights(train(pairs, [], two, tmp_path / "straight", progress=False))
    train(pairs, [], TINY, tmp_path / "split", progress=False)  # stops after step 1, checkpointed
    resumed = _weights(train(pairs, [], two, tmp_path / "split", progress=False))
    for key in straight:
        np.testing.assert_allclose(resumed[key], straight[key], rtol=1e-5, atol=1e-6)


def test_a_kept_encoder_leaves_every_encoder_tensor_as_it_started_and_trains_the_decoder(pairs, tmp_path):
    start = train(pairs, [], TINY, tmp_path / "start", progress=False).state_dict()
    kept = replace(TINY, steps=2, train_encoder=False, seed=1)
    after = _weights(train(pairs, [], kept, tmp_path / "kept", progress=False, initial_weights=start))
    before = {k: v.numpy() for k, v in start.items()}
    encoder = [k for k in before if k.startswith("encoder.")]
    # Weights and batch-norm running statistics alike: a kept encoder is in eval mode while the decoder trains.
    assert any(k.endswith("running_mean") for k in encoder)
    assert all(np.array_equal(after[k], before[k]) for k in encoder)
    decoder = [k for k in before if k.startswith("decoder.") and k.endswith("weight")]
    assert decoder and any(not np.array_equal(after[k], before[k]) for k in decoder)


def test_weight_average_is_the_hand_worked_mix_of_each_steps_weights_and_survives_a_resume(pairs, tmp_path):
    from vitiscore.segment.learned import build_network

    torch = pytest.importorskip("torch")
    torch.manual_seed(7)
    start = build_network(TINY.architecture()).state_dict()
    w0 = {k: v.numpy().copy() for k, v in start.items()}
    two = replace(TINY, steps=2)
    w1 = _weights(train(pairs, [], TINY, tmp_path / "one", progress=False, initial_weights=start))
    w2 = _weights(train(pairs, [], two, tmp_path / "one", progress=False))  # resumed: the second step
    # d = 0.75, two steps: d² = 0.5625 of the start, d(1 - d) = 0.1875 of step 1, 1 - d = 0.25 of step 2;
    # counters are the last step's.
    averaged = replace(TINY, ema_decay=0.75)
    train(pairs, [], averaged, tmp_path / "avg", progress=False, initial_weights=start)
    result = train(pairs, [], replace(averaged, steps=2), tmp_path / "avg", progress=False)
    got = _weights(result)
    for key in w0:
        if np.issubdtype(w0[key].dtype, np.floating):
            np.testing.assert_allclose(
                got[key], 0.5625 * w0[key] + 0.1875 * w1[key] + 0.25 * w2[key], rtol=1e-5, atol=1e-6, err_msg=key
            )
        else:
            assert np.array_equal(got[key], w2[key]), key
    assert not all(np.allclose(got[k], w2[k]) for k in w0)  # the average is not the last step's weights
    saved = torch.load(tmp_path / "avg" / "checkpoint.pt", weights_only=True)
    for key in w2:  # the checkpoint keeps the last step's own weights
        np.testing.assert_allclose(saved["network"][key].numpy(), w2[key], rtol=1e-5, atol=1e-6)


def test_bad_ema_decay_is_an_error_that_names_it(pairs, tmp_path):
    for decay in (-0.1, 1.0):
        with pytest.raises(ValueError, match="ema_decay"):
            train(pairs, [], replace(TINY, ema_decay=decay), tmp_path, progress=False)
    # A run checkpointed without an average cannot be resumed with one: its average would start mid-run.
    train(pairs, [], TINY, tmp_path / "plain", progress=False)
    with pytest.raises(ValueError, match="without a weight average"):
        train(pairs, [], replace(TINY, steps=2, ema_decay=0.9), tmp_path / "plain", progress=False)


def test_exported_folder_loads_and_segments(pairs, tmp_path):
    from vitiscore.segment import load_segmenter
    from vitiscore.training.model_folder import save_model_folder

    network = train(pairs, [], TINY, tmp_path / "run", progress=False)
    folder = tmp_path / "tiny-model"
    sha = save_model_folder(network, model_config(TINY, "tiny-test", {}), {"threshold": 0.5}, folder)
    assert json.loads((folder / "config.json").read_text())["weights_sha256"] == sha
    segmenter = load_segmenter(str(folder))
    assert (segmenter.model_id, segmenter.sha256) == ("tiny-test", sha)
    rgb = pairs[0][0]
    area = np.zeros(rgb.shape[:2], bool)
    area[10:40, 10:50] = True
    seg = segmenter.predict(rgb, area)
    assert seg.probability.shape == area.shape and seg.mask.dtype == bool
    assert not (seg.mask & ~area).any() and not seg.probability[~area].any()


def test_another_encoder_trains_exports_and_loads_as_itself(pairs, tmp_path):
    from vitiscore.segment import load_segmenter
    from vitiscore.segment.learned import run_network
    from vitiscore.training.model_folder import save_model_folder, storage_state

    config = replace(TINY, encoder="resnet18")
    network = train(pairs, [], config, tmp_path / "run", progress=False)
    assert type(network.encoder).__name__ == "ResNetEncoder"
    folder = tmp_path / "tiny-resnet"
    save_model_folder(network, model_config(config, "tiny-resnet", {}), {"threshold": 0.5}, folder)
    assert json.loads((folder / "config.json").read_text())["architecture"]["encoder"] == "resnet18"
    segmenter = load_segmenter(str(folder))
    assert type(segmenter.network.encoder).__name__ == "ResNetEncoder"
    # The loaded network is the trained one: the same maps as the trained network with its weights rounded as
    # stored (float16), up to what folding the batch norms changes.
    network.load_state_dict(storage_state(network))
    images = [pairs[0][0]]
    expected = run_network(network.eval(), images, 64, segmenter._mean, segmenter._std)[0]
    assert segmenter.probabilities(images)[0] == pytest.approx(expected, abs=1e-4)
    # A stage cannot start from another architecture's weights: the error names the encoder asked for.
    mobile = train(pairs, [], TINY, tmp_path / "mobile", progress=False)
    with pytest.raises(ValueError, match="encoder 'resnet18'"):
        train(pairs, [], config, tmp_path / "again", progress=False, initial_weights=mobile.state_dict())


def test_nothing_to_train_on_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="nothing to train on"):
        train([], [], TINY, tmp_path, progress=False)


def test_bad_device_is_an_error_that_names_it(pairs, tmp_path):
    import torch

    with pytest.raises(ValueError, match="device must be"):
        train(pairs, [], TINY, tmp_path, progress=False, device="gpu-please")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no GPU"):
            train(pairs, [], TINY, tmp_path, progress=False, device="cuda")


def test_bad_crop_is_an_error_that_names_it(pairs, tmp_path):
    for crop in (48, 96):  # not a multiple of 32; larger than TINY's input size (64)
        with pytest.raises(ValueError, match=f"crop must be .*got {crop}"):
            train(pairs, [], replace(TINY, crop=crop), tmp_path, progress=False)


def test_threshold_rules_on_hand_worked_dice():
    from vitiscore.training.loop import choose_threshold

    # Means 0.60, 0.55, 0.49, 0.15. The best cut (0.2) has per-image SD 0.1414 over 2 images: SE 0.10, so the
    # one-SE band is Dice >= 0.50, which 0.4 reaches and 0.6 misses.
    dice = {0.2: [0.50, 0.70], 0.4: [0.45, 0.65], 0.6: [0.40, 0.58], 0.8: [0.10, 0.20]}
    assert choose_threshold(dice, rule="best") == 0.2
    assert choose_threshold(dice, rule="one-se") == 0.4
    # Without 0.2 the best is 0.4 (SE 0.10 again), whose band (>= 0.45) now takes in 0.6 (0.49).
    assert choose_threshold(dice, [0.4, 0.6, 0.8], rule="best") == 0.4
    assert choose_threshold(dice, [0.4, 0.6, 0.8], rule="one-se") == 0.6
    # Exact ties under "best" go to the cut nearest 0.5; under "one-se" to the most specific.
    tied = {0.3: [0.6, 0.6], 0.5: [0.6, 0.6], 0.7: [0.6, 0.6]}
    assert choose_threshold(tied) == 0.5 and choose_threshold(tied, rule="one-se") == 0.7
    with pytest.raises(ValueError, match="rule must be one of best, one-se, not 'median'"):
        choose_threshold(dice, rule="median")
    with pytest.raises(ValueError, match="allowed"):
        choose_threshold(dice, [])


def test_dice_on_lesion_images_only_leaves_clear_images_to_bce():
    import torch

    from vitiscore.training.losses import dice_bce_loss

    # Logits 0: every probability 0.5, and BCE is ln 2 on every pixel whatever the target. On 2 x 2 images the
    # soft Dice term (smoothing 1) is 1 - (2*2 + 1) / (2 + 4 + 1) = 2/7 for an all-lesion image and
    # 1 - 1 / (2 + 0 + 1) = 2/3 for a clear one.
    logits = torch.zeros(2, 1, 2, 2)
    lesion_and_clear = torch.stack([torch.ones(1, 2, 2), torch.zeros(1, 2, 2)])
    ln2 = float(np.log(2))
    assert float(dice_bce_loss(logits, lesion_and_clear)) == pytest.approx(ln2 + (2 / 7 + 2 / 3) / 2)
    assert float(dice_bce_loss(logits, lesion_and_clear, lesion_images_only=True)) == pytest.approx(ln2 + 2 / 7)
    clear = torch.zeros(2, 1, 2, 2)
    assert float(dice_bce_loss(logits, clear)) == pytest.approx(ln2 + 2 / 3)
    assert float(dice_bce_loss(logits, clear, lesion_images_only=True)) == pytest.approx(ln2)


def test_bf16_steps_compute_in_bfloat16_and_return_float32_weights_one_adam_step_from_float32s(
    pairs, tmp_path, monkeypatch
):
    import torch

    import vitiscore.training.loop as training
    from vitiscore.segment.learned import build_network

    conv_outputs = []

    def network_that_reports(architecture):
        network = build_network(architecture)
        network.encoder.features[0][0].register_forward_hook(lambda m, i, out: conv_outputs.append(out.dtype))
        return network

    monkeypatch.setattr(training, "build_network", network_that_reports)
    plain = train(pairs, [], TINY, tmp_path / "float32", progress=False)
    assert conv_outputs == [torch.float32]
    half = train(pairs, [], replace(TINY, bf16=True), tmp_path / "bf16", progress=False)
    assert conv_outputs == [torch.float32, torch.bfloat16]
    # Both start from the same weights (same seed). AdamW's first step moves each weight by lr * m / (sqrt(v) +
    # eps), at most lr in size whatever the gradient, plus the same decay in both: rounding the forward pass can
    # at worst flip a step's sign, so no weight may differ by more than 2 lr, and some must differ at all.
    # The one-cycle schedule over 2 steps (train() never schedules fewer) with 10 % warm-up ends its warm-up at
    # step 0.1 * 2 - 1 = -0.8, so step 0 is already 0.8 / 1.8 of the way down the cosine from the peak:
    first_lr = TINY.lr * (1 + np.cos(np.pi * 0.8 / 1.8)) / 2  # (the floor, peak / 25 / 1e4, is negligible)
    half_weights = dict(half.named_parameters())
    difference = [(half_weights[name] - weight).abs().max().item() for name, weight in plain.named_parameters()]
    assert all(p.dtype == torch.float32 for p in half.parameters())
    assert 0 < max(difference) <= 2 * first_lr * (1 + 1e-3)


def test_float32_only_restores_the_callers_tf32_settings():
    # Setting the flags needs no GPU, so the CUDA branch is exercised here too.
    import torch

    from vitiscore.training.loop import float32_only

    backends = (torch.backends.cudnn, torch.backends.cuda.matmul)
    saved = [b.allow_tf32 for b in backends]
    try:
        for b in backends:
            b.allow_tf32 = True
        with float32_only("cpu"):
            assert all(b.allow_tf32 for b in backends)
        with pytest.raises(RuntimeError, match="inside"):
            with float32_only("cuda:0"):
                assert not any(b.allow_tf32 for b in backends)
                raise RuntimeError("inside")
        assert all(b.allow_tf32 for b in backends)
    finally:
        for b, value in zip(backends, saved):
            b.allow_tf32 = value


def test_average_weights_is_the_mean_of_floats_and_keeps_the_first_counters():
    torch = pytest.importorskip("torch")
    from vitiscore.training.averaging import average_weights

    def state(w, running_var, steps):
        return {
            "w": torch.tensor(w),
            "bn.running_var": torch.tensor([running_var]),
            "bn.num_batches_tracked": torch.tensor(steps),
        }

    a, b, c = state([1.0, 2.0], 4.0, 3), state([3.0, 6.0], 8.0, 9), state([5.0, 1.0], 0.0, 1)
    mean = average_weights([a, b, c])
    assert mean["w"].tolist() == [3.0, 3.0]
    assert mean["bn.running_var"].tolist() == [4.0]
    assert mean["bn.num_batches_tracked"].item() == 3
    assert a["w"].tolist() == [1.0, 2.0]  # the inputs are left as they were


@pytest.mark.parametrize("other, message", [({"v": [1.0]}, "other entries"), ({"w": [1.0, 2.0]}, "shape")])
def test_average_weights_refuses_states_of_different_networks(other, message):
    torch = pytest.importorskip("torch")
    from vitiscore.training.averaging import average_weights

    with pytest.raises(ValueError, match=message):
        average_weights([{"w": torch.tensor([1.0])}, {k: torch.tensor(v) for k, v in other.items()}])
    with pytest.raises(ValueError, match="empty"):
        average_weights([])


def test_skin_term_counts_only_pixels_whose_skin_is_known():
    import torch

    from vitiscore.training.data import LESION, NOT_SKIN, SKIN, SKIN_UNKNOWN
    from vitiscore.training.losses import dice_bce_loss, training_loss

    # Logits 0: BCE is ln 2 on every pixel whatever the target, so the skin term is ln 2 when any pixel's skin is
    # known and 0 when none is; the lesion term is the loss of the first channel against LESION alone.
    logits = torch.zeros(1, 2, 2, 2)
    labels = torch.tensor([[[[LESION, SKIN], [NOT_SKIN, SKIN_UNKNOWN]]]], dtype=torch.uint8)
    lesion = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    ln2 = float(np.log(2))
    lesion_loss = float(dice_bce_loss(logits[:, :1], lesion))
    with_head = replace(TINY, skin_head=True)
    assert float(training_loss(logits, labels, with_head)) == pytest.approx(lesion_loss + ln2)
    unknown = torch.full((1, 1, 2, 2), SKIN_UNKNOWN, dtype=torch.uint8)
    assert float(training_loss(logits, unknown, with_head)) == pytest.approx(
        float(dice_bce_loss(logits[:, :1], 0 * lesion))
    )
    assert float(training_loss(logits[:, :1], labels, TINY)) == pytest.approx(lesion_loss)


def test_skin_head_trains_on_label_maps_and_its_model_answers_with_skin(tmp_path):
    from vitiscore.segment import load_segmenter
    from vitiscore.training.model_folder import save_model_folder

    base = datasets.astronaut_base()
    rng = np.random.default_rng(1)
    label_pairs = [fit_long_side(*synthesize(base, rng, labels=True), 64) for _ in range(2)]
    assert label_pairs[0][1].dtype == np.uint8
    config = replace(TINY, skin_head=True)
    network = train(label_pairs, [], config, tmp_path / "run", progress=False)
    folder = tmp_path / "skin-model"
    save_model_folder(network, model_config(config, "tiny-skin", {}), {"threshold": 0.5}, folder)
    assert json.loads((folder / "config.json").read_text())["architecture"]["classes"] == 2
    segmenter = load_segmenter(str(folder))
    rgb = label_pairs[0][0]
    seg = segmenter.predict(rgb, np.ones(rgb.shape[:2], bool))
    assert segmenter.has_skin_head and seg.skin.shape == rgb.shape[:2] and seg.skin.dtype == bool
