"""``vitiscore finetune``: a model fine-tuned on one study's reviewed or given masks
(:mod:`vitiscore.training.finetune`), written as a complete model folder after group cross-validation."""

from __future__ import annotations

import argparse
import logging
import sys

from vitiscore.commands import EXIT_OK, EXIT_SOME_FAILED
from vitiscore.commands.arguments import non_negative_float, positive_float, positive_int, verbosity
from vitiscore.errors import UsageError

# The line `vitiscore --help` lists for this command.
HELP = "fine-tune the model on a study's reviewed or given masks, checked by group cross-validation"
DESCRIPTION = (
    "Fine-tune a model on one study's photos and masks: PHOTOS with --masks MASK_DIR, or the raters' "
    "reviewed masks of review runs (--reviewed OUT...; excluded and unreviewed photos are left out). Face "
    "photos train on the face crop the scorer uses, others on the whole photo; a share of every batch is the "
    "project's synthetic pairs, so that clear skin stays clear. Group cross-validation first reports the Dice "
    "of the base model and of the fine-tuned one on held-out photos; a model worse than its base is not "
    "written unless --force. MODEL_DIR then holds a complete model folder (config, SHA-256-checked weights, "
    "threshold, a generated model card) for --model MODEL_DIR in every command. Exit code 0: written; "
    "3: refused (worse than its base); 2: usage error."
)


def add_arguments(finetune) -> None:
    from vitiscore.segment import finetuning  # here: `vitiscore --help` stays light
    from vitiscore.segment.registry import DEFAULT_MODEL

    finetune.add_argument("inputs", nargs="*", metavar="PHOTOS", help="photo files or folders (with --masks)")
    finetune.add_argument("--masks", metavar="MASK_DIR", help="their masks, as for `vitiscore score --masks`")
    finetune.add_argument("--reviewed", nargs="+", metavar="OUT", help="output folders of reviewed score runs")
    finetune.add_argument("-o", "--out", required=True, metavar="MODEL_DIR", help="folder for the new model")
    finetune.add_argument("--base", default=DEFAULT_MODEL, help="the model to start from: an id or a model folder")
    finetune.add_argument(
        "--groups", metavar="CSV", help="image_id, group: the subject of each photo, kept on one side of every split"
    )
    finetune.add_argument(
        "--steps", type=positive_int, default=finetuning.DEFAULT_STEPS, help="training steps per model"
    )
    finetune.add_argument(
        "--folds", type=positive_int, default=finetuning.DEFAULT_FOLDS, help="cross-validation folds (>= 2)"
    )
    finetune.add_argument(
        "--learning-rate",
        type=positive_float,
        default=finetuning.DEFAULT_LEARNING_RATE,
        help="peak learning rate (one-cycle)",
    )
    finetune.add_argument(
        "--synthetic-share",
        type=non_negative_float,
        default=finetuning.DEFAULT_SYNTHETIC_SHARE,
        help="share (0-1) of every batch that is the project's synthetic pairs",
    )
    finetune.add_argument(
        "--train-encoder",
        action=argparse.BooleanOptionalAction,
        default=finetuning.DEFAULT_TRAIN_ENCODER,
        help="train the encoder too; --no-train-encoder keeps it as in the base model and trains the decoder only",
    )
    finetune.add_argument(
        "--threshold-rule",
        choices=finetuning.THRESHOLD_RULES,
        default=finetuning.DEFAULT_THRESHOLD_RULE,
        help="how the new model's threshold is chosen: best (highest out-of-fold Dice), one-se (the highest cut "
        "within one standard error of it) or clear-faces (the highest Dice among cuts that mark at most 3 %% of "
        "the skin of the project's clear synthetic faces)",
    )
    finetune.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to train")
    finetune.add_argument("--seed", type=int, default=0, help="random seed (splits, batches)")
    finetune.add_argument("--force", action="store_true", help="write the model even if it is worse than its base")
    verbosity(finetune)


log = logging.getLogger(__name__)


def run(args) -> int:
    """``vitiscore finetune``."""
    from vitiscore.segment import load_segmenter
    from vitiscore.segment.finetuning import FinetuneSettings

    if bool(args.inputs) == bool(args.reviewed):
        raise UsageError("give PHOTOS with --masks MASK_DIR, or --reviewed OUT..., not both and not neither")
    if args.inputs and not args.masks:
        raise UsageError("PHOTOS need --masks MASK_DIR (their masks, as for `vitiscore score --masks`)")
    try:
        from vitiscore.training import examples as examples_mod
        from vitiscore.training import finetune as ft
    except ImportError as exc:
        raise UsageError(f"fine-tuning needs the training extra: pip install 'vitiscore[train]' ({exc})") from None
    settings = FinetuneSettings(
        steps=args.steps,
        learning_rate=args.learning_rate,
        folds=args.folds,
        synthetic_share=args.synthetic_share,
        train_encoder=args.train_encoder,
        threshold_rule=args.threshold_rule,
        seed=args.seed,
        device=args.device,
    )
    base = load_segmenter(args.base)
    if not hasattr(base, "trainable_network"):
        raise UsageError(f"--base {args.base}: only a learned model can be fine-tuned")
    groups = examples_mod.read_groups(args.groups) if args.groups else None
    if groups is None:
        log.warning("no --groups: each photo counts as its own subject, so the cross-validation may be optimistic")
    if args.reviewed:
        examples = examples_mod.examples_from_reviewed(args.reviewed, groups)
        source = "reviewed masks of " + ", ".join(args.reviewed)
    else:
        examples = examples_mod.examples_from_masks(args.inputs, args.masks, groups)
        source = f"masks in {args.masks}"
    log.info("%d photos (%d face crops) in %d groups", len(examples), sum(e.face for e in examples),
             len({e.group for e in examples}))  # fmt: skip
    result = ft.finetune(
        base, examples, args.out, settings, force=args.force, progress=not args.quiet, grouped=groups is not None,
        source=source,
    )  # fmt: skip
    s = result.summary
    if not args.quiet:
        sys.stdout.write(
            f"Cross-validated Dice ({s['photos']} photos, {s['groups']} groups, {s['folds']} folds): base {args.base} "
            f"{s['base_dice']:.3f}, fine-tuned {s['finetuned_dice']:.3f} (better on {s['better']}, worse on "
            f"{s['worse']} photos).\n"
        )
    if not result.written:
        sys.stderr.write(
            f"vitiscore: the fine-tuned model is worse than its base in cross-validation; no model written to "
            f"{args.out} (the figures are in {args.out}/finetune/cv.csv). --force writes it anyway.\n"
        )
        return EXIT_SOME_FAILED
    if not args.quiet:
        sys.stdout.write(f"Model written to {args.out} (threshold {s['threshold']:.2f}); use --model {args.out}\n")
    return EXIT_OK
