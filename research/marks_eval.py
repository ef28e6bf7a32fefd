"""How much a rater's few marks help: marks placed by a fixed rule from reference masks, and the Dice of each
photo's mask before and after refinement (:mod:`vitiscore.segment.refine`).

    python -m research.marks_eval DATA_DIR -o OUT [--groups validation] [--k 1 2 5] [--learning-rates 1e-4]

The rule (written before any result was seen; docs/experiments/2026-12-02-marks.md): lesion marks at the deepest
interior of the reference lesions, normal-skin marks at least ``CLEARANCE_PX`` from every lesion pixel, preferring
skin-coloured pixels in a ring up to ``RING_PX`` from the lesions, spread by farthest-point sampling (both in
:mod:`tests.support.marks`, which the marks tests share).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

from tests.support.marks import lesion_points, normal_points, synthetic_cases
from vitiscore.agreement.masks import agreement
from vitiscore.agreement.stats import cluster_bootstrap_ci
from vitiscore.files import write_csv, write_json
from vitiscore.files.marks import DEFAULT_RADIUS_PX, Mark
from vitiscore.segment import DEFAULT_MODEL, load_segmenter
from vitiscore.segment.refine import (
    REFINE_ANCHOR,
    REFINE_LEARNING_RATE,
    REFINE_STEPS,
    RefineSettings,
    refine,
)
from vitiscore.training import datasets


def place_marks(rgb: np.ndarray, reference: np.ndarray, k: int, seed: int = 0) -> list[Mark]:
    """The rule's marks on one photo: ``k`` lesion marks and ``k`` normal-skin marks, radius DEFAULT_RADIUS_PX."""
    inside = [Mark(x, y, 1, DEFAULT_RADIUS_PX) for x, y in lesion_points(reference, k)]
    outside = [Mark(x, y, 0, DEFAULT_RADIUS_PX) for x, y in normal_points(rgb, reference, k, seed)]
    return inside + outside


def evaluate_marks(
    data_dir,
    segmenter,
    groups: str,
    ks: list[int],
    learning_rates: list[float],
    steps: int,
    limit: int | None = None,
    anchors: tuple[float, ...] = (REFINE_ANCHOR,),
    synthetic: int = 0,
) -> list[dict]:
    """One row per photo, k, learning rate and anchor: Dice before and after refinement and the seconds it took;
    ``synthetic`` adds that many :func:`synthetic_cases`."""
    records = datasets.read_real_index(data_dir)
    if groups != "all":
        train, val = datasets.split_real(records)
        records = val if groups == "validation" else train
    records = sorted(records, key=lambda r: r.image.name)[:limit]
    cases = [("real", r.image.name, r.source_group, int(r.shows_face), *datasets.load_real(r)) for r in records]
    if synthetic:
        cases += [("synthetic", name, name, 1, rgb, lesion) for name, rgb, lesion in synthetic_cases(synthetic)]
    rows = []
    for kind, name, group, shows_face, rgb, reference in cases:
        whole = np.ones(reference.shape, bool)
        before = agreement(segmenter.predict(rgb, whole).mask, reference).dice
        for k in ks:
            marks = place_marks(rgb, reference, k)
            for rate, anchor in [(r, a) for r in learning_rates for a in anchors]:
                tick = time.perf_counter()
                refined = refine(segmenter, rgb, whole, marks, RefineSettings(steps, learning_rate=rate, anchor=anchor))
                after = agreement(refined.mask, reference).dice
                rows.append(
                    dict(
                        set=kind,
                        image=name,
                        source_group=group,
                        shows_face=shows_face,
                        k=k,
                        n_lesion_marks=sum(m.label == 1 for m in marks),
                        n_normal_marks=sum(m.label == 0 for m in marks),
                        learning_rate=rate,
                        anchor=anchor,
                        steps=steps,
                        dice_before=before,
                        dice_after=after,
                        seconds=time.perf_counter() - tick,
                    )
                )
    return rows


# A change of Dice beyond this either way counts as better or worse.
CHANGE = 0.01


def summarise(rows: list[dict], n_resamples: int = 2000) -> list[dict]:
    """Per k and learning rate: mean Dice before and after (all photos, face photos), the paired difference with
    a 95 % CI resampling source groups, the photos better and worse by more than CHANGE, and the median seconds."""
    out = []
    for key in sorted({(r["set"], r["k"], r["learning_rate"], r["anchor"]) for r in rows}):
        kind, k, rate, anchor = key
        mine = [r for r in rows if (r["set"], r["k"], r["learning_rate"], r["anchor"]) == key]
        diff = [r["dice_after"] - r["dice_before"] for r in mine]
        low, high = cluster_bootstrap_ci(diff, [r["source_group"] for r in mine], n_resamples=n_resamples)
        faces = [r for r in mine if r["shows_face"]]
        out.append(
            dict(
                set=kind,
                k=k,
                learning_rate=rate,
                anchor=anchor,
                n_photos=len(mine),
                n_groups=len({r["source_group"] for r in mine}),
                dice_before=float(np.mean([r["dice_before"] for r in mine])),
                dice_after=float(np.mean([r["dice_after"] for r in mine])),
                difference=float(np.mean(diff)),
                ci_low=low,
                ci_high=high,
                better=sum(d > CHANGE for d in diff),
                worse=sum(d < -CHANGE for d in diff),
                n_faces=len(faces),
                faces_before=float(np.mean([r["dice_before"] for r in faces])) if faces else float("nan"),
                faces_after=float(np.mean([r["dice_after"] for r in faces])) if faces else float("nan"),
                median_seconds=float(np.median([r["seconds"] for r in mine])),
            )
        )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path, help="folder laid out like vitiligo_real")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="model id or folder (default: the default model)")
    parser.add_argument("--groups", choices=("all", "validation", "training"), default="validation")
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 5], help="marks of each kind per photo")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[REFINE_LEARNING_RATE])
    parser.add_argument("--anchors", type=float, nargs="+", default=[REFINE_ANCHOR])
    parser.add_argument("--steps", type=int, default=REFINE_STEPS)
    parser.add_argument("--limit", type=int, help="only the first N photos (sorted by file name)")
    parser.add_argument("--synthetic", type=int, default=0, help="add N synthetic cases the model mostly misses")
    args = parser.parse_args(argv)
    if any(k < 1 for k in args.k):
        parser.error(f"--k must be at least 1, got {args.k}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    segmenter = load_segmenter(args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = evaluate_marks(
        args.data_dir, segmenter, args.groups, args.k, args.learning_rates, args.steps, args.limit, args.anchors,
        args.synthetic,
    )  # fmt: skip
    summary = summarise(rows)
    write_csv(args.out / "per_image.csv", rows, list(rows[0]))
    write_csv(args.out / "summary.csv", summary, list(summary[0]))
    write_json(args.out / "summary.json", {"model": segmenter.model_id, "groups": args.groups, "summary": summary})
    for r in summary:
        logging.info(
            "%s k=%d lr=%g anchor=%g n=%d  Dice %.3f -> %.3f (%+.3f, CI %+.3f to %+.3f)  better %d worse %d  "
            "faces %.3f -> %.3f  %.1f s/photo",
            r["set"],
            r["k"],
            r["learning_rate"],
            r["anchor"],
            r["n_photos"],
            r["dice_before"],
            r["dice_after"],
            r["difference"],
            r["ci_low"],
            r["ci_high"],
            r["better"],
            r["worse"],
            r["faces_before"],
            r["faces_after"],
            r["median_seconds"],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
