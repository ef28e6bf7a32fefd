"""Responder calls with their uncertainty, checked against the normal distribution worked by hand."""

import csv
from statistics import NormalDist

import numpy as np
import pytest

from vitiscore import compare
from vitiscore.visits import uncertainty

Z95 = NormalDist().inv_cdf(0.95)
PHI = NormalDist().cdf


def test_score_quantiles_have_the_score_as_median_and_the_interval_as_5th_and_95th_percentiles():
    values = uncertainty.score_quantiles(0.3, 0.3 - Z95 * 0.05, 0.3 + Z95 * 0.1)
    assert values[len(values) // 2] == pytest.approx(0.3)
    assert np.quantile(values, 0.05) == pytest.approx(0.3 - Z95 * 0.05, abs=0.002)
    assert np.quantile(values, 0.95) == pytest.approx(0.3 + Z95 * 0.1, abs=0.004)
    assert (uncertainty.score_quantiles(0.0, 0.0, 0.2) >= 0).all()  # a score cannot fall below 0
    with pytest.raises(ValueError, match="must hold the score"):
        uncertainty.score_quantiles(0.3, 0.35, 0.4)


def test_responder_probability_worked_by_hand():
    # Baseline known exactly (1.0); follow-up 0.3 with SD 0.05 below and 0.1 above its median. A 75 % reduction
    # needs a follow-up <= 0.25: Phi((0.25 - 0.3) / 0.05) = Phi(-1) = 0.159; 50 % needs <= 0.5: Phi(2) = 0.977;
    # 90 % needs <= 0.1: Phi(-4), about 0.
    changes = uncertainty.pct_changes((1.0, 1.0, 1.0), (0.3, 0.3 - Z95 * 0.05, 0.3 + Z95 * 0.1))
    assert uncertainty.responder_probability(changes, 75) == pytest.approx(PHI(-1), abs=0.006)
    assert uncertainty.responder_probability(changes, 50) == pytest.approx(PHI(2), abs=0.006)
    assert uncertainty.responder_probability(changes, 90) == pytest.approx(0.0, abs=0.006)
    low, high = uncertainty.change_interval(changes)
    assert low == pytest.approx(-100 * (1 - (0.3 - Z95 * 0.05)), abs=0.5)  # -78.2 %
    assert high == pytest.approx(-100 * (1 - (0.3 + Z95 * 0.1)), abs=0.5)  # -53.6 %
    assert uncertainty.doubtful(0.159) and not uncertainty.doubtful(0.977) and not uncertainty.doubtful(0.0)


def test_known_scores_give_certain_calls():
    changes = uncertainty.pct_changes((0.4, 0.4, 0.4), (0.1, 0.1, 0.1))  # exactly 75 % better
    assert [uncertainty.responder_probability(changes, p) for p in (50, 75, 90)] == [1.0, 1.0, 0.0]


def test_rate_interval_of_certain_calls_is_the_bootstrap_of_a_proportion():
    # 50 responders of 100: the rate's SD is sqrt(0.25 / 100) = 0.05, so the 95 % interval is about 0.40-0.60;
    # 100 calls each a coin toss give the same spread around 0.5.
    low, high = uncertainty.rate_interval([1.0] * 50 + [0.0] * 50)
    assert low == pytest.approx(0.5 - 1.96 * 0.05, abs=0.02) and high == pytest.approx(0.5 + 1.96 * 0.05, abs=0.02)
    low, high = uncertainty.rate_interval([0.5] * 100)
    assert low == pytest.approx(0.40, abs=0.02) and high == pytest.approx(0.60, abs=0.02)
    assert uncertainty.rate_interval([0.0] * 30) == (0.0, 0.0)


def test_compare_gives_probabilities_flags_and_the_rate_with_measurement(tmp_path):
    rows = [
        # a: the hand-worked case above (F-VASI75 could go either way); b: certainly a F-VASI90 responder;
        # c: no interval at week 24 (no probabilities); d: no week-24 photo (imputed non-responder).
        ("a", "baseline", 1.0, 1.0, 1.0),
        ("a", "week24", 0.3, 0.3 - Z95 * 0.05, 0.3 + Z95 * 0.1),
        ("b", "baseline", 2.0, 1.9, 2.1),
        ("b", "week24", 0.05, 0.04, 0.06),
        ("c", "baseline", 1.0, 0.9, 1.1),
        ("c", "week24", 0.2, "", ""),
        ("d", "baseline", 1.0, 0.9, 1.1),
    ]
    path = tmp_path / "scores.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject_id", "visit", "fvasi", "fvasi_low", "fvasi_high"])
        writer.writerows(rows)
    result = compare(path, "baseline", "week24")
    by = {r["subject_id"]: r for r in result.per_subject}
    assert by["a"]["p_F-VASI75"] == pytest.approx(PHI(-1), abs=0.006)
    assert by["a"]["doubtful_calls"] == "F-VASI75"
    assert by["b"]["p_F-VASI90"] == 1.0 and by["b"]["doubtful_calls"] == ""
    assert by["c"]["F-VASI75"] == 1 and by["c"]["p_F-VASI75"] is None and by["c"]["pct_change_low"] is None
    assert by["d"]["status"] == "imputed_nonresponder" and by["d"]["p_F-VASI75"] == 0.0
    f75 = next(r for r in result.cohort_rows("week24") if r["endpoint"] == "F-VASI75")
    # a counts with 0.159, b with 1, c with its call (1), d with 0.
    assert f75["rate_expected"] == pytest.approx((PHI(-1) + 1 + 1 + 0) / 4, abs=0.002)
    assert f75["n_doubtful"] == 1
    assert f75["ci_low_with_measurement"] <= f75["rate_expected"] <= f75["ci_high_with_measurement"]
