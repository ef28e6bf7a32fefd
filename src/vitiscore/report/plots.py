"""Figures for papers and for looking (PNG, matplotlib without pyplot, so no global state and no display).

Colours are the Okabe-Ito palette, readable with colour-blindness; each figure says what it counts in its title.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from vitiscore import files as files_mod
from vitiscore.files import safe_name

BLUE, SKY, ORANGE, VERMILION, GREEN, YELLOW, GREY = (
    "#0072B2",
    "#56B4E9",
    "#E69F00",
    "#D55E00",
    "#009E73",
    "#F0E442",
    "#999999",
)
DPI = 150


def figure(width: float, height: float):
    """An empty figure of ``width`` x ``height`` inches at :data:`DPI`, drawn by Agg (no display, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig, path: Path) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    files_mod.write_bytes(path, buffer.getvalue())


def waterfall(rows: list[dict], title: str, cuts=(50, 75, 90)):
    """Bars of % change per subject (sorted, worst left), coloured by the best endpoint reached, with dashed
    lines at -50/-75/-90 %. ``rows`` are per-subject rows with ``pct_change`` and the F-VASI flags."""
    observed = sorted((r for r in rows if r["status"] == "evaluable"), key=lambda r: -r["pct_change"])
    fig = figure(max(6.0, min(14.0, 0.12 * len(observed) + 4)), 4.2)
    ax = fig.add_subplot()
    colours = {None: GREY, 50: SKY, 75: BLUE, 90: GREEN}
    best = [max([p for p in cuts if r[f"F-VASI{p}"]], default=None) for r in observed]
    x = np.arange(len(observed))
    ax.bar(x, [r["pct_change"] for r in observed], color=[colours[b] for b in best], width=0.85)
    for p in cuts:
        ax.axhline(-p, color="black", linestyle="--", linewidth=0.8)
        ax.text(1.0, -p, f" -{p} %", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    from matplotlib.patches import Patch

    labels = {None: f"< {cuts[0]} % reduction", 50: "F-VASI50", 75: "F-VASI75", 90: "F-VASI90"}
    ax.legend(handles=[Patch(color=colours[k], label=v) for k, v in labels.items()], fontsize=8, loc="lower left")
    ax.set_xlabel("subjects, sorted by change")
    ax.set_ylabel("change from baseline (%)")
    ax.set_xticks(x if len(observed) <= 30 else [])
    if len(observed) <= 30:
        ax.set_xticklabels([r["subject_id"] for r in observed], rotation=90, fontsize=7)
    low = min([r["pct_change"] for r in observed] + [-100])
    high = max([r["pct_change"] for r in observed] + [20])
    ax.set_ylim(low - 5, high + 5)
    ax.set_title(title, fontsize=10)
    return fig


def spaghetti(
    series: dict[str, list[float]], visits: list[str], responders: dict[str, bool], score_col: str, title: str
):
    """Score over visits, one line per subject (``series[subject]`` aligned with ``visits``, NaN for missing),
    F-VASI75 responders in blue, others grey, the median per visit in black."""
    fig = figure(6.0, 4.2)
    ax = fig.add_subplot()
    x = np.arange(len(visits))
    for subject, values in series.items():
        ax.plot(
            x, values, marker="o", markersize=3, linewidth=1, alpha=0.8, color=BLUE if responders.get(subject) else GREY
        )
    if series:
        matrix = np.array(list(series.values()), float)
        counts = np.isfinite(matrix).sum(axis=0)
        median = [float(np.nanmedian(matrix[:, j])) if counts[j] else math.nan for j in range(len(visits))]
        ax.plot(x, median, color="black", linewidth=2.5, marker="s", label="median")
    from matplotlib.lines import Line2D

    ax.legend(
        handles=[
            Line2D([], [], color=BLUE, label="F-VASI75 responder"),
            Line2D([], [], color=GREY, label="not"),
            Line2D([], [], color="black", linewidth=2.5, label="median"),
        ],
        fontsize=8,
    )
    ax.set_xticks(x)
    ax.set_xticklabels(visits)
    ax.set_ylabel(score_col)
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
    return fig


def responder_rates(groups: list[tuple[str, list[dict]]], title: str):
    """Bars of the response rate (%) per endpoint with CI error bars, one bar per group (follow-up visit or
    stratum); ``groups`` are (label, cohort rows of that group). Empty groups (n = 0) are drawn as no bar."""
    fig = figure(max(6.0, 1.2 + 1.6 * len(groups)), 4.2)
    ax = fig.add_subplot()
    endpoints = [r["endpoint"] for r in groups[0][1]] if groups else []
    width = 0.8 / max(len(groups), 1)
    palette = [BLUE, ORANGE, GREEN, VERMILION, SKY, YELLOW, GREY]
    for g, (label, rows) in enumerate(groups):
        x = np.arange(len(rows)) + (g - (len(groups) - 1) / 2) * width
        rate = np.array([100 * r["rate"] if r["n"] else np.nan for r in rows])
        low = np.array([100 * r["ci_low"] if r["n"] else np.nan for r in rows])
        high = np.array([100 * r["ci_high"] if r["n"] else np.nan for r in rows])
        n = rows[0]["n"] if rows else 0
        ax.bar(x, np.nan_to_num(rate), width=width * 0.95, color=palette[g % len(palette)], label=f"{label} (n = {n})")
        ax.errorbar(x, rate, yerr=[rate - low, high - rate], fmt="none", ecolor="black", capsize=3, linewidth=1)
        for xi, ri in zip(x, rate):
            if np.isfinite(ri):
                ax.text(xi, ri + 1, f"{ri:.0f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(np.arange(len(endpoints)))
    ax.set_xticklabels(endpoints)
    ax.set_ylim(0, 105)
    ax.set_ylabel("responders (%), 95 % CI")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    return fig


def comparison_plots(comparison, out: Path) -> dict[str, str]:
    """The waterfall per follow-up, the spaghetti plot and the responder-rate plots of a
    :class:`vitiscore.visits.responders.Comparison`, written into ``out``; returns ``{name: relative path}``."""
    settings = comparison.settings
    written = {}
    method = settings["ci_method"]
    for followup in settings["followups"]:
        rows = [r for r in comparison.per_subject if r["followup"] == followup]
        imputed = sum(r["status"] == "imputed_nonresponder" for r in rows)
        shown = sum(r["status"] == "evaluable" for r in rows)
        name = f"waterfall_{safe_name(followup)}.png"
        title = f"{settings['score_col']}: {settings['baseline']} to {followup}, {shown} subjects" + (
            f" ({imputed} imputed non-responders not shown)" if imputed else ""
        )
        save(waterfall(rows, title), out / name)
        written[f"waterfall_{followup}"] = name
    visits = [settings["baseline"], *settings["followups"]]
    table = comparison.table
    series = {
        s: [table.scores[(s, v)].score if (s, v) in table.scores else math.nan for v in visits] for s in table.subjects
    }
    last = settings["followups"][-1]
    responders = {r["subject_id"]: bool(r["F-VASI75"]) for r in comparison.per_subject if r["followup"] == last}
    save(
        spaghetti(
            series,
            visits,
            responders,
            settings["score_col"],
            f"{settings['score_col']} by visit, {len(series)} subjects (blue: F-VASI75 at {last})",
        ),
        out / "spaghetti.png",
    )
    written["spaghetti"] = "spaghetti.png"
    groups = [(f, comparison.cohort_rows(f)) for f in settings["followups"]]
    save(
        responder_rates(groups, f"Responders from {settings['baseline']} ({method} 95 % CI)"),
        out / "responder_rates.png",
    )
    written["responder_rates"] = "responder_rates.png"
    for column in settings["strata"]:
        rows = [r for r in comparison.cohort if r["stratum_by"] == column and r["followup"] == last]
        values = list(dict.fromkeys(r["stratum"] for r in rows))
        groups = [(v, [r for r in rows if r["stratum"] == v]) for v in values]
        name = f"responder_rates_{safe_name(column)}.png"
        save(responder_rates(groups, f"Responders at {last} by {column} ({method} 95 % CI)"), out / name)
        written[f"responder_rates_{column}"] = name
    return written


def bland_altman_plot(pred, ref, ba: dict, pred_label: str, ref_label: str):
    """Difference (prediction - reference) against the mean of the two, with the bias, the limits of agreement
    and their CIs as shaded bands, and the proportional-bias regression line when there is one."""
    pred, ref = np.asarray(pred, float), np.asarray(ref, float)
    mean, diff = (pred + ref) / 2, pred - ref
    fig = figure(6.0, 4.5)
    ax = fig.add_subplot()
    ax.scatter(mean, diff, s=14, color=BLUE, alpha=0.8, edgecolor="none")
    for name, colour in (("bias", "black"), ("loa_low", VERMILION), ("loa_high", VERMILION)):
        ax.axhline(ba[name], color=colour, linestyle="-" if name == "bias" else "--", linewidth=1)
        low, high = ba.get(f"{name}_ci_low"), ba.get(f"{name}_ci_high")
        if low is not None and math.isfinite(low) and math.isfinite(high):
            ax.axhspan(low, high, color=colour, alpha=0.12, linewidth=0)
        label = "bias" if name == "bias" else f"{'-' if name == 'loa_low' else '+'}{ba['loa_sd']:g} SD"
        ax.text(1.0, ba[name], f" {label} {ba[name]:.3g}", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    if "proportional_slope" in ba and np.ptp(mean) > 0:
        xs = np.array([mean.min(), mean.max()])
        intercept = diff.mean() - ba["proportional_slope"] * mean.mean()
        ax.plot(
            xs,
            intercept + ba["proportional_slope"] * xs,
            color=GREY,
            linewidth=1,
            label=f"regression, slope {ba['proportional_slope']:.3g} (p = {ba['proportional_p']:.2g})",
        )
        ax.legend(fontsize=8, loc="best")
    ax.axhline(0, color=GREY, linewidth=0.6, linestyle=":")
    ax.set_xlabel(f"mean of {pred_label} and {ref_label}")
    ax.set_ylabel(f"{pred_label} - {ref_label}")
    ax.set_title(f"Bland-Altman, n = {pred.size} (shaded: 95 % CIs)", fontsize=10)
    return fig


def scatter_plot(pred, ref, report: dict, pred_label: str, ref_label: str):
    """Prediction against reference with the identity line, and the ICC, CCC and MAE in the title."""
    pred, ref = np.asarray(pred, float), np.asarray(ref, float)
    fig = figure(5.0, 5.0)
    ax = fig.add_subplot()
    ax.scatter(ref, pred, s=14, color=BLUE, alpha=0.8, edgecolor="none")
    top = float(max(pred.max(), ref.max(), 0)) * 1.05 or 1.0
    ax.plot([0, top], [0, top], color="black", linewidth=1, label="identity")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel(ref_label)
    ax.set_ylabel(pred_label)
    ax.legend(fontsize=8, loc="upper left")

    def value(entry):
        v = entry["value"]
        return "undefined" if v is None or not math.isfinite(v) else f"{v:.2f}"

    ax.set_title(
        f"n = {pred.size}; ICC(2,1) {value(report['icc']['ICC2'])}, CCC {value(report['ccc'])}, "
        f"MAE {value(report['mae'])}",
        fontsize=9,
    )
    return fig
