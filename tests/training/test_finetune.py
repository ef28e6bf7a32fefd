"""``vitiscore finetune``: group splits, groups files, reviewed photos as examples, and a tiny run end to end
(the model folder loads with its hash checked, the card carries the cross-validation, a worse model is refused)."""

import csv
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.support import points_and_area, run_cli
from vitiscore.segment import load_segmenter
from vitiscore.segment.finetuning import FinetuneSettings
from vitiscore.segment.learned import ModelFileError
from vitiscore.training import examples as examples_mod
from vitiscore.training import finetune as ft


def test_group_folds_keep_groups_whole_and_even():
    groups = ["a", "a", "b", "c", "c", "c"]
    folds = ft.group_folds(groups, k=2)
    # c (3 photos) fills one fold; a (2) and b (1) go to the other: 3 and 3.
    assert folds[3] == folds[4] == folds[5] and folds[0] == folds[1] == folds[2] != folds[3]
    assert ft.group_folds(groups, k=5) != ft.group_folds(groups, k=2)  # at most 3 folds: one per group
    assert sorted(set(ft.group_folds(groups, k=5))) == [0, 1, 2]
    with pytest.raises(ValueError, match="at least 2 groups"):
        ft.group_folds(["a", "a"], k=3)


def test_groups_file(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("image_id,group\np1,s1\np2,s1\np3,s2\n")
    assert examples_mod.read_groups(path) == {"p1": "s1", "p2": "s1", "p3": "s2"}
    path.write_text("image_id,group\np1,s1\np1,s2\n")
    with pytest.raises(ValueError, match="line 3: 'p1' is already in group 's1'"):
        examples_mod.read_groups(path)
    path.write_text("image_id,subject\np1,s1\n")
    with pytest.raises(ValueError, match="lacks the column.*needs image_id, group"):
        examples_mod.read_groups(path)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="folds must be"):
        FinetuneSettings(folds=1)
    with pytest.raises(ValueError, match="synthetic_share"):
        FinetuneSettings(synthetic_share=1.0)
    with pytest.raises(ValueError, match="device"):
        FinetuneSettings(device="tpu")


def test_threshold_rules_on_a_hand_worked_map():
    # The lesion is the left half (probability 0.6), the right half reads 0.3: cuts up to 0.30 mark everything
    # (Dice 2 x 0.5 / 1.5 = 0.667), cuts 0.35-0.60 mark the lesion exactly (Dice 1), higher cuts nothing (Dice 0).
    mask = np.zeros((4, 8), bool)
    mask[:, :4] = True
    probability = np.where(mask, 0.6, 0.3).astype(np.float32)
    example = examples_mod.Example("p", np.zeros((4, 8, 3), np.uint8), mask, np.ones_like(mask), "g", True, "")
    assert ft.dice_at([probability], [example], 0.3)[0] == pytest.approx(2 / 3)
    # best: Dice 1 from 0.35 to 0.60, the tie goes to the cut nearest 0.5.
    assert ft.choose_cut([probability], [example], "best", {}) == 0.5
    # one-se: one photo has no spread, so the highest cut of Dice 1.
    assert ft.choose_cut([probability], [example], "one-se", {}) == 0.6
    # clear-faces: the clear faces are marked over 3 % below 0.55, so 0.55 and 0.60 remain; 0.55 is nearer 0.5.
    clear = {t: 0.10 if t < 0.55 else 0.02 for t in ft.THRESHOLDS}
    assert ft.choose_cut([probability], [example], "clear-faces", clear) == 0.55
    # No cut keeps the clear faces clear: the highest cut, the least marking.
    assert ft.choose_cut([probability], [example], "clear-faces", dict.fromkeys(ft.THRESHOLDS, 0.5)) == 0.95
    with pytest.raises(ValueError, match="threshold_rule must be one of"):
        FinetuneSettings(threshold_rule="lowest")


