"""The files of ``vitiscore validate``: the agreement report as JSON and a long table, the matched pairs, what did
not match, and the Bland-Altman and scatter plots (the numbers come from :mod:`vitiscore.agreement.scores`)."""

from __future__ import annotations

from vitiscore import files as files_mod
from vitiscore import schema
from vitiscore.agreement.scores import Pairs, metric_rows
from vitiscore.report import plots as plots_mod
from vitiscore.version import tool_header


def write_unmatched(pairs: Pairs, out_dir) -> None:
    """Write ``unmatched.csv``: keys found in one table only, and matched keys dropped for a missing value."""
    rows = pairs.unmatched + [{"key": d["key"], "found_in": "both", "reason": d["reason"]} for d in pairs.dropped]
    files_mod.write_csv(files_mod.output_folder(out_dir) / "unmatched.csv", rows, schema.VALIDATE_UNMATCHED.names)


def write_validation(report: dict, pairs: Pairs, out_dir, plots: bool = True) -> dict[str, str]:
    """Write ``agreement.json``, ``agreement.csv`` (long format, all strata), ``pairs.csv`` (the matched values
    and differences), ``unmatched.csv`` and the Bland-Altman and scatter plots into ``out_dir``."""
    out = files_mod.output_folder(out_dir)
    rows = metric_rows(report)
    for column, values in report["strata"].items():
        for value, sub in values.items():
            rows += metric_rows(sub, column, value)
    files_mod.write_csv(out / "agreement.csv", rows, schema.AGREEMENT.names)
    key_cols = report["on"]
    pair_rows = []
    for i, key in enumerate(pairs.keys):
        row = dict(zip(key_cols, key))
        row.update(
            {
                # Without --subject-col, the subject_id column of either table where there is one.
                "subject": (pairs.subjects or pairs.subject_ids or [None] * len(pairs.keys))[i],
                "prediction": pairs.pred[i],
                **{f"reference_{c}": pairs.ref[i, j] for j, c in enumerate(pairs.ref_cols)},
                "reference_mean": pairs.ref_mean[i],
                "difference": pairs.pred[i] - pairs.ref_mean[i],
            }
        )
        row.update({c: v[i] for c, v in pairs.strata.items()})
        pair_rows.append(row)
    files_mod.write_csv(
        out / "pairs.csv",
        pair_rows,
        [
            *key_cols,
            "subject",
            "prediction",
            *[f"reference_{c}" for c in pairs.ref_cols],
            "reference_mean",
            "difference",
            *pairs.strata,
        ],
    )
    write_unmatched(pairs, out)
    written = {
        "agreement": "agreement.json",
        "table": "agreement.csv",
        "pairs": "pairs.csv",
        "unmatched": "unmatched.csv",
    }
    if plots:
        label = report["pred_col"]
        plots_mod.save(
            plots_mod.bland_altman_plot(pairs.pred, pairs.ref_mean, report["bland_altman"], label, report["reference"]),
            out / "bland_altman.png",
        )
        plots_mod.save(
            plots_mod.scatter_plot(pairs.pred, pairs.ref_mean, report, label, report["reference"]), out / "scatter.png"
        )
        written.update(bland_altman="bland_altman.png", scatter="scatter.png")
    files_mod.write_json(out / "agreement.json", {**tool_header(), **report, "files": written})
    return written
