"""Train the learned depigmentation model and export it as a model folder.

    python -m research.train DATA_DIR -o RUN_DIR [--export MODEL_FOLDER] [--steps N] [--synthetic N]

DATA_DIR holds the research data sets (see their README): vitiligo_real/, faces_fasseg/, skin_pratheepan/ and
lesion_shapes/. What is used for what:

- Synthetic pairs are painted on FASSEG frontal *train* faces, all FASSEG multipose faces, 80 % of Pratheepan
  (by file name hash) and the astronaut. FASSEG frontal *test* faces and the other 20 % of Pratheepan are never
  seen in training.
- Real photos: vitiligo_real split by source_group (datasets.split_real, 25 % of groups for validation). The
  training groups are mixed into every batch (real_share); the validation groups' Dice is logged during
  training, but they never change the weights.
- The threshold is chosen after training, by mean Dice over the real validation photos together with as many
  synthetic pairs painted on half of the FASSEG frontal test faces (the other half is evaluate.py's synthetic
  test): one cut that serves faces and whole photos. With --max-clear-fp F, only cuts that mark at most a
  share F of the skin of the same held-out faces *without lesions* (one tone per ITA band) qualify: an operating
  point at a required specificity, because a few per cent of a clear face marked is enough to turn an F-VASI90
  responder into a non-responder. (0.01 of the face is 0.03 F-VASI at 3 HU, under the 0.05 that the trials'
  lowest baseline, 0.5, leaves an F-VASI90 responder; the shipped model used 0.03, which keeps a full clearance
  from that baseline an F-VASI75 responder, reading about 82 % better.) When no cut qualifies, the most specific
  one is taken and a warning logged. With --threshold-rule one-se, the most specific cut whose Dice is within one
  standard error of the best is taken instead of the best (vitiscore.training.loop.choose_threshold says why).

The run folder gets config.json, log.csv and checkpoint.pt; run it again with the same arguments to resume.
With several seeds (--seed 3 4 5) each seed's run gets its own folder RUN_DIR/seed-N, and the result is the mean
of their weights (RUN_DIR/weights.safetensors; docs/experiments/ says what averaging gained). With
--export, the final network (with --ema-decay, the moving average of its weights) is written with its threshold
tuned on the validation groups.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from vitiscore.agreement.masks import agreement
from vitiscore.segment.learned import run_network
from vitiscore.segment.relative_colour import INPUT_CHANNELS
from vitiscore.training import datasets
from vitiscore.training.appearance import APPEARANCES, lesion_bank
from vitiscore.training.averaging import average_weights
from vitiscore.training.batches import IMAGENET_MEAN, IMAGENET_STD, fit_long_side
from vitiscore.training.config import TrainConfig, check_crop, check_ema_decay, encoder_names
from vitiscore.training.contrast import fit_contrast, measure_contrasts
from vitiscore.training.data import NEGATIVE_RATE, jpeg_roundtrip, resized_base, synthesize
from vitiscore.training.lesion_shapes import load_shape_model
from vitiscore.training.loop import THRESHOLD_RULES, choose_threshold, float32_only, model_config, train
from vitiscore.training.model_folder import save_model_folder, storage_state
from vitiscore.training.pretrained import PRETRAINED_ENCODERS
from vitiscore.training.skin_tones import BAND_B_STAR, BAND_ITA_EXAMPLES, retone_to_ita

THRESHOLD_GRID = np.round(np.arange(0.2, 0.951, 0.05), 2)


def synthetic_pairs(
    data_dir: Path,
    n: int,
    size: int,
    seed: int,
    validation: bool = False,
    pale_scenery_rate: float = 0.0,
    skin_ita_range: tuple[float, float] | None = None,
    negative_rate: float = NEGATIVE_RATE,
    light_hair_rate: float = 0.0,
    appearances: tuple[str, ...] = ("melanin",),
    bank=None,
    labels: bool = False,
    robust: bool = False,
    contrast=None,
):
    """Synthetic training pairs, or with ``validation`` pairs painted (every one with lesions) on the
    threshold-validation half of the FASSEG frontal test faces, which neither training nor the synthetic test of
    research/evaluate.py uses. ``pale_scenery_rate``, ``skin_ita_range``, ``negative_rate``, ``light_hair_rate``
    (training pairs only): see :func:`vitiscore.training.data.synthesize`. Each pair's lesions look like one of
    ``appearances`` (:mod:`vitiscore.training.appearance`, drawn in equal shares; the "transplant" appearance takes
    its lesions from ``bank``, "contrast" its colours from ``contrast``). ``labels`` (training pairs only) gives
    label maps for a skin head; ``robust`` adds the robustness suite's changes to the capture variety."""
    shapes = load_shape_model(data_dir / "lesion_shapes" / "distribution-40-new.mat")
    fasseg = data_dir / "faces_fasseg"
    if validation:
        bases = datasets.fasseg_frontal_test_halves(fasseg)[0]
    else:
        pratheepan_train, _ = datasets.pratheepan(data_dir / "skin_pratheepan")
        bases = (
            datasets.fasseg_frontal(fasseg, "train")
            + datasets.fasseg_multipose(fasseg)
            + pratheepan_train
            + [datasets.astronaut_base()]
        )
    rng = np.random.default_rng(seed)
    bases = [resized_base(b, round(size * 1.25)) for b in bases]
    pairs = []
    for _i in range(n):
        base = bases[rng.integers(len(bases))]
        # No draw for a single appearance, so that pairs made before appearances existed are made again unchanged.
        appearance = appearances[rng.integers(len(appearances))] if len(appearances) > 1 else appearances[0]
        pairs.append(
            fit_long_side(
                *synthesize(
                    base,
                    rng,
                    shapes,
                    negative_rate=0.0 if validation else negative_rate,
                    pale_scenery_rate=pale_scenery_rate,
                    skin_ita_range=skin_ita_range,
                    light_hair_rate=0.0 if validation else light_hair_rate,
                    appearance=appearance,
                    bank=bank,
                    labels=labels and not validation,
                    robust=robust and not validation,
                    contrast=contrast,
                ),
                size,
            )
        )
    return pairs, len(bases)