@pytest.fixture(scope="module")
def study(tmp_path_factory, astronaut):
    """Four painted astronauts (two subjects) with their masks."""
    from vitiscore.training import synth

    points, area = points_and_area(astronaut)
    root = tmp_path_factory.mktemp("study")
    (root / "photos").mkdir()
    (root / "masks").mkdir()
    for i, tone in enumerate(["tan", "brown", "light", "tan"]):
        truth = synth.demo_lesions(astronaut.shape[:2], points, area, "baseline", seed=i)
        Image.fromarray(synth.paint_depigmentation(synth.retone(astronaut, tone), truth)).save(
            root / "photos" / f"p{i}.png"
        )
        Image.fromarray(truth.astype(np.uint8) * 255).save(root / "masks" / f"p{i}.png")
    (root / "groups.csv").write_text("image_id,group\np0,s0\np1,s0\np2,s1\np3,s1\n")
    return root


@pytest.mark.slow
def test_a_tiny_fine_tuning_writes_a_model_that_loads(study, tmp_path):
    groups = examples_mod.read_groups(study / "groups.csv")
    examples = examples_mod.examples_from_masks([study / "photos"], study / "masks", groups)
    assert [e.image_id for e in examples] == ["p0", "p1", "p2", "p3"] and all(e.face for e in examples)
    for e in examples:
        assert e.mask.shape == e.area.shape == e.rgb.shape[:2] and e.mask.any()
    base = load_segmenter("unet-mobilenetv2-v4")
    folder = tmp_path / "study-model"
    settings = FinetuneSettings(steps=2, folds=3, device="cpu", train_encoder=False, threshold_rule="clear-faces")
    result = ft.finetune(base, examples, folder, settings, force=True, synthetic_pairs=4, source="test masks")
    assert result.written
    # The cut keeps the clear faces within the limit, or is the highest cut when none does.
    assert result.summary["clear_marks_finetuned"] <= ft.CLEAR_LIMIT or result.summary["threshold"] == 0.95
    assert (
        "among cuts marking at most 3% of clear faces' skin"
        in json.loads((folder / "thresholds.json").read_text())["rule"]
    )
    # Two subjects: two folds (not three), each subject's photos on one side.
    cv = list(csv.DictReader(open(folder / "finetune" / "cv.csv", newline="")))
    assert {r["image_id"]: r["fold"] for r in cv} in ({"p0": "0", "p1": "0", "p2": "1", "p3": "1"},
                                                     {"p0": "1", "p1": "1", "p2": "0", "p3": "0"})  # fmt: skip
    model = load_segmenter(str(folder))
    assert model.model_id == "study-model" and model.threshold == result.summary["threshold"]
    config = json.loads((folder / "config.json").read_text())
    assert config["training"]["base_sha256"] == base.sha256 and config["training"]["photos"] == 4
    assert config["training"]["masks_sha256"] == examples_mod.masks_sha256(examples)
    card = (folder / "README.md").read_text()
    s = result.summary
    assert f"base **{s['base_dice']:.3f}**, fine-tuned **{s['finetuned_dice']:.3f}**" in card
    assert "4 in 2 groups" in card and base.sha256 in card and "the encoder kept as it was" in card
    assert "scorer uses, 0 on the whole photo" in card
    # A kept encoder comes out as the base's, tensor for tensor (both stored as float16).
    encoder = [k for k in base._weights if k.startswith("encoder.")]
    assert all(np.array_equal(model._weights[k].numpy(), base._weights[k].numpy()) for k in encoder)
    # The base model's own Dice in the card is what it scores on each photo's facial area at its threshold.
    frames = [e.rgb for e in examples]
    own = ft.dice_at(ft.probabilities(base.network, base, frames), examples, base.threshold)
    assert s["base_dice"] == pytest.approx(float(np.mean(own)), abs=1e-4)
    rgb = examples[0].rgb
    assert model.predict(rgb, np.ones(rgb.shape[:2], bool)).mask.shape == rgb.shape[:2]
    # Its weights are checked at every load.
    weights = folder / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\0")
    with pytest.raises(ModelFileError, match="does not match its config"):
        load_segmenter(str(folder))


