"""Visits and responders: per-subject change from baseline and the cohort's F-VASI25/50/75/90 response rates.

Input is a table of scores by subject and visit (:mod:`vitiscore.visits.scores`).

Rules, as trials apply them:

* **Change.** ``change`` = follow-up - baseline (score units); ``pct_change`` = 100 x change / baseline (%,
  negative is improvement). A subject is an F-VASIxx responder when the reduction, -pct_change, is at least xx
  (so exactly 50 % counts as F-VASI50). The reduction is rounded to 9 decimals before the comparison, so that
  binary floating point does not turn 0.6 -> 0.3 into 49.99999999 %.
* **Not evaluable** (left out of every rate, reason given): no baseline score; a baseline of 0 (nothing to
  repigment; no % change exists); a baseline below ``min_baseline`` (trials required F-VASI >= 0.5).
* **Missing follow-up** (no row, an unscored photo or an empty cell): ``missing="nri"`` (default, as trials
  count it) keeps the subject as a non-responder for every endpoint (status ``imputed_nonresponder``);
  ``missing="exclude"`` leaves the subject out (status ``excluded_missing``).
* **Cohort.** Per follow-up visit, per stratum (``all`` first, then each value of each ``strata`` column, a
  subject's value taken from the covariates table, else its baseline row, else its follow-up row) and per
  endpoint: n evaluable, responders, rate (0-1) and its CI (Clopper-Pearson by default, or Wilson), with the
  mean and median % change of the subjects whose follow-up was observed. A stratum with no evaluable subject has
  rate and CI empty (NaN), not 0.
"""

from __future__ import annotations

import logging
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from vitiscore import schema
from vitiscore.agreement import stats
from vitiscore.errors import UsageError
from vitiscore.files import read_run_json
from vitiscore.visits import uncertainty
from vitiscore.visits.one_frame import subject_change
from vitiscore.visits.scores import ScoreTable, VisitScore, read_covariates, read_scores

log = logging.getLogger(__name__)

ENDPOINT_NAMES = schema.ENDPOINT_NAMES
ENDPOINTS = tuple(int(name.removeprefix("F-VASI")) for name in ENDPOINT_NAMES)
MISSING_RULES = ("nri", "exclude")
CI_METHODS = ("clopper-pearson", "wilson")
STATUSES = ("evaluable", "imputed_nonresponder", "excluded_missing", "not_evaluable")
PER_SUBJECT_COLUMNS = schema.PER_SUBJECT.names
COHORT_COLUMNS = schema.COHORT.names


@dataclass
class Comparison:
    """What :func:`compare` returns: the per-subject table, the cohort table and the settings used."""

    per_subject: list[dict]
    cohort: list[dict]
    settings: dict
    table: ScoreTable

    def cohort_rows(self, followup: str | None = None, stratum_by: str = "") -> list[dict]:
        return [
            r for r in self.cohort if r["stratum_by"] == stratum_by and (followup is None or r["followup"] == followup)
        ]


def responder_flags(baseline: float, followup: float) -> dict[str, int]:
    """1/0 for each endpoint: at least 25/50/75/90 % reduction from ``baseline`` (> 0) to ``followup``."""
    reduction = round(100.0 * (baseline - followup) / baseline, 9)
    return {name: int(reduction >= p) for name, p in zip(ENDPOINT_NAMES, ENDPOINTS)}


