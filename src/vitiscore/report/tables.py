"""Plain-text tables for the terminal: the photos of a run, a cohort's response rates, an agreement report."""

from __future__ import annotations

import math
from pathlib import Path

from vitiscore.agreement.stats import AGREEMENT_STATISTICS


def _fmt(value, spec):
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def summary_table(rows: list[dict], limit: int = 40) -> str:
    """A plain-text table of the rows (the first ``limit``) for the terminal."""
    header = (
        f"{'image_id':<28} {'status':<10} {'depig %':>8} {'F-VASI':>7} {'surface':>7} {'clinical':>8} "
        f"{'ITA band':<13} flags"
    )
    lines = [header, "-" * len(header)]
    for row in rows[:limit]:
        fraction = row.get("depigmented_fraction")
        lines.append(
            f"{str(row['image_id'])[:28]:<28} {row['status']:<10} "
            f"{_fmt(None if fraction is None else 100 * fraction, '8.1f'):>8} {_fmt(row.get('fvasi'), '7.2f'):>7} "
            f"{_fmt(row.get('fvasi_surface'), '7.2f'):>7} {_fmt(row.get('fvasi_clinical'), '8.2f'):>8} "
            f"{row.get('ita_band') or '':<13} {row.get('flags') or row.get('error') or ''}"
        )
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more rows in results.csv")
    return "\n".join(lines)


def cohort_text(comparison) -> str:
    """The cohort table as plain text for the terminal (rates and CIs in %)."""
    method = comparison.settings["ci_method"]
    header = (
        f"{'follow-up':<10} {'stratum':<22} {'endpoint':<9} {'n':>4} {'resp':>4} {'rate %':>7} "
        f"{'95% CI (' + method + ')':>28} {'median change %':>16}"
    )
    lines = [header, "-" * len(header)]
    for row in comparison.cohort:
        stratum = "all" if not row["stratum_by"] else f"{row['stratum_by']}={row['stratum']}"
        if row["n"]:
            rate, ci = f"{100 * row['rate']:7.1f}", f"{100 * row['ci_low']:.1f} - {100 * row['ci_high']:.1f}"
        else:
            rate, ci = f"{'-':>7}", "-"
        median = "" if math.isnan(row["median_pct_change"]) else f"{row['median_pct_change']:.1f}"
        lines.append(
            f"{row['followup'][:10]:<10} {stratum[:22]:<22} {row['endpoint']:<9} {row['n']:>4} "
            f"{row['responders']:>4} {rate} {ci:>28} {median:>16}"
        )
    return "\n".join(lines)


def _estimate(entry) -> str:
    value, low, high = (entry.get(k) for k in ("value", "ci_low", "ci_high"))
    if value is None or not math.isfinite(value):
        return "undefined"
    if low is None or not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        return f"{value:.3f}"  # an interval of no width says nothing
    return f"{value:.3f} ({low:.3f} to {high:.3f})"


def _subjects(report: dict) -> str:
    n = report.get("n_subjects")
    return "subjects not known: no subject column" if n is None else f"{n} subjects"


def report_text(report: dict) -> str:
    """A readable summary for the terminal: for two-category calls (responder or not) the agreement of the calls
    only, since the statistics of continuous scores say nothing of calls (agreement.csv still holds them)."""
    ba = report["bland_altman"]
    lines = [
        f"n = {report['n']} pairs ({_subjects(report)}); {report['n_unmatched']} unmatched, "
        f"{report['n_dropped_missing']} with a missing value",
        f"compared: {report.get('pred_col')} of {Path(str(report.get('prediction'))).name} with {report['reference']} "
        f"of {Path(str(report.get('reference_file', ''))).name or 'the reference'}",
    ]
    categorical = report.get("categorical", {})
    if len(categorical.get("categories", ())) == 2:
        for column, entry in categorical.items():
            if column != "categories":
                lines += [
                    f"{column}: Cohen's kappa {_estimate(entry['unweighted'])}",
                    f"{column}: sensitivity {_estimate(entry['sensitivity'])}" if "sensitivity" in entry else "",
                    f"{column}: specificity {_estimate(entry['specificity'])}" if "specificity" in entry else "",
                ]
        lines = [line for line in lines if line]
        lines.append(
            "note: two categories: weighted kappas equal the unweighted one, and ICC, CCC, correlations and "
            "Bland-Altman describe continuous scores, not calls (agreement.csv keeps them)"
        )
        lines += [f"note: {note}" for note in report.get("notes", [])]
        lines.append(f"CIs: {report['ci_method']}")
        return "\n".join(lines)
    lines += [
        f"ICC(2,1) absolute agreement  {_estimate(report['icc']['ICC2'])}",
        f"ICC(3,1) consistency         {_estimate(report['icc']['ICC3'])}",
    ]
    if "icc_references" in report:
        lines.append(f"ICC(2,1) among references   {_estimate(report['icc_references']['ICC2'])}")
    lines += [
        *(f"{s.label:<29}{_estimate(report[s.name])}" for s in AGREEMENT_STATISTICS),
        f"Bland-Altman bias            {ba['bias']:.3f} (SD {ba['sd']:.3f}); limits {ba['loa_low']:.3f} to "
        f"{ba['loa_high']:.3f} at {ba['loa_sd']:g} SD",
    ]
    if "proportional_slope" in ba:
        lines.append(f"proportional bias: slope {ba['proportional_slope']:.3f}, p = {ba['proportional_p']:.3g}")
    for column, entry in categorical.items():
        if column != "categories":
            lines += [f"{column}: kappa {name} {_estimate(v)}" for name, v in entry.items()]
    for column, values in report.get("strata", {}).items():
        for value, sub in values.items():
            lines.append(
                f"  {column}={value}: n = {sub['n']}, "
                + (
                    sub["error"]
                    if "error" in sub
                    else f"ICC(2,1) {_estimate(sub['icc']['ICC2'])}, bias {sub['bland_altman']['bias']:.3f}"
                )
            )
    lines += [f"note: {note}" for note in report.get("notes", [])]
    lines.append(f"CIs: {report['ci_method']}")
    return "\n".join(lines)


def counts_text(counts: dict[str, int]) -> str:
    """Counts by status as one phrase, statuses in alphabetical order: ``{"ok": 5, "no_face": 1}`` gives
    ``"1 no_face, 5 ok"``."""
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
