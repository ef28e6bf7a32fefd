"""Visits and responders: per-subject change from baseline and the cohort's F-VASI25/50/75/90 response rates.

Input is a table with one score per subject and visit: a ``vitiscore score`` results.csv (rows whose
``status`` is not "ok" count as missing scores), its ``fused.csv`` (used in place of the per-photo rows when it
sits beside results.csv, see :data:`FUSED_SCORES`), or any CSV with ``subject_id``, ``visit`` and a score column,
clinicians' F-VASI included.

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
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from vitiscore import schema
from vitiscore.agreement import stats
from vitiscore.errors import UsageError
from vitiscore.io import read_run_json, read_table_csv

log = logging.getLogger(__name__)

ENDPOINT_NAMES = schema.ENDPOINT_NAMES
ENDPOINTS = tuple(int(name.removeprefix("F-VASI")) for name in ENDPOINT_NAMES)
MISSING_RULES = ("nri", "exclude")
CI_METHODS = ("clopper-pearson", "wilson")
# With a fused.csv beside results.csv, these score columns are read from it instead (views fused per subject
# and visit; the fused score is surface-weighted, so both flat and surface F-VASI map to fvasi_fused).
FUSED_SCORES = {
    "fvasi": "fvasi_fused",
    "fvasi_surface": "fvasi_fused",
    "fvasi_clinical": "fvasi_clinical_fused",
    "depigmented_fraction": "depigmented_fraction_fused",
    "depigmented_fraction_surface": "depigmented_fraction_fused",
    "depigmented_area_cm2": "depigmented_area_cm2",
}
_MISSING_TEXT = {"", "na", "n/a", "nan", "none", "null", "."}
STATUSES = ("evaluable", "imputed_nonresponder", "excluded_missing", "not_evaluable")
PER_SUBJECT_COLUMNS = schema.PER_SUBJECT.names
COHORT_COLUMNS = schema.COHORT.names


@dataclass
class VisitScore:
    """The score of one subject at one visit, or why there is none (``score`` NaN, ``missing_reason``)."""

    score: float
    missing_reason: str = ""
    attributes: dict = field(default_factory=dict)
    photos: list[dict] = field(default_factory=list)


@dataclass
class ScoreTable:
    """Scores by subject and visit, read from one file (see :func:`read_scores`)."""

    scores: dict[tuple[str, str], VisitScore]
    score_col: str
    source: str
    columns: list[str]
    results_dir: Path | None = None

    @property
    def visits(self) -> list[str]:
        return sorted({visit for _, visit in self.scores})

    @property
    def subjects(self) -> list[str]:
        return sorted({subject for subject, _ in self.scores})


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


def _number(text: str, where: str) -> float:
    if text.lower() in _MISSING_TEXT:
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{where}: not a number: {text!r}") from None
    if not math.isfinite(value):
        return float("nan")
    if value < 0:
        raise UsageError(f"{where}: a score cannot be negative, got {value}")
    return value


def read_scores(
    path: str | Path, score_col: str = "fvasi", id_pattern: str | None = None, use_fused: bool = True
) -> ScoreTable:
    """Read scores by subject and visit.

    Args:
        path: a CSV with ``subject_id``, ``visit`` and ``score_col`` (a vitiscore results.csv or fused.csv, or
            clinicians' scores).
        score_col: the score column (any non-negative number: F-VASI, a fraction, cm²).
        id_pattern: a regular expression with named groups ``subject_id`` and ``visit``, matched against
            ``image_id`` (else the file name in ``path``) of rows whose subject or visit is empty, e.g.
            ``(?P<subject_id>.+)_(?P<visit>baseline|week24)``; rows it does not match are skipped (logged).
        use_fused: with a ``fused.csv`` beside a results.csv, take the scores from it (:data:`FUSED_SCORES`).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: a required column is missing (the columns present are listed), a score is not a number or
            is negative, ``id_pattern`` lacks its groups, or one subject and visit has several scores.
    """
    path = Path(path)
    columns, rows = read_table_csv(path, "scores")
    pattern = _compile(id_pattern)
    fused_path = path.with_name("fused.csv")
    fused_col = FUSED_SCORES.get(score_col)
    if use_fused and path.name != "fused.csv" and fused_path.is_file() and fused_col and "image_id" in columns:
        fused_columns, fused_rows = read_table_csv(fused_path, "scores")
        if fused_col in fused_columns and not _same_run(path.parent, fused_rows):
            log.warning("%s was written by another run than %s: using the per-photo scores", fused_path, path)
        elif fused_col in fused_columns:
            log.info("using the multi-view scores in %s (%s for %s)", fused_path, fused_col, score_col)
            table = _table(fused_path, fused_columns, fused_rows, fused_col, None)
            photos = _table(path, columns, rows, score_col, pattern, allow_duplicates=True)
            for key, visit_score in table.scores.items():
                if key in photos.scores:
                    visit_score.attributes = {**photos.scores[key].attributes, **visit_score.attributes}
                    visit_score.photos = photos.scores[key].photos
            table.results_dir = path.parent
            table.columns += [c for c in columns if c not in table.columns]
            return table
    table = _table(path, columns, rows, score_col, pattern)
    if "image_id" in columns and "path" in columns:
        table.results_dir = path.parent
    return table


def _same_run(results_dir: Path, fused_rows: list[dict]) -> bool:
    """Whether ``fused.csv``'s rows were written by the run whose ``run.json`` sits beside ``results.csv``."""
    run = read_run_json(results_dir)
    run_ids = {row.get("run_id") for row in fused_rows}
    return bool(run and run.get("run_id")) and run_ids == {run["run_id"]}


def _compile(id_pattern: str | None):
    if id_pattern is None:
        return None
    try:
        pattern = re.compile(id_pattern)
    except re.error as exc:
        raise UsageError(f"id_pattern is not a valid regular expression: {exc}") from None
    if not {"subject_id", "visit"} <= set(pattern.groupindex):
        raise UsageError("id_pattern needs the named groups (?P<subject_id>...) and (?P<visit>...)")
    return pattern


def _table(
    path: Path, columns: list[str], rows: list[dict], score_col: str, pattern, allow_duplicates: bool = False
) -> ScoreTable:
    needed = [score_col] + ([] if pattern else ["subject_id", "visit"])
    missing = [c for c in needed if c not in columns]
    if missing:
        raise UsageError(f"{path} lacks the column(s) {', '.join(missing)}; it has: {', '.join(columns)}")
    scores: dict[tuple[str, str], VisitScore] = {}
    duplicates, unmatched = [], []
    for line, row in enumerate(rows, start=2):
        subject, visit = row.get("subject_id", ""), row.get("visit", "")
        if pattern and not (subject and visit):
            name = row.get("image_id") or Path(row.get("path", "")).stem
            match = pattern.fullmatch(name)
            if not match:
                unmatched.append(name)
                continue
            subject, visit = match["subject_id"], match["visit"]
            row = {**row, "subject_id": subject, "visit": visit}
        if not subject or not visit:
            raise UsageError(
                f"{path} line {line}: empty subject_id or visit (give --id-pattern to read them from the image ids)"
            )
        status = row.get("status", "ok") or "ok"
        where = f"{path} line {line}, column {score_col}"
        value = _number(row[score_col], where) if status == "ok" else float("nan")
        if math.isfinite(value):
            reason = ""
        elif status != "ok":
            reason = f"photo not scored ({status}" + (f": {row['error']}" if row.get("error") else "") + ")"
        else:
            reason = f"empty {score_col}"
        current = scores.get((subject, visit))
        if current is None or (not math.isfinite(current.score) and math.isfinite(value)):
            photos = (current.photos if current else []) + [row]
            scores[(subject, visit)] = VisitScore(value, reason, attributes=row, photos=photos)
        elif math.isfinite(value):
            if not allow_duplicates:
                duplicates.append(f"{subject}/{visit}")
            current.photos.append(row)
        else:
            current.photos.append(row)
    if unmatched:
        log.warning(
            "%d row(s) of %s do not match the id pattern and were skipped, e.g. %s",
            len(unmatched),
            path,
            ", ".join(unmatched[:3]),
        )
    if duplicates:
        raise UsageError(
            f"{path} has several scores for {len(duplicates)} subject-visit(s), e.g. "
            f"{', '.join(duplicates[:5])}; fuse the views (vitiscore score --manifest) or give one "
            "row per subject and visit"
        )
    if not scores:
        raise UsageError(f"{path} has no rows with a subject and visit")
    return ScoreTable(scores=scores, score_col=score_col, source=str(path), columns=columns)


def read_covariates(path: str | Path) -> dict[str, dict]:
    """Per-subject columns (site, arm, ITA band...) from a CSV with ``subject_id``, for stratifying.

    Raises:
        ValueError: no ``subject_id`` column, or a subject listed twice.
    """
    path = Path(path)
    columns, rows = read_table_csv(path, "covariates")
    if "subject_id" not in columns:
        raise UsageError(f"covariates {path} lacks the column subject_id; it has: {', '.join(columns)}")
    out: dict[str, dict] = {}
    for line, row in enumerate(rows, start=2):
        if row["subject_id"] in out:
            raise UsageError(f"covariates {path} line {line}: subject {row['subject_id']} listed twice")
        out[row["subject_id"]] = row
    return out


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
    settings = {
        "scores": table.source,
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
            )
        else:
            row.update(status="excluded_missing", reason=reason + "; excluded")
    else:
        row.update(status="evaluable", reason="", change=f - b, pct_change=100.0 * (f - b) / b, **responder_flags(b, f))
    return row


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
                "n_imputed": sum(r["status"] == "imputed_nonresponder" for r in members),
                "n_excluded_missing": sum(r["status"] == "excluded_missing" for r in members),
                "n_not_evaluable": sum(r["status"] == "not_evaluable" for r in members),
                "n_observed": len(observed),
                "mean_pct_change": statistics.fmean(observed) if observed else float("nan"),
                "median_pct_change": statistics.median(observed) if observed else float("nan"),
            }
        )
    return out