def compare(
    scores,
    baseline: str,
    followups,
    score_col: str = "fvasi",
    min_baseline: float = 0.0,
    missing: str = "nri",
    ci_method: str = "clopper-pearson",
    strata=(),
    covariates=None,
    id_pattern: str | None = None,
    level: float = 0.95,
    use_fused: bool = True,
) -> Comparison:
    """Per-subject change from ``baseline`` to each visit in ``followups``, and the cohort's response rates.

    Args:
        scores: a path (see :func:`read_scores`) or a :class:`ScoreTable`.
        baseline: the baseline visit's name as written in the ``visit`` column.
        followups: one visit name or several.
        score_col: the score column (default ``fvasi``).
        min_baseline: baselines below this are not evaluable (score units; trials used F-VASI 0.5). A baseline
            of 0 is never evaluable.
        missing: "nri" (missing follow-up = non-responder) or "exclude".
        ci_method: "clopper-pearson" (exact, default) or "wilson".
        strata: columns to stratify the cohort by (from ``covariates``, else the score rows).
        covariates: a path or ``{subject_id: {column: value}}``.
        level: confidence level of the intervals (0-1).

    Returns a :class:`Comparison`: ``per_subject`` rows (:data:`PER_SUBJECT_COLUMNS` plus the strata) and
    ``cohort`` rows (:data:`COHORT_COLUMNS`), in plain dicts.

    Raises:
        ValueError: an unknown visit (the visits present are listed), baseline among the follow-ups, a bad
            rule or method, a negative ``min_baseline``, or a stratum column found nowhere.
    """
    followups = [followups] if isinstance(followups, str) else list(followups)
    table = scores if isinstance(scores, ScoreTable) else read_scores(scores, score_col, id_pattern, use_fused)
    if missing not in MISSING_RULES:
        raise UsageError(f"missing must be one of {MISSING_RULES}, got {missing!r}")
    if ci_method not in CI_METHODS:
        raise UsageError(f"ci_method must be one of {CI_METHODS}, got {ci_method!r}")
    if not (isinstance(min_baseline, (int, float)) and math.isfinite(min_baseline) and min_baseline >= 0):
        raise UsageError(f"min_baseline must be a number >= 0, got {min_baseline!r}")
    if not followups:
        raise UsageError("followups must name at least one visit")
    visits = table.visits
    for name, visit in [("baseline", baseline)] + [("followup", f) for f in followups]:
        if visit not in visits:
            raise UsageError(f"{name} visit {visit!r} is not in {table.source}; its visits are: {', '.join(visits)}")
    if baseline in followups:
        raise UsageError(f"the baseline visit {baseline!r} cannot also be a follow-up")
    covariates = read_covariates(covariates) if isinstance(covariates, (str, Path)) else (covariates or {})
    strata = list(strata)
    for column in strata:
        known = column in table.columns or any(column in row for row in covariates.values())
        if not known:
            raise UsageError(f"stratum column {column!r} is in neither the scores nor the covariates")

    per_subject = []
    for followup in followups:
        for subject in table.subjects:
            per_subject.append(
                _subject_row(
                    table, subject, baseline, followup, min_baseline, missing, strata, covariates.get(subject, {})
                )
            )
    cohort = []
    for followup in followups:
        rows = [r for r in per_subject if r["followup"] == followup]
        groups = [("", "all", rows)]
        for column in strata:
            values = sorted({r[column] for r in rows}, key=lambda v: (v == "(missing)", v))
            groups += [(column, value, [r for r in rows if r[column] == value]) for value in values]
        for stratum_by, stratum, members in groups:
            cohort += _cohort_rows(members, followup, stratum_by, stratum, ci_method, level)
    for row in cohort:
        row.update(baseline=baseline, score_col=table.score_col)
    run = read_run_json(table.results_dir) if table.results_dir is not None else None
    settings = {
        "scores": table.source,
        # The scoring run compared, so that a report never shows a comparison of another run.
        "run_id": (run or {}).get("run_id"),
        "score_col": table.score_col,
        "baseline": baseline,
        "followups": followups,
        "min_baseline": min_baseline,
        "missing": missing,
        "ci_method": ci_method,
        "level": level,
        "strata": strata,
        "responder_rule": "reduction from baseline >= xx % (rounded to 9 decimals)",
    }
    return Comparison(per_subject=per_subject, cohort=cohort, settings=settings, table=table)


