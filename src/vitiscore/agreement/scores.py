"""Agreement of the tool's scores with clinicians' scores: the analysis reviewers expect, in one call.

Prediction and reference tables are joined on one or more key columns (``image_id``, or ``subject_id`` and
``visit``); rows found on one side only are listed as unmatched, and matched rows with a missing value
(an unscored photo, an empty cell) are dropped and counted. Then (statistics in :mod:`vitiscore.agreement.stats`):

* ICC in the six Shrout-Fleiss / McGraw-Wong forms (ICC2 = ICC(2,1), two-way random, absolute agreement, single
  measure, is the one to quote) with F-distribution CIs, the tool taken as one more rater beside the reference
  columns; with two or more reference columns also ``icc_references``, the clinicians among themselves (the bar:
  F-VASI inter-rater ICC is about 0.90).
* Lin's CCC, Bland-Altman (differences are prediction minus reference, limits at ``loa_sd`` SD, with CIs and the
  proportional-bias regression), MAE, RMSE, Pearson and Spearman with CIs, against the mean of the reference
  columns.
* With ``categorical``: Cohen's kappa, linear and quadratic weighted, against each reference column (seven-degree
  scores use the F-VASI degree order 0-100); for 0/1 calls (responders) also sensitivity and specificity.
* With ``subject_col`` and a subject with several rows, every CI is a percentile bootstrap over subjects
  (``ci_method`` says so), because photos of one subject are not independent.
* Everything again per value of each ``strata`` column (from either table); a stratum with fewer than 3 pairs
  gets its n and an ``error`` instead of numbers.

Undefined results (constant scores give no ICC, CCC or correlation) are null in JSON and empty in CSV, and a
``notes`` entry says why; fewer than 3 matched pairs overall is a ValueError.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vitiscore.agreement import stats
from vitiscore.errors import UsageError
from vitiscore.files import read_table_csv, require_columns
from vitiscore.measure.fvasi import DEGREES
from vitiscore.visits.scores import fused_scores

log = logging.getLogger(__name__)

SEVEN_DEGREES = DEGREES
# Statuses of rows that carry a score, in every table vitiscore writes: results.csv and fused.csv (``ok``) and
# per_subject.csv (``evaluable``; ``imputed_nonresponder`` carries the responder calls the trial counts). Every
# other status (``no_face``, ``not_evaluable``, ``excluded_missing``...) means no score.
SCORED_STATUSES = frozenset({"ok", "evaluable", "imputed_nonresponder"})


class TooFewPairs(ValueError):
    """Fewer than 3 matched pairs with both values; ``pairs`` says which rows were unmatched or dropped."""

    def __init__(self, message: str, pairs: Pairs):
        super().__init__(message)
        self.pairs = pairs


N_RESAMPLES = 2000
# Fewer resampled clusters than this make a percentile bootstrap interval rough: the report says so.
MIN_BOOTSTRAP_CLUSTERS = 10


@dataclass
class Pairs:
    """Matched rows: ``pred`` (n,), ``ref`` (n, k reference columns), keys, subjects and stratum values."""

    keys: list[tuple]
    pred: np.ndarray
    ref: np.ndarray
    ref_cols: list[str]
    subjects: list[str] | None = None
    strata: dict[str, list[str]] = field(default_factory=dict)
    # The subject_id of each pair when either table has that column, for counting subjects without --subject-col.
    subject_ids: list[str] | None = None
    unmatched: list[dict] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)

    @property
    def ref_mean(self) -> np.ndarray:
        return self.ref.mean(axis=1)


def _value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return float("nan")
    return value if math.isfinite(value) else float("nan")


def read_pairs(
    pred_path, ref_path, on, pred_col: str = "fvasi", ref_cols=("fvasi",), subject_col: str | None = None, strata=()
) -> Pairs:
    """Join the prediction and reference tables on the key column(s) ``on``.

    A prediction row whose ``status`` is not "ok" has no score. Text that is not a number counts as missing.

    Raises:
        FileNotFoundError: a table does not exist.
        ValueError: a named column is missing (the columns present are listed), or a key repeats in a table.
    """
    on = [on] if isinstance(on, str) else list(on)
    ref_cols = [ref_cols] if isinstance(ref_cols, str) else list(ref_cols)
    if not on or not ref_cols:
        raise UsageError("give at least one key column (on) and one reference column")
    tables = {}
    for role, path, needed in (("prediction", pred_path, [*on, pred_col]), ("reference", ref_path, [*on, *ref_cols])):
        columns, rows = read_table_csv(path, role)
        require_columns(columns, needed, f"{role} {path}")
        keyed = {}
        for line, row in enumerate(rows, start=2):
            key = tuple(row[c] for c in on)
            if key in keyed:
                raise UsageError(f"{role} {path} line {line}: key {'/'.join(key)} appears twice")
            keyed[key] = row
        tables[role] = (columns, keyed)
    (pred_columns, pred), (ref_columns, ref) = tables["prediction"], tables["reference"]
    for column in [c for c in [subject_col, *strata] if c]:
        if column not in pred_columns and column not in ref_columns:
            raise UsageError(f"column {column!r} is in neither table")
    unmatched = [{"key": "/".join(k), "found_in": "prediction only"} for k in pred if k not in ref] + [
        {"key": "/".join(k), "found_in": "reference only"} for k in ref if k not in pred
    ]
    keys, x, y, dropped = [], [], [], []
    for key in [k for k in pred if k in ref]:
        p_row, r_row = pred[key], ref[key]
        status = p_row.get("status") or "ok"
        value = _value(p_row[pred_col]) if status in SCORED_STATUSES else float("nan")
        refs = [_value(r_row[c]) for c in ref_cols]
        if status not in SCORED_STATUSES:
            dropped.append({"key": "/".join(key), "reason": f"prediction not scored ({status})"})
            continue
        if not math.isfinite(value) or not all(math.isfinite(v) for v in refs):
            side = "prediction" if not math.isfinite(value) else "reference"
            dropped.append({"key": "/".join(key), "reason": f"{side} value missing or not a number"})
            continue
        keys.append(key)
        x.append(value)
        y.append(refs)

    def column_values(column):
        return [(pred[k].get(column) or ref[k].get(column) or "(missing)") for k in keys]

    return Pairs(
        keys=keys,
        pred=np.array(x, float),
        ref=np.array(y, float).reshape(len(x), len(ref_cols)),
        ref_cols=ref_cols,
        subjects=column_values(subject_col) if subject_col else None,
        strata={c: column_values(c) for c in strata},
        subject_ids=column_values("subject_id") if "subject_id" in pred_columns + ref_columns else None,
        unmatched=unmatched,
        dropped=dropped,
    )


def _scalars(x: np.ndarray, ref: np.ndarray, loa_sd: float) -> dict[str, float]:
    """Every bootstrapped number, by a flat name (``icc.ICC2``, ``bland_altman.bias``...)."""
    y = ref.mean(axis=1)
    out = {}
    try:
        out.update({f"icc.{form}": v for form, v in stats.icc_values(np.column_stack([x, ref])).items()})
    except ValueError:  # a resample with fewer than 3 rows
        out.update({f"icc.{form}": float("nan") for form in stats.ICC_FORMS})
    names = ["bland_altman.bias", "bland_altman.loa_low", "bland_altman.loa_high"]
    names += [s.name for s in stats.AGREEMENT_STATISTICS]
    try:
        ba = stats.bland_altman(x, y, loa_sd)
        out.update({f"bland_altman.{k}": ba[k] for k in ("bias", "loa_low", "loa_high")})
        for statistic in stats.AGREEMENT_STATISTICS:
            out[statistic.name] = statistic.estimate(x, y, 0.95)["value"]
    except ValueError:  # a resample with fewer than 3 rows
        for name in names:
            out.setdefault(name, float("nan"))
    return out


def agreement(
    pairs: Pairs,
    categorical: bool = False,
    loa_sd: float = 1.96,
    level: float = 0.95,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict:
    """The agreement report of matched pairs (see the module notes), as a plain dict.

    Raises:
        ValueError: fewer than 3 pairs.
    """
    x, ref = pairs.pred, pairs.ref
    n = x.size
    if n < 3:
        raise UsageError(f"need at least 3 matched pairs with both values, got {n}")
    y = ref.mean(axis=1)
    notes = []
    icc = stats.icc(np.column_stack([x, ref]))
    known = pairs.subjects if pairs.subjects is not None else pairs.subject_ids
    report = {
        "n": n,
        "n_subjects": len(set(known)) if known is not None else None,
        "reference": pairs.ref_cols[0] if len(pairs.ref_cols) == 1 else f"mean of {', '.join(pairs.ref_cols)}",
        "icc": icc,
    }
    if len(pairs.ref_cols) >= 2:
        report["icc_references"] = stats.icc(ref)
    report["bland_altman"] = stats.bland_altman(x, y, loa_sd, level)
    for statistic in stats.AGREEMENT_STATISTICS:
        report[statistic.name] = statistic.estimate(x, y, level)
    if stats.is_constant(x) and stats.is_constant(y):
        notes.append("both scores are constant: ICC, CCC and correlations are undefined (null)")
    elif stats.is_constant(x) or stats.is_constant(y):
        side = "prediction" if stats.is_constant(x) else "reference"
        notes.append(f"the {side} is constant: CCC and correlations are undefined (null)")
    if pairs.subjects is None and known is not None and len(set(known)) < n:
        notes.append(
            f"{n} rows come from {len(set(known))} subjects, but the intervals treat rows as independent: "
            "give --subject-col subject_id to resample subjects"
        )
    if np.isnan(icc["ICC2"]["value"]) and not notes:
        notes.append("no variance between targets: ICC undefined (null)")

    clustered = pairs.subjects is not None and len(set(pairs.subjects)) < n
    groups = pairs.subjects if pairs.subjects is not None else np.arange(n)
    intervals = stats.cluster_bootstrap_many(
        n, groups, lambda rows: _scalars(x[rows], ref[rows], loa_sd), n_resamples=n_resamples, level=level, seed=seed
    )
    n_clusters = len(set(groups.tolist() if isinstance(groups, np.ndarray) else groups))
    if n_clusters < MIN_BOOTSTRAP_CLUSTERS:
        unit = "subjects" if clustered else "rows"
        notes.append(
            f"the bootstrap intervals resample only {n_clusters} {unit}: under {MIN_BOOTSTRAP_CLUSTERS} they are rough"
        )
        log.warning("the bootstrap intervals resample only %d %s", n_clusters, unit)
    for statistic in stats.AGREEMENT_STATISTICS:
        if statistic.always_bootstrap or clustered:
            report[statistic.name]["ci_low"], report[statistic.name]["ci_high"] = intervals[statistic.name]
    if clustered:
        report["ci_method"] = (
            f"percentile bootstrap over {n_clusters} subjects ({n_resamples} resamples), because subjects have "
            "several rows: ICC, CCC, Pearson, Spearman, MAE, RMSE and the Bland-Altman bias and limits. Analytic, "
            "per row: icc_references (F distribution), the proportional-bias slope (t, n - 2 df), kappas (Fleiss, "
            "Cohen & Everitt) and sensitivity/specificity (Clopper-Pearson)"
        )
        for form in stats.ICC_FORMS:
            icc[form]["ci_low"], icc[form]["ci_high"] = intervals[f"icc.{form}"]
        ba = report["bland_altman"]
        ba["bias_ci_low"], ba["bias_ci_high"] = intervals["bland_altman.bias"]
        ba["loa_low_ci_low"], ba["loa_low_ci_high"] = intervals["bland_altman.loa_low"]
        ba["loa_high_ci_low"], ba["loa_high_ci_high"] = intervals["bland_altman.loa_high"]
    else:
        report["ci_method"] = (
            "ICC: F distribution; CCC, Pearson, Spearman: Fisher z; Bland-Altman: t (the slope with n - 2 df); "
            f"kappas: Fleiss, Cohen & Everitt; sensitivity/specificity: Clopper-Pearson; MAE, RMSE: percentile "
            f"bootstrap over rows ({n_resamples} resamples)"
        )
    if categorical:
        report["categorical"] = _categorical(x, ref, pairs.ref_cols, level)
    report["notes"] = notes
    return report


def _categorical(x: np.ndarray, ref: np.ndarray, ref_cols: list[str], level: float) -> dict:
    values = set(np.unique(x)) | set(np.unique(ref))
    categories = list(SEVEN_DEGREES) if values <= set(SEVEN_DEGREES) and len(values) > 2 else sorted(values)
    out = {"categories": [float(c) for c in categories]}
    for j, column in enumerate(ref_cols):
        entry = {
            w or "unweighted": stats.cohen_kappa(x, ref[:, j], w, categories, level)
            for w in (None, "linear", "quadratic")
        }
        if values <= {0.0, 1.0}:
            entry.update(stats.sensitivity_specificity(x, ref[:, j], level=level))
        out[column] = entry
    return out


def validate(
    pred_path,
    ref_path,
    on,
    pred_col: str = "fvasi",
    ref_cols=("fvasi",),
    subject_col: str | None = None,
    strata=(),
    categorical: bool = False,
    loa_sd: float = 1.96,
    level: float = 0.95,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    use_fused: bool = True,
) -> tuple[dict, Pairs]:
    """Join, then :func:`agreement` overall and per stratum. Returns the report (with ``strata`` and
    ``unmatched``/``dropped`` counts) and the pairs.

    With ``use_fused``, a results.csv whose run also wrote a fused.csv is read as ``compare`` reads it
    (:func:`vitiscore.visits.scores.fused_scores`): joined on subject and visit, the fused column stands for
    ``pred_col``; joined on ``image_id``, the per-photo column is compared and a note names the fused one.

    Raises:
        TooFewPairs (a ValueError): fewer than 3 matched pairs overall; it carries the pairs, so that the
            unmatched rows can still be written (:func:`vitiscore.report.validation.write_unmatched`).
        ValueError: bad columns, duplicate keys, or ``loa_sd`` <= 0.
        FileNotFoundError: a table does not exist.
    """
    if not (isinstance(loa_sd, (int, float)) and loa_sd > 0):
        raise UsageError(f"loa_sd must be a positive number, got {loa_sd!r}")
    on = [on] if isinstance(on, str) else list(on)
    fused = fused_scores(Path(pred_path), pred_col, read_table_csv(pred_path, "prediction")[0]) if use_fused else None
    notes = [] if fused is None else [f"{fused[0]} holds the views of each visit fused, {fused[1]}: "]
    if fused is not None and "image_id" not in on:  # compare's endpoint rule
        notes[0] += "compared in place of the per-photo scores, as compare does"
        pred_path, pred_col = fused[0], fused[1]
    elif fused is not None:
        notes[0] += "the F-VASI to report, compared per subject and visit with `--on subject_id visit`"
    pairs = read_pairs(pred_path, ref_path, on, pred_col, ref_cols, subject_col, strata)
    report = {
        "prediction": str(pred_path),
        "reference": str(ref_path),
        "reference_file": str(ref_path),
        "on": list(on) if not isinstance(on, str) else [on],
        "pred_col": pred_col,
        "ref_cols": pairs.ref_cols,
        "loa_sd": loa_sd,
        "level": level,
        "n_unmatched": len(pairs.unmatched),
        "n_dropped_missing": len(pairs.dropped),
    }
    if pairs.pred.size < 3:
        raise TooFewPairs(
            f"need at least 3 matched pairs with both values, got {pairs.pred.size} ({len(pairs.unmatched)} "
            f"unmatched, {len(pairs.dropped)} dropped for a missing value or an unscored row)",
            pairs,
        )
    report.update(agreement(pairs, categorical, loa_sd, level, n_resamples, seed))
    report["notes"] = notes + report.get("notes", [])
    report["strata"] = {}
    for column, values in pairs.strata.items():
        report["strata"][column] = {}
        for value in sorted(set(values)):
            rows = np.array([v == value for v in values])
            sub = Pairs(
                keys=[k for k, r in zip(pairs.keys, rows) if r],
                pred=pairs.pred[rows],
                ref=pairs.ref[rows],
                ref_cols=pairs.ref_cols,
                subjects=[s for s, r in zip(pairs.subjects, rows) if r] if pairs.subjects else None,
            )
            try:
                report["strata"][column][value] = agreement(sub, categorical, loa_sd, level, n_resamples, seed)
            except ValueError as exc:
                report["strata"][column][value] = {"n": int(rows.sum()), "error": str(exc)}
    return report, pairs


def metric_rows(report: dict, stratum_by: str = "", stratum: str = "all") -> list[dict]:
    """The report as long-format rows: stratum_by, stratum, metric, value, ci_low, ci_high, n."""
    rows = []

    def add(metric, value, low=float("nan"), high=float("nan")):
        rows.append(
            {
                "stratum_by": stratum_by,
                "stratum": stratum,
                "metric": metric,
                "value": value,
                "ci_low": low,
                "ci_high": high,
                "n": report.get("n"),
            }
        )

    if "error" in report:
        add("error: " + report["error"], float("nan"))
        return rows
    for group in ("icc", "icc_references"):
        for form, v in report.get(group, {}).items():
            add(f"{group}.{form}", v["value"], v["ci_low"], v["ci_high"])
    for statistic in stats.AGREEMENT_STATISTICS:
        entry = report[statistic.name]
        add(statistic.name, entry["value"], entry["ci_low"], entry["ci_high"])
    ba = report["bland_altman"]
    add("bland_altman.bias", ba["bias"], ba["bias_ci_low"], ba["bias_ci_high"])
    add("bland_altman.sd", ba["sd"])
    add("bland_altman.loa_low", ba["loa_low"], ba["loa_low_ci_low"], ba["loa_low_ci_high"])
    add("bland_altman.loa_high", ba["loa_high"], ba["loa_high_ci_low"], ba["loa_high_ci_high"])
    if "proportional_slope" in ba:
        add(
            "bland_altman.proportional_slope",
            ba["proportional_slope"],
            ba["proportional_slope_ci_low"],
            ba["proportional_slope_ci_high"],
        )
        add("bland_altman.proportional_p", ba["proportional_p"])
    for column, entry in report.get("categorical", {}).items():
        if column == "categories":
            continue
        for name, v in entry.items():
            add(f"{column}.{name}", v["value"], v["ci_low"], v["ci_high"])
    return rows