def write_comparison(
    comparison: Comparison, out_dir: str | Path, plots: bool = True, maps: bool = True, progress: bool | None = None
) -> dict[str, str]:
    """Write ``per_subject.csv``, ``cohort.csv``, ``cohort.json`` and (optionally) the plots and the
    repigmentation maps into ``out_dir``; returns ``{what: relative path}``. Maps need a vitiscore results.csv
    whose photos and masks are still on disk; a subject whose map cannot be drawn gets ``map_error``."""
    from vitiscore import io as io_mod
    from vitiscore.version import __version__

    out = io_mod.output_folder(out_dir)
    strata = comparison.settings["strata"]
    written = {}
    extra = []
    if maps and comparison.table.results_dir is not None:
        from vitiscore.visits import maps as repigmentation

        repigmentation.write_maps(comparison, out, progress=progress)
        extra = repigmentation.MAP_COLUMNS
    io_mod.write_csv(out / "per_subject.csv", comparison.per_subject, PER_SUBJECT_COLUMNS + strata + extra)
    io_mod.write_csv(out / "cohort.csv", comparison.cohort, COHORT_COLUMNS)
    written.update(per_subject="per_subject.csv", cohort="cohort.csv", cohort_json="cohort.json")
    if plots:
        from vitiscore.report import plots as plots_mod

        written.update(plots_mod.comparison_plots(comparison, out))
    counts = {
        f: {s: sum(r["status"] == s for r in comparison.per_subject if r["followup"] == f) for s in STATUSES}
        for f in comparison.settings["followups"]
    }
    io_mod.write_json(
        out / "cohort.json",
        {
            "tool": "vitiscore",
            "tool_version": __version__,
            "settings": comparison.settings,
            "subjects_by_status": counts,
            "cohort": comparison.cohort,
            "files": written,
        },
    )
    return written
