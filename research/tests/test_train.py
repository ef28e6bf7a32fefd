"""The training recipe of the shipped model (research/train.py): its options reach the config, seeds are
averaged, and a next stage starts from a run's average."""

from dataclasses import replace

import numpy as np
import pytest

from research import train as train_script
from tests.support.training import TINY, tiny_pairs
from tests.support.training import weights_of as _weights
from vitiscore.training.loop import train


@pytest.fixture(scope="module")
def pairs():
    return tiny_pairs()


def _train_script_stopped_at_its_config(monkeypatch):
    """research/train.py, whose main stops (SystemExit) at its first check, before any data is read, and the list
    that receives the config as parsed."""
    script = train_script
    seen = []

    def stop_at_the_first_check(config):
        seen.append(config)
        raise ValueError("stop here")

    monkeypatch.setattr(script, "check_crop", stop_at_the_first_check)
    return script, seen


@pytest.mark.parametrize(
    "option, field",
    [("--dice-lesion-images-only", "dice_lesion_images_only"), ("--bf16", "bf16"), ("--skin-head", "skin_head")],
)
def test_switch_reaches_the_training_config(option, field, tmp_path, monkeypatch):
    script, seen = _train_script_stopped_at_its_config(monkeypatch)
    for argv, expected in (([], False), ([option], True)):
        with pytest.raises(SystemExit):
            script.main([str(tmp_path), "-o", str(tmp_path / "run"), *argv])
        assert getattr(seen[-1], field) is expected


def test_next_stage_starts_from_a_runs_average_when_it_kept_one(tmp_path):
    torch = pytest.importorskip("torch")
    initial_weights = train_script.initial_weights
    last, average = {"w": torch.zeros(2)}, {"w": torch.ones(2)}
    (tmp_path / "plain").mkdir()
    torch.save({"network": last, "step": 5}, tmp_path / "plain" / "checkpoint.pt")
    (tmp_path / "averaged").mkdir()
    torch.save({"network": last, "average": average, "step": 5}, tmp_path / "averaged" / "checkpoint.pt")
    assert initial_weights(tmp_path / "plain")["w"].tolist() == [0.0, 0.0]
    assert initial_weights(tmp_path / "averaged")["w"].tolist() == [1.0, 1.0]
    assert initial_weights(None) is None


def test_several_seeds_train_one_run_each_and_return_the_mean_that_a_next_stage_starts_from(pairs, tmp_path):
    torch = pytest.importorskip("torch")
    from vitiscore.segment.learned import build_network

    script = train_script
    torch.manual_seed(7)
    start = build_network(TINY.architecture()).state_dict()
    alone = [
        _weights(train(pairs, [], replace(TINY, seed=s), tmp_path / f"alone{s}", progress=False, initial_weights=start))
        for s in (1, 2)
    ]
    differ = [k for k in start if not np.allclose(alone[0][k], alone[1][k], rtol=1e-4, atol=1e-6)]
    assert differ  # the seeds gave different networks, so the mean is neither of them
    mean = _weights(script.train_seeds(pairs, [], TINY, [1, 2], tmp_path / "both", start=start, progress=False))
    assert (tmp_path / "both" / "seed-1" / "checkpoint.pt").is_file()
    assert (tmp_path / "both" / "seed-2" / "checkpoint.pt").is_file()
    stored = script.initial_weights(tmp_path / "both")
    for key in start:
        if np.issubdtype(alone[0][key].dtype, np.floating):
            np.testing.assert_allclose(
                mean[key], (alone[0][key] + alone[1][key]) / 2, rtol=1e-5, atol=1e-6, err_msg=key
            )
            np.testing.assert_allclose(stored[key].numpy(), mean[key], rtol=1e-6, atol=1e-7, err_msg=key)


def test_encoder_option_reaches_the_config_and_an_unknown_one_is_refused(tmp_path, monkeypatch, capsys):
    script, seen = _train_script_stopped_at_its_config(monkeypatch)
    with pytest.raises(SystemExit):
        script.main([str(tmp_path), "-o", str(tmp_path / "run"), "--encoder", "resnet18"])
    assert seen[-1].encoder == "resnet18"
    with pytest.raises(SystemExit) as exit_info:
        script.main([str(tmp_path), "-o", str(tmp_path / "run"), "--encoder", "resnet-huge"])
    assert exit_info.value.code == 2 and "--encoder" in capsys.readouterr().err
    assert len(seen) == 1 and not (tmp_path / "run").exists()


def test_a_seed_given_twice_is_an_error_that_names_the_option(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train_script.main([str(tmp_path), "-o", str(tmp_path / "run"), "--seed", "3", "4", "3"])
    assert exit_info.value.code == 2
    assert "--seed" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # refused before any work


def test_pretrained_encoder_reaches_the_config_and_is_refused_for_an_encoder_without_weights(
    tmp_path, monkeypatch, capsys
):
    script, seen = _train_script_stopped_at_its_config(monkeypatch)
    with pytest.raises(SystemExit):
        script.main(
            [
                str(tmp_path),
                "-o",
                str(tmp_path / "run"),
                "--encoder",
                "tu-tf_efficientnet_lite0",
                "--pretrained-encoder",
            ]
        )
    assert seen[-1].pretrained_encoder and seen[-1].encoder == "tu-tf_efficientnet_lite0"
    with pytest.raises(SystemExit) as exit_info:
        script.main([str(tmp_path), "-o", str(tmp_path / "run"), "--pretrained-encoder"])
    assert exit_info.value.code == 2 and "--pretrained-encoder" in capsys.readouterr().err
    assert len(seen) == 1