def clear_faces(data_dir: Path, size: int) -> list:
    """(rgb, skin) of the threshold-validation half of the FASSEG frontal test faces at one tone per ITA band
    (BAND_ITA_EXAMPLES), without lesions and saved as JPEG (quality 92): whatever is marked on their skin is a
    false positive."""
    faces = datasets.fasseg_frontal_test_halves(data_dir / "faces_fasseg")[0]
    return [
        fit_long_side(jpeg_roundtrip(retone_to_ita(f.rgb, f.skin, ita, BAND_B_STAR), 92), f.skin, size)
        for f in faces
        for ita in BAND_ITA_EXAMPLES
    ]


def marked_share(probs, pairs, threshold: float) -> float:
    """Mean share (0-1) of each pair's mask (the skin of a clear face) marked at ``threshold``."""
    return float(np.mean([(p >= threshold)[m].mean() for p, (_, m) in zip(probs, pairs)]))


def real_pairs(records, size: int):
    return [fit_long_side(*datasets.load_real(r), size) for r in records]


def probability_maps(network, pairs, config: TrainConfig) -> list:
    """The network's probability map of each pair's image, eight images per batch, as the exported model
    will compute it (for a whole photo: colour relative to the skin of the whole image)."""
    mean = np.asarray(IMAGENET_MEAN, np.float32) * 255
    std = np.asarray(IMAGENET_STD, np.float32) * 255
    relative = config.input_channels != "rgb"
    probs = []
    for i in range(0, len(pairs), 8):
        chunk = [p[0] for p in pairs[i : i + 8]]
        probs += run_network(network, chunk, config.input_size, mean, std, relative=relative)
    return probs


