"""Fine-tune a model on one study's photos and masks (``vitiscore finetune``).

The photos come with masks drawn elsewhere (``--masks``) or from review runs (``--reviewed``: the raters'
reviewed masks; excluded and unreviewed photos are left out). A face photo is trained on the face-aligned crop
the scorer uses (the run's own crop for reviewed photos; found again for ``--masks``), any other photo on the
whole photo. The base model's weights are the start; a share of every batch (``synthetic_share``, default a
quarter) is the project's own synthetic pairs on the public-domain astronaut face, half of them clear faces,
so that what the base model knew about clear skin does not drift while it learns the study's lesions (a fifth
was the smallest share at which v4's training kept its clear-face false marks; a quarter leaves the study's
photos three batches in four).

Before the model is written, group cross-validation on the given photos: per fold, the base model and a model
fine-tuned on the other folds segment the held-out photos, the fine-tuned one at a threshold chosen on its own
training folds; the mean Dice of both is reported, and a model whose cross-validated Dice is below its base's is
refused unless forced. The written model is then fine-tuned on every photo; its threshold is chosen on the pooled
out-of-fold maps by the settings' threshold rule (:func:`choose_cut`). ``groups`` (image id -> subject) keep one
subject's photos on one side of every split; without them each photo is its own group and the card says the
figures may be optimistic.

In masks from a review run only the facial area was drawn: the rest of the crop counts as not depigmented.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from vitiscore import files as files_mod
from vitiscore.agreement.masks import agreement
from vitiscore.errors import UsageError
from vitiscore.segment.finetuning import THRESHOLD_RULES, FinetuneSettings
from vitiscore.segment.learned import LearnedSegmenter, resolve_device, run_network
from vitiscore.training.batches import fit_long_side
from vitiscore.training.config import TrainConfig
from vitiscore.training.examples import Example, masks_sha256
from vitiscore.training.loop import choose_threshold, train
from vitiscore.training.model_folder import model_card

log = logging.getLogger(__name__)

WORK_DIR = "finetune"
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.2, 0.951, 0.05), 2))
# The shipped model's threshold was chosen among cuts marking at most 3 % of clear held-out faces' skin.
CLEAR_LIMIT = 0.03
RULE_TEXT = {
    "best": "best pooled out-of-fold Dice",
    "one-se": "highest cut within one standard error of the best pooled out-of-fold Dice",
    "clear-faces": f"best pooled out-of-fold Dice among cuts marking at most {CLEAR_LIMIT:.0%} of clear faces' skin",
}
SYNTHETIC_PAIRS = 48


# --- the study's photos -------------------------------------------------------------------------------------


# --- splits -------------------------------------------------------------------------------------------------


def group_folds(groups: list[str], k: int, seed: int = 0) -> list[int]:
    """The fold (0..k'-1) of each item, whole groups to a fold: groups in a seeded random order, each given to the
    fold with the fewest items so far (k' = min(k, number of groups)). Written here because scikit-learn, whose
    GroupKFold does this, is not a dependency."""
    names = sorted(set(groups))
    k = min(k, len(names))
    if k < 2:
        raise UsageError(f"cross-validation needs photos of at least 2 groups (subjects), got {len(names)}")
    order = [names[i] for i in np.random.default_rng(seed).permutation(len(names))]
    sizes = {g: groups.count(g) for g in names}
    load = [0] * k
    fold_of = {}
    for g in sorted(order, key=lambda g: -sizes[g]):  # largest first: folds come out even
        fold = int(np.argmin(load))
        fold_of[g] = fold
        load[fold] += sizes[g]
    return [fold_of[g] for g in groups]


# --- training and scoring ------------------------------------------------------------------------------------


def _config(base: LearnedSegmenter, settings: FinetuneSettings) -> TrainConfig:
    architecture = base.config["architecture"]
    return TrainConfig(
        arch=architecture["arch"],
        encoder=architecture["encoder"],
        decoder_channels=tuple(architecture["decoder_channels"]),
        input_size=base.input_size,
        crop=min(224, base.input_size // 32 * 32),
        batch_size=8,
        steps=settings.steps,
        lr=settings.learning_rate,
        real_share=1 - settings.synthetic_share,
        seed=settings.seed,
        skin_head=base.has_skin_head,
        train_encoder=settings.train_encoder,
        input_channels=base.config.get("input_channels", "rgb"),
        checkpoint_every=max(1, min(100, settings.steps)),
        validate_every=settings.steps + 1,
    )


def synthetic_anchor(size: int, n: int, seed: int, labels: bool) -> list:
    """The project's own synthetic pairs: lesions in two appearances painted on the public-domain astronaut face
    re-toned across the ITA range, half of them clear faces (needs scikit-image, the ``train`` extra)."""
    from vitiscore.training import data, datasets, skin_tones

    base = datasets.astronaut_base()
    rng = np.random.default_rng(seed)
    pairs = []
    for i in range(n):
        rgb, mask = data.synthesize(
            base,
            rng,
            negative_rate=0.5,
            skin_ita_range=skin_tones.SKIN_ITA_RANGE,
            appearance=("melanin", "milky")[i % 2],
            labels=labels,
        )
        pairs.append(fit_long_side(rgb, mask, size))
    return pairs


def probabilities(network, base: LearnedSegmenter, frames: list[np.ndarray]) -> list[np.ndarray]:
    """Depigmentation probability maps (0-1) of ``frames`` from ``network`` as the scorer runs it."""
    out = []
    for i in range(0, len(frames), 8):
        maps = run_network(
            network, frames[i : i + 8], base.input_size, base._mean, base._std, 0, relative=base.relative
        )
        out += maps
    return out


def dice_at(probs: list[np.ndarray], examples: list[Example], threshold: float) -> np.ndarray:
    """Dice (0-1) of each probability map cut at ``threshold`` against its example's mask, both inside the
    example's area (both empty: 1)."""
    return np.array([agreement((p >= threshold) & e.area, e.mask & e.area).dice for p, e in zip(probs, examples)])


def choose_cut(probs: list[np.ndarray], examples: list[Example], rule: str, clear: dict[float, float]) -> float:
    """The cut of THRESHOLDS for ``probs`` (maps of ``examples``) by ``rule`` (:data:`THRESHOLD_RULES`):
    ``best``, the highest mean Dice (ties to the one nearest 0.5); ``one-se``, the highest cut within one standard
    error of that Dice (:func:`vitiscore.training.loop.choose_threshold`); ``clear-faces``, the highest mean Dice
    among the cuts at which the network marks at most :data:`CLEAR_LIMIT` of the clear synthetic faces' skin
    (``clear``: cut -> that share, from :func:`clear_marks_by_cut`), or the highest cut when none does."""
    if rule not in THRESHOLD_RULES:
        raise UsageError(f"threshold rule must be one of {', '.join(THRESHOLD_RULES)}, got {rule!r}")
    dice = {t: dice_at(probs, examples, t) for t in THRESHOLDS}
    if rule == "clear-faces":
        allowed = [t for t in THRESHOLDS if clear[t] <= CLEAR_LIMIT] or [max(THRESHOLDS)]
        return choose_threshold(dice, allowed)
    return choose_threshold(dice, rule=rule)


def _pairs(examples: list[Example], size: int) -> list:
    return [fit_long_side(e.rgb, e.mask, size) for e in examples]


def fine_tune(base, examples, synthetic, settings, device, run_dir: Path, progress: bool):
    """``base``'s network fine-tuned on ``examples`` (and the ``synthetic`` pairs at the settings' share) in
    ``run_dir`` (log, resumable checkpoints), returned on the CPU in eval mode."""
    config = _config(base, settings)
    start = {k: v.clone() for k, v in base._weights.items()}
    network = train(
        synthetic, _pairs(examples, base.input_size), config, run_dir, progress=progress, initial_weights=start,
        device=device,
    )  # fmt: skip
    return network.to("cpu")


def cross_validate(
    base: LearnedSegmenter,
    examples: list[Example],
    settings: FinetuneSettings,
    work: Path,
    synthetic: list,
    progress: bool = False,
) -> list[dict]:
    """One row per photo: its fold, and the Dice of the base model (at its threshold) and of the model fine-tuned
    on the other folds (at the threshold chosen on those folds) on it, with the out-of-fold probability maps kept
    under ``work`` for the final threshold."""
    device = resolve_device(settings.device)
    folds = group_folds([e.group for e in examples], settings.folds, settings.seed)
    base_network = base.network
    rows = []
    for fold in range(max(folds) + 1):
        held = [e for e, f in zip(examples, folds) if f == fold]
        kept = [e for e, f in zip(examples, folds) if f != fold]
        log.info(
            "fold %d of %d: fine-tuning on %d photos, testing on %d", fold + 1, max(folds) + 1, len(kept), len(held)
        )
        network = fine_tune(base, kept, synthetic, settings, device, work / f"fold-{fold}", progress)
        clear = clear_marks_by_cut(network, base) if settings.threshold_rule == "clear-faces" else {}
        kept_maps = probabilities(network, base, [e.rgb for e in kept])
        threshold = choose_cut(kept_maps, kept, settings.threshold_rule, clear)
        tuned = probabilities(network, base, [e.rgb for e in held])
        own = probabilities(base_network, base, [e.rgb for e in held])
        np.savez_compressed(
            work / f"fold-{fold}" / "held_out.npz", *[np.round(p * 255).astype(np.uint8) for p in tuned]
        )
        for e, b, t in zip(held, dice_at(own, held, base.threshold), dice_at(tuned, held, threshold)):
            rows.append(
                dict(image_id=e.image_id, group=e.group, face=int(e.face), fold=fold, base_dice=b, finetuned_dice=t,
                     fold_threshold=threshold)
            )  # fmt: skip
    return rows


def _held_out_maps(work: Path, examples: list[Example], rows: list[dict]) -> list[np.ndarray]:
    """The out-of-fold probability maps (0-1) in the order of ``examples``."""
    maps = {}
    for fold in sorted({r["fold"] for r in rows}):
        saved = np.load(work / f"fold-{fold}" / "held_out.npz")
        ids = [r["image_id"] for r in rows if r["fold"] == fold]
        for i, image_id in enumerate(ids):
            maps[image_id] = saved[f"arr_{i}"].astype(np.float32) / 255
    return [maps[e.image_id] for e in examples]


def clear_marks_by_cut(network, base: LearnedSegmenter, cuts=THRESHOLDS) -> dict[float, float]:
    """Cut -> mean share (0-1) of skin marked on the project's clear synthetic faces (the astronaut at six skin
    tones, no lesion): false marks."""
    from vitiscore.training import datasets
    from vitiscore.training.skin_tones import BAND_B_STAR, BAND_ITA_EXAMPLES, retone_to_ita

    face = datasets.astronaut_base()
    frames = [retone_to_ita(face.rgb, face.skin, ita, BAND_B_STAR) for ita in BAND_ITA_EXAMPLES]
    probs = probabilities(network, base, frames)
    return {t: float(np.mean([(p >= t)[face.skin].mean() for p in probs])) for t in cuts}


def clear_marks(network, base: LearnedSegmenter, threshold: float) -> float:
    """Mean share (0-1) of skin marked on the clear synthetic faces at ``threshold`` (:func:`clear_marks_by_cut`)."""
    return clear_marks_by_cut(network, base, (threshold,))[threshold]


@dataclass(frozen=True)
class FinetuneResult:
    written: bool
    folder: Path
    cv: list[dict]
    summary: dict


def summarise_cv(rows: list[dict]) -> dict:
    """Mean Dice of base and fine-tuned over the photos (all, and face crops) and per fold."""

    def mean(values):
        return round(float(np.mean(values)), 4) if values else None

    faces = [r for r in rows if r["face"]]
    return dict(
        photos=len(rows),
        groups=len({r["group"] for r in rows}),
        folds=len({r["fold"] for r in rows}),
        base_dice=mean([r["base_dice"] for r in rows]),
        finetuned_dice=mean([r["finetuned_dice"] for r in rows]),
        face_photos=len(faces),
        base_dice_faces=mean([r["base_dice"] for r in faces]),
        finetuned_dice_faces=mean([r["finetuned_dice"] for r in faces]),
        better=int(sum(r["finetuned_dice"] > r["base_dice"] + 0.01 for r in rows)),
        worse=int(sum(r["finetuned_dice"] < r["base_dice"] - 0.01 for r in rows)),
        per_fold=[
            dict(
                fold=f,
                photos=int(sum(r["fold"] == f for r in rows)),
                base_dice=mean([r["base_dice"] for r in rows if r["fold"] == f]),
                finetuned_dice=mean([r["finetuned_dice"] for r in rows if r["fold"] == f]),
            )
            for f in sorted({r["fold"] for r in rows})
        ],
    )


def finetune(
    base: LearnedSegmenter,
    examples: list[Example],
    folder: str | Path,
    settings: FinetuneSettings | None = None,
    force: bool = False,
    progress: bool = False,
    grouped: bool = True,
    source: str = "",
    synthetic_pairs: int = SYNTHETIC_PAIRS,
) -> FinetuneResult:
    """Cross-validate, then (unless the fine-tuned model is worse than ``base`` and not ``force``) fine-tune on
    every example and write a complete model folder to ``folder``: config, float16 safetensors weights with their
    SHA-256, thresholds and a generated model card. Work files (logs, checkpoints, the CV table) go to
    ``folder/finetune``; an interrupted run resumes from its checkpoints when run again with the same photos and
    settings.

    Raises:
        ValueError: bad settings, fewer than 2 groups, or ``folder`` holds another model.
    """
    from vitiscore.training.loop import model_config
    from vitiscore.training.model_folder import save_model_folder

    settings = settings or FinetuneSettings()
    folder = Path(folder)
    work = folder / WORK_DIR
    plan = dict(settings=asdict(settings), base=base.sha256, masks=masks_sha256(examples), grouped=grouped,
                groups={e.image_id: e.group for e in examples})  # fmt: skip
    plan_file = work / "plan.json"
    if (folder / "config.json").is_file() and not (plan_file.is_file() and json.loads(plan_file.read_text()) == plan):
        raise UsageError(f"{folder} already holds a model: give a new folder for the fine-tuned one")
    if plan_file.is_file() and json.loads(plan_file.read_text()) != plan:
        log.info("%s holds an interrupted fine-tuning of other photos or settings: starting afresh", work)
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    files_mod.write_json(plan_file, plan)

    synthetic = synthetic_anchor(base.input_size, synthetic_pairs, settings.seed, base.has_skin_head)
    rows = cross_validate(base, examples, settings, work, synthetic, progress)
    files_mod.write_csv(work / "cv.csv", rows, list(rows[0]))
    summary = summarise_cv(rows)
    log.info(
        "cross-validated Dice on %d photos (%d groups, %d folds): base %.3f, fine-tuned %.3f",
        summary["photos"], summary["groups"], summary["folds"], summary["base_dice"], summary["finetuned_dice"],
    )  # fmt: skip
    worse = summary["finetuned_dice"] < summary["base_dice"]
    if worse and not force:
        files_mod.write_json(work / "summary.json", summary)
        return FinetuneResult(False, folder, rows, summary)

    device = resolve_device(settings.device)
    network = fine_tune(base, examples, synthetic, settings, device, work / "final", progress)
    clear = clear_marks_by_cut(network, base)
    threshold = choose_cut(_held_out_maps(work, examples, rows), examples, settings.threshold_rule, clear)
    summary["threshold"] = threshold
    summary["clear_marks_base"] = round(clear_marks(base.network, base, base.threshold), 4)
    summary["clear_marks_finetuned"] = round(clear[threshold], 4)
    config = _config(base, settings)
    model_id = folder.name
    training = dict(
        method="vitiscore finetune",
        base_model=base.model_id,
        base_sha256=base.sha256,
        photos=len(examples),
        groups=len({e.group for e in examples}),
        masks_sha256=plan["masks"],
        source=source,
        settings=asdict(settings),
        device=device,
        synthetic_pairs=len(synthetic),
        date=dt.date.today().isoformat(),
        cross_validation=summary,
        forced=bool(worse and force),
    )
    sha = save_model_folder(
        network,
        {**model_config(config, model_id, training), "base_model": base.model_id},
        {"threshold": threshold, "rule": f"{RULE_TEXT[settings.threshold_rule]} (vitiscore finetune)"},
        folder,
    )
    summary["weights_sha256"] = sha
    rule = RULE_TEXT[settings.threshold_rule]
    (folder / "README.md").write_text(model_card(model_id, base, examples, settings, summary, grouped, training, rule))
    files_mod.write_json(work / "summary.json", summary)
    for checkpoint in work.glob("*/checkpoint.pt"):
        checkpoint.unlink()  # the weights are written; a resume is no longer needed
    return FinetuneResult(True, folder, rows, summary)
