"""Scores by subject and visit, as ``compare`` reads them: a ``vitiscore score`` results.csv (rows whose ``status``
is not "ok" count as missing scores), its ``fused.csv`` (used in place of the per-photo rows when it sits beside
results.csv, see :data:`FUSED_SCORES`), or any CSV with ``subject_id``, ``visit`` and a score column, clinicians'
F-VASI included.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from vitiscore.errors import UsageError
from vitiscore.files import read_run_json, read_table_csv

log = logging.getLogger(__name__)

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


@dataclass
class VisitScore:
    """The score of one subject at one visit, or why there is none (``score`` NaN, ``missing_reason``); ``low`` and
    ``high`` bound its 90 % interval where the table gives one (``<score column>_low`` and ``_high``), else NaN."""

    score: float
    missing_reason: str = ""
    low: float = float("nan")
    high: float = float("nan")
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
    fused = fused_scores(path, score_col, columns) if use_fused else None
    if fused is not None:
        fused_path, fused_col, fused_columns, fused_rows = fused
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


def fused_scores(path: Path, score_col: str, columns: list[str]):
    """Where the endpoint of a multi-view run is: (fused.csv path, its column for ``score_col``, its columns, its
    rows) when ``path`` is a results.csv (``columns``: its columns) with a fused.csv of the same run beside it
    that holds the column :data:`FUSED_SCORES` maps ``score_col`` to; else None (a fused.csv of another run is
    logged and ignored). ``compare`` and ``validate`` both follow this rule."""
    path = Path(path)
    fused_path = path.with_name("fused.csv")
    fused_col = FUSED_SCORES.get(score_col)
    if path.name == "fused.csv" or not fused_path.is_file() or not fused_col or "image_id" not in columns:
        return None
    fused_columns, fused_rows = read_table_csv(fused_path, "scores")
    if fused_col not in fused_columns:
        return None
    if not _same_run(path.parent, fused_rows):
        log.warning("%s was written by another run than %s: using the per-photo scores", fused_path, path)
        return None
    return fused_path, fused_col, fused_columns, fused_rows


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
            scores[(subject, visit)] = VisitScore(value, reason, *_interval(row, score_col, value, where), row, photos)
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


def _interval(row: dict, score_col: str, value: float, where: str) -> tuple[float, float]:
    """The score's interval from ``<score_col>_low`` and ``_high`` when both are given and hold the score."""
    low, high = (_number(row.get(f"{score_col}_{end}") or "", where + f"_{end}") for end in ("low", "high"))
    if math.isfinite(value) and math.isfinite(low) and math.isfinite(high) and low <= value <= high:
        return low, high
    return float("nan"), float("nan")


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
