"""The files of ``vitiscore compare``: per-subject and cohort tables, ``cohort.json``, the plots, and each
subject's repigmentation map with its unit table (the numbers come from :mod:`vitiscore.visits`)."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from vitiscore import files as files_mod
from vitiscore.files import safe_name
from vitiscore.progress import progress_bar
from vitiscore.report import plots as plots_mod
from vitiscore.version import tool_header
from vitiscore.visits.maps import (
    CLASS_COLOURS,
    MAP_COLUMNS,
    NEW,
    NOT_COMPARED,
    OUTSIDE,
    REPIGMENTED,
    STILL,
    UNIT_COLUMNS,
    ChangeMap,
    pick_pair,
    subject_map,
    unit_table,
)
from vitiscore.visits.responders import COHORT_COLUMNS, PER_SUBJECT_COLUMNS, STATUSES, Comparison

log = logging.getLogger(__name__)


def write_comparison(
    comparison: Comparison, out_dir: str | Path, plots: bool = True, maps: bool = True, progress: bool | None = None
) -> dict[str, str]:
    """Write ``per_subject.csv``, ``cohort.csv``, ``cohort.json`` and (optionally) the plots and the
    repigmentation maps into ``out_dir``; returns ``{what: relative path}``. Maps need a vitiscore results.csv
    whose photos and masks are still on disk; a subject whose map cannot be drawn gets ``map_error``."""
    out = files_mod.output_folder(out_dir)
    strata = comparison.settings["strata"]
    written = {}
    extra = []
    if maps and comparison.table.results_dir is not None:
        write_maps(comparison, out, progress=progress)
        extra = MAP_COLUMNS
    files_mod.write_csv(out / "per_subject.csv", comparison.per_subject, PER_SUBJECT_COLUMNS + strata + extra)
    files_mod.write_csv(out / "cohort.csv", comparison.cohort, COHORT_COLUMNS)
    written.update(per_subject="per_subject.csv", cohort="cohort.csv", cohort_json="cohort.json")
    if plots:
        written.update(plots_mod.comparison_plots(comparison, out))
    counts = {
        f: {s: sum(r["status"] == s for r in comparison.per_subject if r["followup"] == f) for s in STATUSES}
        for f in comparison.settings["followups"]
    }
    files_mod.write_json(
        out / "cohort.json",
        {
            **tool_header(),
            "settings": comparison.settings,
            "subjects_by_status": counts,
            "cohort": comparison.cohort,
            "files": written,
        },
    )
    return written


def render(rgb: np.ndarray, change: ChangeMap, title: str, max_side: int = 1600):
    """The baseline photo, cropped to the face, with the change classes in colour, the facial area outlined in
    white and a legend giving each class's share."""
    from matplotlib.patches import Patch

    ys, xs = np.nonzero(change.labels)
    if ys.size:
        margin = int(0.1 * max(np.ptp(ys), np.ptp(xs)))
        y0, y1 = max(0, ys.min() - margin), min(rgb.shape[0], ys.max() + margin + 1)
        x0, x1 = max(0, xs.min() - margin), min(rgb.shape[1], xs.max() + margin + 1)
    else:
        y0, y1, x0, x1 = 0, rgb.shape[0], 0, rgb.shape[1]
    step = max(1, int(np.ceil(max(y1 - y0, x1 - x0) / max_side)))
    picture = rgb[y0:y1:step, x0:x1:step].astype(np.float32)
    labels = change.labels[y0:y1:step, x0:x1:step]
    for label, colour in CLASS_COLOURS.items():
        where = labels == label
        picture[where] = 0.35 * picture[where] + 0.65 * np.array(colour, np.float32)
    contours, _ = cv2.findContours((labels > OUTSIDE).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    picture = np.ascontiguousarray(picture.astype(np.uint8))
    cv2.drawContours(picture, contours, -1, (255, 255, 255), max(1, picture.shape[1] // 500))
    height, width = picture.shape[:2]
    fig = plots_mod.figure(7.0, 7.0 * height / width + 0.9)
    ax = fig.add_subplot()
    ax.imshow(picture)
    ax.set_axis_off()
    shares = change.shares()
    legend = [
        Patch(color=np.array(CLASS_COLOURS[REPIGMENTED]) / 255, label=f"repigmented {shares['repigmented_pct']:.1f} %"),
        Patch(
            color=np.array(CLASS_COLOURS[STILL]) / 255,
            label=f"still depigmented {shares['still_depigmented_pct']:.1f} %",
        ),
        Patch(
            color=np.array(CLASS_COLOURS[NEW]) / 255, label=f"newly depigmented {shares['newly_depigmented_pct']:.1f} %"
        ),
        Patch(
            color=np.array(CLASS_COLOURS[NOT_COMPARED]) / 255, label=f"not compared {shares['not_compared_pct']:.1f} %"
        ),
    ]
    fig.legend(
        handles=legend,
        loc="outside lower center",
        ncol=2,
        fontsize=8,
        title="% of the compared facial surface",
        title_fontsize=8,
    )
    ax.set_title(title, fontsize=9)
    return fig


def write_maps(comparison, out: Path, progress: bool | None = None) -> None:
    """Draw the map and unit table of every subject with a scored photo at both visits into ``out/maps`` and
    record them (and the face's shares, or ``map_error``) in the comparison's per-subject rows."""
    table = comparison.table
    todo = []
    for row in comparison.per_subject:
        base = table.scores.get((row["subject_id"], row["baseline"]))
        follow = table.scores.get((row["subject_id"], row["followup"]))
        pair = pick_pair(base.photos if base else [], follow.photos if follow else [])
        if pair:
            todo.append((row, pair))
    for row, (base_row, follow_row) in progress_bar(len(todo), progress, unit="map", desc="maps", iterable=todo):
        name = f"maps/{safe_name(row['subject_id'])}_{safe_name(row['followup'])}"
        try:
            rgb, change, units = subject_map(table.results_dir, base_row, follow_row)
        except Exception as exc:  # noqa: BLE001 - one subject's map must never cost the others or the tables
            row["map_error"] = str(exc) or type(exc).__name__
            log.warning("no repigmentation map for %s: %s", row["subject_id"], exc)
            continue
        title = (
            f"{row['subject_id']}: {base_row['image_id']} ({row['baseline']}) vs {follow_row['image_id']} "
            f"({row['followup']})"
        )
        plots_mod.save(render(rgb, change, title), out / f"{name}.png")
        rows = unit_table(change, units)
        files_mod.write_csv(out / f"{name}_units.csv", rows, UNIT_COLUMNS)
        face = rows[0]
        row.update(
            map=f"{name}.png",
            map_units=f"{name}_units.csv",
            map_error="",
            repigmented_pct=face["repigmented_pct"],
            still_depigmented_pct=face["still_depigmented_pct"],
            newly_depigmented_pct=face["newly_depigmented_pct"],
            not_compared_pct=100 * (1 - face["compared_share"]),
        )
