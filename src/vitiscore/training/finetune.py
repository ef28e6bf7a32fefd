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
import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from vitiscore import io as io_mod
from vitiscore.agreement.masks import agreement
from vitiscore.errors import UsageError
from vitiscore.face.facial_area import crop_to_frame
from vitiscore.io.masks import mask_set, read_labels, read_mask
from vitiscore.measure.mask_score import frame_of
from vitiscore.segment.finetuning import THRESHOLD_RULES, FinetuneSettings
from vitiscore.segment.learned import LearnedSegmenter, resolve_device, run_network
from vitiscore.training.loop import TrainConfig, choose_threshold, fit_long_side, train

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


@dataclass(frozen=True)
class Example:
    """One training photo: ``rgb`` the frame the model trains on ((h, w, 3) uint8: the face crop, or the whole
    photo), ``mask`` its depigmented pixels ((h, w) bool), ``area`` where the mask is scored and compared ((h, w)
    bool: the facial area of a face crop, all of a whole photo), ``group`` the subject, ``face`` whether the frame
    is a face crop, ``mask_sha256`` the hash of the mask file it came from."""

    image_id: str
    rgb: np.ndarray
    mask: np.ndarray
    area: np.ndarray
    group: str
    face: bool
    mask_sha256: str


# --- the study's photos -------------------------------------------------------------------------------------


def read_groups(path: str | Path) -> dict[str, str]:
    """image id -> group from a CSV with the columns ``image_id`` and ``group``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a column is missing, a cell is empty, or an image id is listed twice with different groups.
    """
    columns, rows = io_mod.read_table_csv(path, "groups")
    if not {"image_id", "group"} <= set(columns):
        raise UsageError(f"groups file {path} needs the columns image_id and group (it has: {', '.join(columns)})")
    groups: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        image_id, group = row.get("image_id", ""), row.get("group", "")
        if not image_id or not group:
            raise UsageError(f"groups file {path} line {line}: empty image_id or group")
        if groups.setdefault(image_id, group) != group:
            raise UsageError(f"groups file {path} line {line}: {image_id!r} is already in group {groups[image_id]!r}")
    return groups


def _group_of(image_id: str, groups: dict[str, str] | None) -> str:
    if groups is None:
        return image_id
    if image_id not in groups:
        raise UsageError(f"the groups file has no row for the photo {image_id!r}: every photo needs its subject")
    return groups[image_id]