def dice_by_image(probs, pairs, threshold: float = 0.5) -> np.ndarray:
    return np.array([agreement(p >= threshold, m).dice for p, (_, m) in zip(probs, pairs)])


def mean_dice(probs, pairs, threshold: float = 0.5) -> float:
    return float(dice_by_image(probs, pairs, threshold).mean())


def tune_threshold(probs, pairs, clear_probs=None, clear=None, max_clear_fp: float | None = None, rule: str = "best"):
    """(threshold, mean Dice by threshold, clear-face marked share by threshold or None): the threshold of
    THRESHOLD_GRID that ``rule`` picks (:func:`vitiscore.training.loop.choose_threshold`); when ``max_clear_fp``
    is given, among those that mark at most that share of the clear faces' skin, or the most specific
    threshold when none does."""
    per_image = {float(t): dice_by_image(probs, pairs, t) for t in THRESHOLD_GRID}
    table = {t: float(d.mean()) for t, d in per_image.items()}
    allowed = list(table)
    fp_table = None
    if max_clear_fp is not None:
        fp_table = {t: marked_share(clear_probs, clear, t) for t in table}
        allowed = [t for t in table if fp_table[t] <= max_clear_fp]
        if not allowed:
            logging.warning(
                "no threshold marks at most %.3f of clear skin (the most specific marks %.3f)",
                max_clear_fp,
                fp_table[max(table)],
            )
            allowed = [max(table)]
    return choose_threshold(per_image, allowed, rule), table, fp_table


def initial_weights(path: Path | None) -> dict | None:
    if path is None:
        return None
    if (path / "checkpoint.pt").is_file():
        import torch

        saved = torch.load(path / "checkpoint.pt", weights_only=True)
        return saved.get("average", saved["network"])  # a run with --ema-decay returned its average
    from safetensors.torch import load_file

    return load_file(str(path / "weights.safetensors"))


