"""``vitiscore finetune``: a model fine-tuned on one study's reviewed or given masks
(:mod:`vitiscore.training.finetune`), written as a complete model folder after group cross-validation."""

from __future__ import annotations

import logging
import sys

from vitiscore.commands import EXIT_OK, EXIT_SOME_FAILED
from vitiscore.errors import UsageError
from vitiscore.segment import load_segmenter
from vitiscore.segment.finetuning import FinetuneSettings

log = logging.getLogger(__name__)


def run(args) -> int:
    """``vitiscore finetune``."""
    if bool(args.inputs) == bool(args.reviewed):
        raise UsageError("give PHOTOS with --masks MASK_DIR, or --reviewed OUT..., not both and not neither")
    if args.inputs and not args.masks:
        raise UsageError("PHOTOS need --masks MASK_DIR (their masks, as for `vitiscore score --masks`)")
    try:
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
    groups = ft.read_groups(args.groups) if args.groups else None
    if groups is None:
        log.warning("no --groups: each photo counts as its own subject, so the cross-validation may be optimistic")
    if args.reviewed:
        examples = ft.examples_from_reviewed(args.reviewed, groups)
        source = "reviewed masks of " + ", ".join(args.reviewed)
    else:
        examples = ft.examples_from_masks(args.inputs, args.masks, groups)
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