def face_frame(rgb: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(frame, its mask, its scored area, whether it is a face crop): the face-aligned crop the scorer would cut
    from ``rgb`` (after turning it upright) with its facial area, or the whole photo when no face is found."""
    from vitiscore import face as face_mod

    turns = face_mod.upright_turns(rgb)
    if turns:
        rgb, mask = np.ascontiguousarray(np.rot90(rgb, turns)), np.ascontiguousarray(np.rot90(mask, turns))
    try:
        landmarks = face_mod.locate(rgb)
        facial = face_mod.region(rgb, landmarks)
    except (face_mod.NoFaceError, ValueError):
        return rgb, mask, np.ones(mask.shape, bool), False
    frame_mask = crop_to_frame(mask.astype(np.uint8), facial.box, facial.scale, interpolation=cv2.INTER_NEAREST)
    return facial.crop, frame_mask > 0, facial.mask, True


def examples_from_masks(
    inputs, mask_dir, groups: dict[str, str] | None = None, max_pixels: int = io_mod.DEFAULT_MAX_PIXELS
) -> list[Example]:
    """The photos of ``inputs`` that have a mask in ``mask_dir`` (as for ``vitiscore score --masks``).

    Raises:
        ValueError: no photo has a mask, a mask is not its photo's size, or a photo is missing from ``groups``.
        FileNotFoundError: an input or ``mask_dir`` does not exist.
    """
    masks = mask_set(mask_dir)
    paths = io_mod.discover_photos(list(inputs), exclude=[mask_dir])
    ids = io_mod.image_ids(paths)
    missing = [i for i in ids if i not in masks.files]
    if missing:
        log.warning("%d photos have no mask in %s and are left out (e.g. %s)", len(missing), mask_dir, missing[0])
    out = []
    for path, image_id in zip(paths, ids):
        if image_id not in masks.files:
            continue
        rgb = io_mod.load_photo(path, max_pixels).rgb
        mask = read_mask(masks.files[image_id])
        if mask.shape != rgb.shape[:2]:
            raise UsageError(
                f"the mask of {image_id} is {mask.shape[1]}x{mask.shape[0]} px and the photo {rgb.shape[1]}x"
                f"{rgb.shape[0]} px (after its EXIF orientation)"
            )
        frame, frame_mask, area, face = face_frame(rgb, mask)
        group = _group_of(image_id, groups)
        out.append(Example(image_id, frame, frame_mask, area, group, face, masks.file_sha256(image_id)))
    if not out:
        raise UsageError(f"no photo of the inputs has a mask in {mask_dir}")
    return out


def examples_from_reviewed(out_dirs, groups: dict[str, str] | None = None) -> list[Example]:
    """The photos a rater reviewed (saved a mask for) in the review runs ``out_dirs``, on the run's own face crop;
    excluded, unreviewed and invalid reviews are left out.

    Raises:
        ValueError: a folder holds no finished score run, or no photo was reviewed.
    """
    from vitiscore.review import log as review_log
    from vitiscore.review.masks import frame_labels
    from vitiscore.review.refine import analysis_frame

    out = []
    for out_dir in map(Path, out_dirs):
        rows = [r for r in review_log.model_rows(out_dir) if r.get("status") == "ok"]
        states = review_log.reviews(out_dir, rows)
        left = {}
        for row in rows:
            state = states.get(row["image_id"])
            name = state.state if state else "unreviewed"
            if name != "reviewed":
                left[name] = left.get(name, 0) + 1
                continue
            mask = read_mask(state.mask)
            box, scale = frame_of(row)
            frame = analysis_frame(out_dir, row)
            frame_mask = crop_to_frame(mask.astype(np.uint8), box, scale, interpolation=cv2.INTER_NEAREST) > 0
            area = frame_labels(read_labels(out_dir / row["mask_units"]), box, scale) > 0
            if not frame_mask.shape == area.shape == frame.shape[:2]:
                raise UsageError(f"{out_dir}: the reviewed mask of {row['image_id']} does not fit its crop")
            group = _group_of(row["image_id"], groups)
            sha = io_mod.file_sha256(state.mask)
            out.append(Example(row["image_id"], frame, frame_mask, area, group, True, sha))
        for state, n in left.items():
            log.info("%s: %d %s photos left out", out_dir, n, state)
    if not out:
        raise UsageError("no reviewed photo in " + ", ".join(map(str, out_dirs)) + " (review them first)")
    return out


def masks_sha256(examples: list[Example]) -> str:
    """One hash over every training mask (by image id), for the model card."""
    text = "\n".join(f"{e.image_id} {e.mask_sha256}" for e in sorted(examples, key=lambda e: e.image_id))
    return hashlib.sha256(text.encode()).hexdigest()


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
        checkpoint_every=max(1, min(100, settings.steps)),
        validate_every=settings.steps + 1,
    )


def synthetic_anchor(size: int, n: int, seed: int, labels: bool) -> list:
    """The project's own synthetic pairs: lesions in two appearances painted on the public-domain astronaut face
    re-toned across the ITA range, half of them clear faces (needs scikit-image, the ``train`` extra)."""
    from vitiscore.training import data, datasets

    base = datasets.astronaut_base()
    rng = np.random.default_rng(seed)
    pairs = []
    for i in range(n):
        rgb, mask = data.synthesize(
            base,
            rng,
            negative_rate=0.5,
            skin_ita_range=data.SKIN_ITA_RANGE,
            appearance=("melanin", "milky")[i % 2],
            labels=labels,
        )
        pairs.append(fit_long_side(rgb, mask, size))
    return pairs


def probabilities(network, base: LearnedSegmenter, frames: list[np.ndarray]) -> list[np.ndarray]:
    """Depigmentation probability maps (0-1) of ``frames`` from ``network`` as the scorer runs it."""
    out = []
    for i in range(0, len(frames), 8):
        maps = run_network(network, frames[i : i + 8], base.input_size, base._mean, base._std, channel=0)
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
    from vitiscore.training import data, datasets

    face = datasets.astronaut_base()
    frames = [data.retone_to_ita(face.rgb, face.skin, ita, data.BAND_B_STAR) for ita in data.BAND_ITA_EXAMPLES]
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
    io_mod.write_json(plan_file, plan)

    synthetic = synthetic_anchor(base.input_size, synthetic_pairs, settings.seed, base.has_skin_head)
    rows = cross_validate(base, examples, settings, work, synthetic, progress)
    io_mod.write_csv(work / "cv.csv", rows, list(rows[0]))
    summary = summarise_cv(rows)
    log.info(
        "cross-validated Dice on %d photos (%d groups, %d folds): base %.3f, fine-tuned %.3f",
        summary["photos"], summary["groups"], summary["folds"], summary["base_dice"], summary["finetuned_dice"],
    )  # fmt: skip
    worse = summary["finetuned_dice"] < summary["base_dice"]
    if worse and not force:
        io_mod.write_json(work / "summary.json", summary)
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
    (folder / "README.md").write_text(model_card(model_id, base, examples, settings, summary, grouped, training))
    io_mod.write_json(work / "summary.json", summary)
    for checkpoint in work.glob("*/checkpoint.pt"):
        checkpoint.unlink()  # the weights are written; a resume is no longer needed
    return FinetuneResult(True, folder, rows, summary)


def model_card(model_id, base, examples, settings, summary, grouped: bool, training: dict) -> str:
    """The generated model card (Markdown) of a fine-tuned model."""
    folds = "\n".join(
        f"| {f['fold'] + 1} | {f['photos']} | {f['base_dice']:.3f} | {f['finetuned_dice']:.3f} |"
        for f in summary["per_fold"]
    )
    faces = (
        f"- Face crops ({summary['face_photos']} photos): base {summary['base_dice_faces']:.3f}, fine-tuned "
        f"{summary['finetuned_dice_faces']:.3f}.\n"
        if summary["face_photos"]
        else ""
    )
    caveat = (
        ""
        if grouped
        else "\n**No groups were given**: each photo was its own group, so photos of one person may sit on both "
        "sides of a split and the figures above may be optimistic. Give `--groups` (image_id, group).\n"
    )
    forced = (
        "\n**Written with `--force` although its cross-validated Dice is below its base's.**\n"
        if training["forced"]
        else ""
    )
    return f"""# {model_id}

A fine-tuned vitiscore depigmentation model, made by `vitiscore finetune` on {training["date"]}.
Use it with `--model PATH/{model_id}` in every command.

- **Base model:** `{base.model_id}` (weights SHA-256 `{base.sha256}`).
- **Training photos:** {len(examples)} in {summary["groups"]} groups; {sum(e.face for e in examples)} trained on the
  face crop the scorer uses, {sum(not e.face for e in examples)} on the whole photo (no face found). Masks:
  {training["source"] or "given"}; SHA-256 over every mask: `{training["masks_sha256"]}`.
- **Recipe:** {settings.steps} steps from the base weights ({
        "all of them trained" if settings.train_encoder else "the encoder kept as it was, the decoder and head trained"
    }), batch 8, peak learning rate {settings.learning_rate:g}
  (one-cycle), seed {settings.seed}, device {training["device"]}; {100 * settings.synthetic_share:.0f} % of every
  batch is the project's synthetic pairs on the public-domain astronaut face (half of them clear faces), so that
  the base model's knowledge of clear skin does not drift.
- **Threshold:** {summary["threshold"]:.2f} ({RULE_TEXT[settings.threshold_rule]}).
- **Weights:** float16 safetensors, SHA-256 `{summary.get("weights_sha256", "")}` (checked at every load).

## Cross-validated Dice (group {summary["folds"]}-fold, on the training photos' own masks)

Each fold's photos were segmented by the base model (at its own threshold) and by a model fine-tuned on the
other folds (at the threshold chosen on those folds).

- All photos: base **{summary["base_dice"]:.3f}**, fine-tuned **{summary["finetuned_dice"]:.3f}**; better on
  {summary["better"]}, worse on {summary["worse"]} (by more than 0.01).
{faces}- Clear synthetic faces, share of skin marked: base {summary.get("clear_marks_base", float("nan")):.4f},
  fine-tuned {summary.get("clear_marks_finetuned", float("nan")):.4f}.

| fold | photos | base | fine-tuned |
|---|---|---|---|
{folds}
{caveat}{forced}
## Limits

These figures come from the study's own photos and masks: a model fine-tuned on one camera, light and population
is measured on those. Check it on photos it was not fine-tuned on before relying on it elsewhere. In masks from a
review run only the facial area was drawn; the rest of each crop was trained as not depigmented.
"""
