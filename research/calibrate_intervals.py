"""Calibrate the residual error terms of ``vitiscore score --uncertainty`` on a virtual trial.

The members of a photo's interval (:mod:`vitiscore.intervals`) see only what changes when the same photo is
segmented or framed a little differently; the rest of the error (a facial area that takes in or leaves out a
patch at one visit and not the other, a patch the model misses at every framing) is added as a residual standard
deviation of the depigmented fraction, ``absolute + relative x fraction`` in quadrature with the members' spread
(:func:`vitiscore.measure.uncertainty.widen`). This script chooses the two terms on the runs of
``python -m research.virtual_trial DATA -o OUT --uncertainty`` (use another ``--seed`` than the trial you check
them on): first the facial area's terms on the true-mask runs, then the model's on the model runs, each the pair of
the grid with the narrowest median improvement interval whose coverage of the true improvement is at least the
interval's nominal 90 %.

    python -m research.calibrate_intervals OUT --scored-with 0 0 0 0

``--scored-with`` gives the terms the runs were scored with (area absolute, area relative, model absolute, model
relative; default: the current ones), which are taken out again before the grid is tried.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
from pathlib import Path

import numpy as np

from vitiscore.measure import uncertainty as mu
from vitiscore.segment import DEFAULT_MODEL, load_segmenter
from vitiscore.visits import uncertainty as vu

ABSOLUTE = (0.0, 0.002, 0.005, 0.0075, 0.01, 0.015, 0.02)
RELATIVE = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3)


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def load_run(run: Path, scored_with: list[tuple[float, float]], prefix: str = "") -> dict:
    """Per (``prefix`` + subject, visit): (fused score, photo fraction, the members' standard deviation of the
    fraction, the residuals the run was scored with taken out)."""
    fused = {(r["subject_id"], r["visit"]): r for r in _rows(run / "fused.csv") if r["status"] == "ok"}
    out = {}
    for row in _rows(run / "results.csv"):
        key = (row["subject_id"], row["visit"])
        if row["status"] != "ok" or not row["depigmented_fraction_low"] or key not in fused:
            continue
        f, high = float(row["depigmented_fraction"]), float(row["depigmented_fraction_high"])
        low = float(row["depigmented_fraction_low"])
        half = (high - f) if high < 1 else (f - low)
        residual = sum(mu.residual_variance(f, a, r) for a, r in scored_with)
        sd = math.sqrt(max(0.0, (half / mu.Z) ** 2 - residual))
        out[(prefix + key[0], key[1])] = (float(fused[key]["fvasi_fused"]), f, sd)
    return out


def evaluate(run: dict, truth: dict, residuals: list[tuple[float, float]]) -> tuple[float, float, int, int, int]:
    """(coverage of the true improvement, median interval width, wrong F-VASI75 calls, of them flagged doubtful,
    patients flagged) with the photos' intervals widened by ``residuals``."""
    covered, widths, wrong, wrong_flagged, flagged = [], [], 0, 0, 0
    for subject, t in truth.items():
        visits = []
        for visit in ("baseline", "week24"):
            if (subject, visit) not in run:
                break
            score, f, sd = run[(subject, visit)]
            sd_total = math.sqrt(sd**2 + sum(mu.residual_variance(f, a, r) for a, r in residuals))
            low, high = max(0.0, f - mu.Z * sd_total), min(1.0, f + mu.Z * sd_total)
            visits.append((score, *mu.carry(score, f, low, high, 3.0)))
        if len(visits) < 2 or visits[0][0] <= 0:
            continue
        changes = vu.pct_changes(*[(s, min(lo, s), max(hi, s)) for s, lo, hi in visits])
        low, high = vu.change_interval(changes)
        true = float(t["true_improvement"])
        covered.append(-high / 100 <= true <= -low / 100)
        widths.append((high - low) / 100)
        doubtful = vu.doubtful(vu.responder_probability(changes, 75))
        flagged += doubtful
        call = round(100 * (visits[0][0] - visits[1][0]) / visits[0][0], 9) >= 75
        if call != (true >= 0.75):
            wrong += 1
            wrong_flagged += doubtful
    return float(np.mean(covered)), float(np.median(widths)), wrong, wrong_flagged, flagged


def choose(run: dict, truth: dict, fixed: list[tuple[float, float]]) -> tuple[float, float]:
    """The (absolute, relative) pair of the grid with the narrowest intervals covering at least LEVEL."""
    best = None
    for a, r in itertools.product(ABSOLUTE, RELATIVE):
        coverage, width, *_ = evaluate(run, truth, [*fixed, (a, r)])
        if coverage >= mu.LEVEL and (best is None or width < best[0]):
            best = (width, a, r)
    if best is None:
        raise SystemExit("no pair of the grid reaches the nominal coverage: widen the grid")
    return best[1], best[2]


def _pooled(trial: Path, mode: str, scored_with, truth: dict) -> tuple[dict, dict]:
    """Every appearance's runs of ``mode`` pooled, subjects named by appearance, with the truth to match."""
    run, pooled_truth = {}, {}
    for path in sorted((trial / "runs").glob(f"*-{mode}")):
        appearance = path.name.removesuffix(f"-{mode}")
        run.update(load_run(path, scored_with, f"{appearance}/"))
        pooled_truth.update({f"{appearance}/{s}": t for s, t in truth.items()})
    return run, pooled_truth


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trial", type=Path, help="output folder of research.virtual_trial --uncertainty")
    parser.add_argument("--scored-with", type=float, nargs=4, metavar=("AA", "AR", "MA", "MR"))
    args = parser.parse_args(argv)
    given = args.scored_with
    area_scored = tuple(given[:2]) if given else mu.AREA_RESIDUAL
    model_scored = tuple(given[2:]) if given else load_segmenter(DEFAULT_MODEL).residual_error
    truth = {r["subject_id"]: r for r in _rows(args.trial / "truth.csv")}
    columns = "coverage, median width, wrong F-VASI75 calls, of them flagged, flagged"
    masks, masks_truth = _pooled(args.trial, "masks", [area_scored], truth)
    area = choose(masks, masks_truth, [])
    print(f"facial area: absolute {area[0]}, relative {area[1]}; {columns}:", evaluate(masks, masks_truth, [area]))
    model, model_truth = _pooled(args.trial, "model", [area_scored, model_scored], truth)
    chosen = choose(model, model_truth, [area])
    print(
        f"model {DEFAULT_MODEL}: absolute {chosen[0]}, relative {chosen[1]}:",
        evaluate(model, model_truth, [area, chosen]),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