def train_seeds(
    synthetic, real, config: TrainConfig, seeds: list[int], run_dir: Path, start: dict | None = None, **train_options
):
    """Train one run per seed (a single seed: in ``run_dir`` itself, as training.train; several: in
    ``run_dir/seed-N``, each resumable on its own) from the same ``start`` weights and data, and return the
    network holding the mean of their weights (training.average_weights). Several seeds also write the mean, in
    float32, to ``run_dir/weights.safetensors``, so that ``--init run_dir`` starts a later stage from it."""
    if len(seeds) == 1:
        return train(synthetic, real, replace(config, seed=seeds[0]), run_dir, initial_weights=start, **train_options)
    from safetensors.torch import save_file

    states = []
    for seed in seeds:
        logging.info("run %d of %d: seed %d", len(states) + 1, len(seeds), seed)
        network = train(
            synthetic,
            real,
            replace(config, seed=seed),
            run_dir / f"seed-{seed}",
            initial_weights=start,
            **train_options,
        )
        states.append({k: v.detach().to("cpu", copy=True) for k, v in network.state_dict().items()})
    mean = average_weights(states)
    save_file({k: v.contiguous() for k, v in mean.items()}, str(run_dir / "weights.safetensors"))
    network.load_state_dict(mean)
    return network


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True, help="run folder (log, checkpoint)")
    parser.add_argument("--export", type=Path, help="write the trained model folder here")
    parser.add_argument("--model-id", default="unet-mobilenetv2-v1")
    parser.add_argument("--steps", type=int, default=TrainConfig.steps)
    parser.add_argument("--synthetic", type=int, default=2000, help="number of synthetic pairs")
    parser.add_argument(
        "--seed",
        type=int,
        nargs="+",
        default=[0],
        help="one seed, or several: then one run per seed (RUN_DIR/seed-N) from the same start "
        "and synthetic pairs (drawn with the first seed), each of --steps steps, and the "
        "model is the mean of their weights (training.average_weights)",
    )
    parser.add_argument(
        "--encoder",
        default=TrainConfig.encoder,
        help="the U-Net's smp encoder, built without pretrained weights. The shipped models use "
        "mobilenet_v2; resnet18 (3 times the parameters, 1.5 times the training step and "
        "1.75 times the inference time on 2 threads) was tried as a diagnostic and did no "
        "better (docs/experiments/2026-11-training-log.md). A stage started with --init needs the same "
        "encoder",
    )
    parser.add_argument(
        "--crop",
        type=int,
        default=TrainConfig.crop,
        help="side (pixels) of the square training crops, a multiple of 32. The shipped recipe uses "
        "224; a step at 192 took 0.45 s against 0.70 s on 2 threads "
        "(docs/experiments/2026-11-training-log.md)",
    )
    parser.add_argument(
        "--ema-decay",
        type=float,
        default=TrainConfig.ema_decay,
        help="0 (off, v4 and earlier) or the decay (0-1) of a moving average of the weights that "
        "becomes the run's result, e.g. 0.995 (about the last 200 steps)",
    )
    parser.add_argument(
        "--dice-lesion-images-only",
        action="store_true",
        help="soft Dice over the batch's images with a lesion only; clear images get BCE alone "
        "(v4 and earlier: Dice on every image, which punishes a clear image's last few "
        "marked pixels hardest)",
    )
    parser.add_argument(
        "--bf16",
        action="store_true",
        help="forward pass of each training step in bfloat16 autocast (weights, loss and validation "
        "stay float32): about 0.78 of the step time on CPUs with bfloat16 instructions, for "
        "0.000-0.003 more synthetic MAE in three paired runs (docs/experiments/2026-11-training-log.md); "
        "v4 and earlier trained in float32",
    )
    parser.add_argument(
        "--appearances",
        nargs="+",
        choices=[*APPEARANCES, "contrast"],
        default=["melanin"],
        help="how synthetic lesions look (vitiscore.training.appearance), in equal shares; 'transplant' moves "
        "lesions of the real training photos onto faces; 'contrast' colours them by the lesion-minus-surround "
        "contrast fitted on the real training photos (vitiscore.training.contrast). v4 and earlier: melanin only",
    )
    parser.add_argument(
        "--pretrained-encoder",
        action="store_true",
        help="start the encoder from ImageNet weights shipped in a registry package "
        "(vitiscore.training.pretrained; encoder tu-tf_efficientnet_lite0)",
    )
    parser.add_argument(
        "--skin-head",
        action="store_true",
        help="a second output channel that learns where skin is, so that vitiscore segment counts only skin",
    )
    parser.add_argument(
        "--input-channels",
        choices=INPUT_CHANNELS,
        default="rgb",
        help="rgb (v4 and earlier), or rgb+relative-lab: three more channels, each pixel's colour relative to "
        "the patient's skin (vitiscore.segment.relative_colour); --init from an RGB model starts the new "
        "channels' weights at zero",
    )
    parser.add_argument(
        "--robust-capture",
        action="store_true",
        help="add the robustness suite's changes (colour temperature, exposure, resolution) to the synthetic "
        "pairs' capture variety (vitiscore.training.data.robust_capture)",
    )
    parser.add_argument(
        "--real-share", type=float, default=TrainConfig.real_share, help="probability that a batch item is a real photo"
    )
    parser.add_argument("--lr", type=float, default=TrainConfig.lr, help="peak learning rate")
    parser.add_argument(
        "--negative-rate",
        type=float,
        default=NEGATIVE_RATE,
        help="share of synthetic training pairs with no lesion, only look-alikes (0-1)",
    )
    parser.add_argument(
        "--pale-scenery-rate",
        type=float,
        default=0.0,
        help="share of synthetic training pairs whose scenery becomes a pale backdrop (0-1)",
    )
    parser.add_argument(
        "--light-hair-rate",
        type=float,
        default=0.0,
        help="share of synthetic training pairs whose hair (FASSEG faces) turns blond or grey (0-1)",
    )
    parser.add_argument(
        "--skin-ita-range",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="re-tone synthetic skin to an ITA (degrees) drawn from this range, e.g. -55 65 "
        "(all six bands); without it, to a lightness, as the first models were trained",
    )
    parser.add_argument(
        "--max-clear-fp",
        type=float,
        help="choose the threshold among those that mark at most this share (0-1) of clear "
        "held-out faces' skin, e.g. 0.03 (the shipped model); without it, by Dice alone",
    )
    parser.add_argument(
        "--threshold-rule",
        choices=THRESHOLD_RULES,
        default="best",
        help="best: the cut of highest validation Dice (v4 and earlier); one-se: the most specific "
        "cut within one standard error of that Dice (vitiscore.training.loop.choose_threshold)",
    )
    parser.add_argument(
        "--init",
        type=Path,
        help="start from this stage's weights: a run folder "
        "(its checkpoint.pt) or a model folder (weights.safetensors)",
    )
    parser.add_argument("--no-resume", action="store_true")
    parser.add_argument(
        "--device", default="cpu", help="where the network trains: cpu (the recipe's reference), or cuda where a GPU is"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if len(set(args.seed)) < len(args.seed):
        parser.error(f"--seed: each seed once, got {args.seed}")
    if args.encoder not in encoder_names():
        parser.error(f"--encoder: unknown smp encoder {args.encoder!r} (e.g. mobilenet_v2, resnet18)")
    config = replace(
        TrainConfig(),
        encoder=args.encoder,
        steps=args.steps,
        seed=args.seed[0],
        real_share=args.real_share,
        lr=args.lr,
        crop=args.crop,
        ema_decay=args.ema_decay,
        dice_lesion_images_only=args.dice_lesion_images_only,
        bf16=args.bf16,
        pretrained_encoder=args.pretrained_encoder,
        skin_head=args.skin_head,
        input_channels=args.input_channels,
    )
    if args.pretrained_encoder and args.encoder not in PRETRAINED_ENCODERS:
        parser.error(f"--pretrained-encoder: shipped weights exist for {', '.join(PRETRAINED_ENCODERS)} only")
    for option, check in (("--crop", check_crop), ("--ema-decay", check_ema_decay)):
        try:
            check(config)  # before minutes of synthesis
        except ValueError as error:
            parser.error(f"{option}: {error}")
    started = time.perf_counter()
    ita_range = tuple(args.skin_ita_range) if args.skin_ita_range else None
    train_records, val_records = datasets.split_real(datasets.read_real_index(args.data_dir / "vitiligo_real"))
    appearances = tuple(dict.fromkeys(args.appearances))
    bank = lesion_bank(datasets.load_real(r) for r in train_records) if "transplant" in appearances else None
    contrast = None
    if "contrast" in appearances:
        contrast = fit_contrast(measure_contrasts(datasets.load_real(r) for r in train_records))
        logging.info(
            "contrast of %d real training lesions: dL* = %.1f %+.3f x surrounding L*",
            len(contrast.residuals),
            contrast.intercept,
            contrast.slope,
        )
    synthetic, n_bases = synthetic_pairs(
        args.data_dir,
        args.synthetic,
        config.input_size,
        config.seed,
        pale_scenery_rate=args.pale_scenery_rate,
        skin_ita_range=ita_range,
        negative_rate=args.negative_rate,
        light_hair_rate=args.light_hair_rate,
        appearances=appearances,
        bank=bank,
        labels=args.skin_head,
        robust=args.robust_capture,
        contrast=contrast,
    )
    real_train = real_pairs(train_records, config.input_size)
    real_val = real_pairs(val_records, config.input_size)
    logging.info(
        "%d synthetic pairs from %d base photos, %d real training and %d validation photos (%.0f s)",
        len(synthetic),
        n_bases,
        len(real_train),
        len(real_val),
        time.perf_counter() - started,
    )
    # Threshold tuning runs on the same device as training, and in float32 there too.
    with float32_only(args.device):
        network = train_seeds(
            synthetic,
            real_train,
            config,
            args.seed,
            args.out,
            validate=lambda net: mean_dice(probability_maps(net, real_val, config), real_val),
            resume=not args.no_resume,
            progress=sys.stderr.isatty(),
            start=initial_weights(args.init),
            device=args.device,
        )
        # Tune the threshold on the weights exactly as they will be stored.
        network.load_state_dict(storage_state(network))
        # The threshold serves faces (synthetic validation) and whole real photos (validation groups) alike.
        synthetic_val, _ = synthetic_pairs(
            args.data_dir,
            len(real_val),
            config.input_size,
            config.seed + 1,
            validation=True,
            skin_ita_range=ita_range,
            appearances=appearances,
            bank=bank,
            contrast=contrast,
        )
        real_probs = probability_maps(network, real_val, config)
        synthetic_probs = probability_maps(network, synthetic_val, config)
        clear = clear_faces(args.data_dir, config.input_size) if args.max_clear_fp is not None else None
        clear_probs = probability_maps(network, clear, config) if clear else None
        threshold, table, fp_table = tune_threshold(
            real_probs + synthetic_probs,
            real_val + synthetic_val,
            clear_probs,
            clear,
            args.max_clear_fp,
            args.threshold_rule,
        )
    summary = {
        "threshold": threshold,
        "threshold_rule": args.threshold_rule,
        "validation_dice_by_threshold": table,
        "clear_face_marked_share_by_threshold": fp_table,
        "real_validation_dice_at_threshold": mean_dice(real_probs, real_val, threshold),
        "seeds": args.seed,
        "minutes": round((time.perf_counter() - started) / 60, 1),
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    logging.info("threshold %.2f gives validation Dice %.3f", threshold, table[threshold])
    if args.export:
        training = {
            "recipe": "research/train.py",
            "config": asdict(config),
            "initialised_from": str(args.init) if args.init else None,
            "synthetic_pairs": len(synthetic),
            **({"weight_average_of_seeds": args.seed} if len(args.seed) > 1 else {}),
            "pale_scenery_rate": args.pale_scenery_rate,
            "skin_ita_range": ita_range,
            "negative_rate": args.negative_rate,
            "light_hair_rate": args.light_hair_rate,
            "appearances": list(appearances),
            **(
                {
                    "contrast_fit": {
                        "lesions": len(contrast.residuals),
                        "intercept": contrast.intercept,
                        "slope": contrast.slope,
                    }
                }  # fmt: skip
                if contrast is not None
                else {}
            ),
            "pretrained_encoder": PRETRAINED_ENCODERS[args.encoder] if args.pretrained_encoder else None,
            "robust_capture": args.robust_capture,
            "max_clear_fp": args.max_clear_fp,
            "threshold_rule": args.threshold_rule,
            "device": args.device,
            "synthetic_base_photos": n_bases,
            "real_training_photos": len(real_train),
            "real_validation_photos": len(real_val),
            "real_validation_groups": sorted({r.source_group for r in val_records}),
        }
        tuned_on = (
            f"mean Dice over {len(real_val)} vitiligo_real validation photos and "
            f"{len(synthetic_val)} synthetic pairs on held-out FASSEG faces"
        )
        if fp_table is not None:
            tuned_on += (
                f", among thresholds marking at most {args.max_clear_fp} of the skin of {len(clear)} "
                "clear held-out faces (one tone per ITA band)"
            )
        if args.threshold_rule == "one-se":
            tuned_on += "; the most specific within one standard error of the best Dice"
        thresholds = {
            "threshold": threshold,
            "tuned_on": tuned_on,
            "validation_dice_by_threshold": table,
            **({"clear_face_marked_share_by_threshold": fp_table} if fp_table is not None else {}),
        }
        sha = save_model_folder(network, model_config(config, args.model_id, training), thresholds, args.export)
        logging.info("exported %s (sha256 %s)", args.export, sha)
    return 0


if __name__ == "__main__":
    sys.exit(main())
