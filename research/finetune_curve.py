"""The learning curve of ``vitiscore finetune`` on real photos: Dice on held-out source groups against the number
of photos fine-tuned on.

    python -m research.finetune_curve DATA_ROOT -o OUT [--sizes 0 5 10 20 40] [--folds 3] [--steps 200]
        [--learning-rate R] [--synthetic-share S] [--train-encoder yes|no] [--rules best one-se clear-faces] [--seed N]

``DATA_ROOT`` holds ``vitiligo_real`` (the photos, whole, with their source groups) and ``faces_fasseg`` (clear
faces for the false marks). Only the validation groups (``datasets.split_real``), which the shipped model never
saw, are tested: they are split into folds (whole groups). For each fold and each size n, the default model is
fine-tuned (:mod:`vitiscore.training.finetune`, the command's recipe) on the first n photos of a pool that holds
the other folds' photos first and then the model's own training photos (each part in a seeded random order), and
the held-out fold's photos are segmented at the threshold chosen on those n photos by each threshold rule (size 0:
the base model at its own threshold). Reported per rule and size: mean Dice over the folds' photos, its spread over
folds, the same on photos that show a face, and the share of clear faces' skin marked.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from research.train import clear_faces
from vitiscore.files import write_csv, write_json
from vitiscore.segment import DEFAULT_MODEL, load_segmenter
from vitiscore.segment.finetuning import (
    DEFAULT_FOLDS,
    DEFAULT_LEARNING_RATE,
    DEFAULT_STEPS,
    DEFAULT_SYNTHETIC_SHARE,
    DEFAULT_TRAIN_ENCODER,
    THRESHOLD_RULES,
    FinetuneSettings,
)
from vitiscore.training import datasets
from vitiscore.training import examples as examples_mod
from vitiscore.training import finetune as ft


def real_examples(records) -> list[examples_mod.Example]:
    """Records of ``vitiligo_real`` as whole-photo examples, grouped by source."""
    out = []
    for record in records:
        rgb, mask = datasets.load_real(record)
        out.append(
            examples_mod.Example(record.image.name, rgb, mask, np.ones(mask.shape, bool), record.source_group,
                       record.shows_face, "")
        )  # fmt: skip
    return out


def learning_curve(examples, seen, base, clear, sizes, settings: FinetuneSettings, work: Path, rules) -> list[dict]:
    """One row per fold, size, threshold rule and held-out photo of ``examples`` (Dice), with the clear faces'
    marked share per fold, size and rule; ``seen`` (photos the base model trained on) come after the other folds'
    photos in the pool. Every rule of ``rules`` cuts the same fine-tuned network (size 0: the base model at its
    own threshold, for every rule)."""
    folds = ft.group_folds([e.group for e in examples], settings.folds, settings.seed)
    synthetic = ft.synthetic_anchor(base.input_size, ft.SYNTHETIC_PAIRS, settings.seed, base.has_skin_head)
    clear_rgb = [rgb for rgb, _ in clear]
    rows = []
    for fold in range(max(folds) + 1):
        held = [e for e, f in zip(examples, folds) if f == fold]
        rng = np.random.default_rng(settings.seed + fold)
        others = [e for e, f in zip(examples, folds) if f != fold]
        pool = [others[i] for i in rng.permutation(len(others))] + [seen[i] for i in rng.permutation(len(seen))]
        for n in sizes:
            if n > len(pool):
                logging.warning("fold %d has %d training photos: size %d skipped", fold, len(pool), n)
                continue
            if n == 0:
                network = base.network
                thresholds = {rule: base.threshold for rule in rules}
            else:
                chosen = pool[:n]
                network = ft.fine_tune(base, chosen, synthetic, settings, "cpu", work / f"fold-{fold}-n{n}", False)
                maps = ft.probabilities(network, base, [e.rgb for e in chosen])
                own_clear = ft.clear_marks_by_cut(network, base)
                thresholds = {rule: ft.choose_cut(maps, chosen, rule, own_clear) for rule in rules}
            held_maps = ft.probabilities(network, base, [e.rgb for e in held])
            clear_maps = ft.probabilities(network, base, clear_rgb)
            unseen = min(n, len(others))  # the pool starts with the other folds' photos
            for rule, threshold in thresholds.items():
                dice = ft.dice_at(held_maps, held, threshold)
                marked = float(np.mean([(p >= threshold)[m].mean() for p, (_, m) in zip(clear_maps, clear)]))
                logging.info(
                    "fold %d, %d photos, rule %s (cut %.2f): Dice %.3f, clear faces marked %.4f",
                    fold, n, rule, threshold, dice.mean(), marked,
                )  # fmt: skip
                for e, d in zip(held, dice):
                    rows.append(dict(fold=fold, n=n, rule=rule, unseen=unseen, image=e.image_id, group=e.group,
                                     face=int(e.face), dice=float(d), threshold=threshold,
                                     clear_marked=marked))  # fmt: skip
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    out = []
    for rule in dict.fromkeys(r["rule"] for r in rows):
        for n in sorted({r["n"] for r in rows}):
            mine = [r for r in rows if r["n"] == n and r["rule"] == rule]
            by_fold = [
                float(np.mean([r["dice"] for r in mine if r["fold"] == f])) for f in sorted({r["fold"] for r in mine})
            ]
            faces = [r["dice"] for r in mine if r["face"]]
            out.append(
                dict(
                    rule=rule,
                    n=n,
                    unseen_mean=float(np.mean(list({r["fold"]: r["unseen"] for r in mine}.values()))),
                    photos=len(mine),
                    dice=float(np.mean([r["dice"] for r in mine])),
                    dice_fold_min=min(by_fold),
                    dice_fold_max=max(by_fold),
                    dice_fold_sd=float(np.std(by_fold, ddof=1)) if len(by_fold) > 1 else float("nan"),
                    face_photos=len(faces),
                    dice_faces=float(np.mean(faces)) if faces else float("nan"),
                    # One clear-face figure per fold (every photo of a fold carries it): their mean.
                    clear_marked=float(np.mean(list({r["fold"]: r["clear_marked"] for r in mine}.values()))),
                )
            )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_root", type=Path, help="folder holding vitiligo_real and faces_fasseg")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 5, 10, 20, 40])
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--learning-rate", type=float, default=DEFAULT_LEARNING_RATE)
    parser.add_argument("--synthetic-share", type=float, default=DEFAULT_SYNTHETIC_SHARE)
    parser.add_argument(
        "--train-encoder", choices=("yes", "no"), default="yes" if DEFAULT_TRAIN_ENCODER else "no",
        help="no: fine-tune the decoder and head only",
    )  # fmt: skip
    parser.add_argument(
        "--rules", nargs="+", choices=THRESHOLD_RULES, default=list(THRESHOLD_RULES),
        help="threshold rules, each cutting the same fine-tuned networks",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    base = load_segmenter(args.model)
    settings = FinetuneSettings(
        steps=args.steps, learning_rate=args.learning_rate, folds=args.folds, synthetic_share=args.synthetic_share,
        train_encoder=args.train_encoder == "yes", seed=args.seed, device="cpu",
    )  # fmt: skip
    seen, validation = datasets.split_real(datasets.read_real_index(args.data_root / "vitiligo_real"))
    examples, seen = real_examples(validation), real_examples(seen)
    clear = clear_faces(args.data_root, base.input_size)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = learning_curve(examples, seen, base, clear, args.sizes, settings, args.out / "work", args.rules)
    write_csv(args.out / "per_image.csv", rows, list(rows[0]))
    summary = summarise(rows)
    write_csv(args.out / "summary.csv", summary, list(summary[0]))
    write_json(
        args.out / "summary.json",
        {
            "model": base.model_id,
            "settings": vars(args) | {"data_root": str(args.data_root), "out": str(args.out)},
            "summary": summary,
        },
    )
    for r in summary:
        logging.info(
            "%-11s n=%2d  Dice %.3f (folds %.3f-%.3f)  faces %.3f  clear faces marked %.4f",
            r["rule"], r["n"], r["dice"], r["dice_fold_min"], r["dice_fold_max"], r["dice_faces"], r["clear_marked"],
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