@pytest.mark.slow
def test_an_interrupted_fine_tuning_resumes_without_training_a_finished_fold_again(study, tmp_path, monkeypatch):
    examples = examples_mod.examples_from_masks(
        [study / "photos"], study / "masks", examples_mod.read_groups(study / "groups.csv")
    )
    base = load_segmenter("unet-mobilenetv2-v4")
    folder = tmp_path / "model"
    settings = FinetuneSettings(steps=2, folds=2, device="cpu", train_encoder=False)
    real_fine_tune, calls = ft.fine_tune, []

    def stopped_at_the_second_fold(*args, **kwargs):
        calls.append(args[-2])
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second fold's training
        return real_fine_tune(*args, **kwargs)

    monkeypatch.setattr(ft, "fine_tune", stopped_at_the_second_fold)
    with pytest.raises(KeyboardInterrupt):
        ft.finetune(base, examples, folder, settings, force=True, synthetic_pairs=4)
    first_log = (folder / "finetune" / "fold-0" / "log.csv").read_bytes()
    assert (folder / "finetune" / "fold-0" / "checkpoint.pt").is_file() and not (folder / "config.json").exists()
    monkeypatch.setattr(ft, "fine_tune", real_fine_tune)
    result = ft.finetune(base, examples, folder, settings, force=True, synthetic_pairs=4)
    assert result.written and load_segmenter(str(folder)).threshold == result.summary["threshold"]
    # Fold 0 came back from its checkpoint at its last step: no step was trained, so its log gained no row.
    assert (folder / "finetune" / "fold-0" / "log.csv").read_bytes() == first_log
    assert not list((folder / "finetune").glob("*/checkpoint.pt"))  # removed once the model is written


@pytest.mark.slow
def test_a_model_worse_than_its_base_is_refused(study, tmp_path):
    out = tmp_path / "model"
    # A learning rate of 5 wrecks the network in two steps: its cross-validated Dice falls below the base's.
    proc = run_cli(
        "finetune", str(study / "photos"), "--masks", str(study / "masks"), "--groups", str(study / "groups.csv"),
        "-o", str(out), "--steps", "2", "--folds", "2", "--learning-rate", "5", "--device", "cpu",
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "worse than its base" in proc.stderr and "--force" in proc.stderr
    assert not (out / "config.json").exists() and (out / "finetune" / "cv.csv").is_file()
    summary = json.loads((out / "finetune" / "summary.json").read_text())
    assert summary["finetuned_dice"] < summary["base_dice"]


def test_usage_errors_name_the_problem(study, tmp_path):
    proc = run_cli("finetune", str(study / "photos"), "-o", str(tmp_path / "m"))
    assert proc.returncode == 2 and "need --masks" in proc.stderr
    proc = run_cli("finetune", "-o", str(tmp_path / "m"))
    assert proc.returncode == 2 and "not both and not neither" in proc.stderr
    groups = tmp_path / "g.csv"
    groups.write_text("image_id,group\np0,s0\n")
    proc = run_cli(
        "finetune", str(study / "photos"), "--masks", str(study / "masks"), "--groups", str(groups), "-o",
        str(tmp_path / "m"),
    )  # fmt: skip
    assert proc.returncode == 2 and "no row for the photo 'p1'" in proc.stderr


@pytest.mark.slow
def test_reviewed_photos_become_examples_and_excluded_ones_do_not(study, tmp_path):
    from vitiscore.review import log as review_log
    from vitiscore.review.store import save_review

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("p0", "p1"):
        shutil.copy(study / "photos" / f"{name}.png", photos / f"{name}.png")
    out = tmp_path / "run"
    proc = run_cli("score", str(photos), "-o", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    rows = {r["image_id"]: r for r in review_log.model_rows(out)}
    save_review(out, rows["p0"], "dr_test", "save", threshold=0.3)
    save_review(out, rows["p1"], "dr_test", "exclude", reason="blurred")
    (example,) = examples_mod.examples_from_reviewed([out])
    assert example.image_id == "p0" and example.group == "p0" and example.face
    crop = np.asarray(Image.open(out / rows["p0"]["crop"]))
    assert example.rgb.shape == crop.shape
    # The frame's mask is the reviewed photo mask brought onto the crop, and lies inside the facial area.
    reviewed = np.asarray(Image.open(review_log.mask_path(out, "p0"))) > 0
    assert example.mask.sum() == pytest.approx(reviewed.sum() * float(rows["p0"]["crop_scale"]) ** 2, rel=0.05)
    assert not (example.mask & ~example.area).any()
