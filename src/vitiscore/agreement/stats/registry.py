"""The scalar agreement statistics, declared once: the agreement report, its bootstrap, ``agreement.csv``
and the terminal summary all iterate over :data:`AGREEMENT_STATISTICS`.

Degenerate inputs give a documented NaN or a ValueError naming the problem, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vitiscore.agreement.stats.concordance import concordance
from vitiscore.agreement.stats.correlation import correlation, mean_errors


@dataclass(frozen=True)
class Statistic:
    """One scalar agreement statistic of predictions ``x`` against references ``y``, declared once: the
    agreement report, its bootstrap, ``agreement.csv`` and the terminal summary all iterate over
    :data:`AGREEMENT_STATISTICS`.

    Attributes:
        name: key in the report and metric name in agreement.csv.
        label: name in the terminal summary.
        estimate: ``(x, y, level) -> {"value", "ci_low", "ci_high"}`` (NaN bounds when it has no interval).
        always_bootstrap: its interval is always the percentile bootstrap; otherwise the analytic interval is
            kept unless subjects have several rows, when the subject bootstrap replaces it.
    """

    name: str
    label: str
    estimate: Callable[[np.ndarray, np.ndarray, float], dict]
    always_bootstrap: bool = False


def _without_interval(value: float) -> dict[str, float]:
    return {"value": value, "ci_low": float("nan"), "ci_high": float("nan")}


AGREEMENT_STATISTICS = (
    Statistic("ccc", "Lin's CCC", lambda x, y, level: concordance(x, y, level)),
    Statistic("mae", "MAE", lambda x, y, level: _without_interval(mean_errors(x, y)["mae"]), always_bootstrap=True),
    Statistic("rmse", "RMSE", lambda x, y, level: _without_interval(mean_errors(x, y)["rmse"]), always_bootstrap=True),
    Statistic("pearson", "Pearson r", lambda x, y, level: correlation(x, y, "pearson", level)),
    Statistic("spearman", "Spearman rho", lambda x, y, level: correlation(x, y, "spearman", level)),
)