def _subject_row(
    table: ScoreTable,
    subject: str,
    baseline: str,
    followup: str,
    min_baseline: float,
    missing: str,
    strata: list[str],
    covariate: dict,
) -> dict:
    base = table.scores.get((subject, baseline))
    follow = table.scores.get((subject, followup))
    row = schema.PER_SUBJECT.empty_row()
    row.update(
        subject_id=subject,
        baseline=baseline,
        followup=followup,
        baseline_image_ids=_image_ids(base),
        followup_image_ids=_image_ids(follow),
    )
    for column in strata:
        value = next(
            (
                src[column]
                for src in (covariate, base and base.attributes, follow and follow.attributes)
                if src and src.get(column)
            ),
            "",
        )
        row[column] = value or "(missing)"
    b = base.score if base else float("nan")
    f = follow.score if follow else float("nan")
    row.update(baseline_score=b, followup_score=f)
    if not math.isfinite(b):
        reason = base.missing_reason if base else "no baseline row"
        row.update(status="not_evaluable", reason=f"no baseline score: {reason}")
    elif b == 0:
        row.update(status="not_evaluable", reason="baseline score is 0: nothing to repigment, no % change")
    elif b < min_baseline:
        row.update(status="not_evaluable", reason=f"baseline score {b:g} is below min_baseline {min_baseline:g}")
    elif not math.isfinite(f):
        reason = f"no {followup} score: " + (follow.missing_reason if follow else "no row")
        if missing == "nri":
            row.update(
                status="imputed_nonresponder",
                reason=reason + "; counted as a non-responder",
                **{name: 0 for name in ENDPOINT_NAMES},
                **{f"p_{name}": 0.0 for name in ENDPOINT_NAMES},
            )
        else:
            row.update(status="excluded_missing", reason=reason + "; excluded")
    else:
        row.update(status="evaluable", reason="", change=f - b, pct_change=100.0 * (f - b) / b, **responder_flags(b, f))
        row.update(_call_uncertainty(base, follow))
        one_frame = subject_change(table.results_dir, base.photos, follow.photos)
        if one_frame is not None and math.isfinite(one_frame.improvement):
            row.update(pct_change_one_frame=-100.0 * one_frame.improvement, compared_share=one_frame.compared_share)
    return row


def _call_uncertainty(base: VisitScore, follow: VisitScore) -> dict:
    """The % change interval, each response's probability and the calls that could go either way, when both
    visits' scores have an interval (:mod:`vitiscore.visits.uncertainty`); nothing otherwise."""
    visits = ((base.score, base.low, base.high), (follow.score, follow.low, follow.high))
    if not all(math.isfinite(v) for visit in visits for v in visit):
        return {}
    changes = uncertainty.pct_changes(*visits)
    low, high = uncertainty.change_interval(changes)
    probabilities = {name: uncertainty.responder_probability(changes, p) for name, p in zip(ENDPOINT_NAMES, ENDPOINTS)}
    return {
        "pct_change_low": low,
        "pct_change_high": high,
        **{f"p_{name}": p for name, p in probabilities.items()},
        "doubtful_calls": ";".join(name for name, p in probabilities.items() if uncertainty.doubtful(p)),
    }


def _image_ids(visit_score: VisitScore | None) -> str:
    if visit_score is None:
        return ""
    return ";".join(p.get("image_id", "") for p in visit_score.photos if p.get("image_id"))


def _cohort_rows(
    members: list[dict], followup: str, stratum_by: str, stratum: str, ci_method: str, level: float
) -> list[dict]:
    counted = [r for r in members if r["status"] in ("evaluable", "imputed_nonresponder")]
    observed = [r["pct_change"] for r in members if r["status"] == "evaluable"]
    out = []
    for name in ENDPOINT_NAMES:
        n = len(counted)
        responders = sum(r[name] for r in counted)
        low, high = stats.proportion_ci(responders, n, ci_method, level) if n else (float("nan"), float("nan"))
        # With the calls' probabilities, the rate's interval counts the measurement as well as the sampling.
        p = [r[f"p_{name}"] if _finite(r.get(f"p_{name}")) else r[name] for r in counted]
        measured = any(_finite(r.get(f"p_{name}")) for r in counted if r["status"] == "evaluable")
        with_measurement = uncertainty.rate_interval(p, level) if measured else (float("nan"), float("nan"))
        out.append(
            {
                "followup": followup,
                "stratum_by": stratum_by,
                "stratum": stratum,
                "endpoint": name,
                "n": n,
                "responders": responders,
                "rate": responders / n if n else float("nan"),
                "ci_low": low,
                "ci_high": high,
                "ci_method": ci_method,
                "rate_expected": sum(p) / n if measured else float("nan"),
                "ci_low_with_measurement": with_measurement[0],
                "ci_high_with_measurement": with_measurement[1],
                "n_doubtful": sum(name in (r.get("doubtful_calls") or "").split(";") for r in counted),
                "n_imputed": sum(r["status"] == "imputed_nonresponder" for r in members),
                "n_excluded_missing": sum(r["status"] == "excluded_missing" for r in members),
                "n_not_evaluable": sum(r["status"] == "not_evaluable" for r in members),
                "n_observed": len(observed),
                "mean_pct_change": statistics.fmean(observed) if observed else float("nan"),
                "median_pct_change": statistics.median(observed) if observed else float("nan"),
            }
        )
    return out


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
