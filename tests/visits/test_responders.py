"""`vitiscore compare`: per-subject change and cohort response rates, checked on cohorts with known answers."""

import csv
import json
import math

import pytest

from vitiscore import compare, write_comparison
from vitiscore.visits.responders import responder_flags


def _write(path, rows, columns=None):
    columns = columns or list(rows[0])
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _scores(tmp_path, pairs, extra=None, name="scores.csv"):
    """A clinicians' style CSV: one row per subject and visit (None = no row)."""
    rows = []
    for i, (base, follow) in enumerate(pairs):
        for visit, value in (("baseline", base), ("week24", follow)):
            if value is not None:
                rows.append({"subject_id": f"S{i:03d}", "visit": visit, "fvasi": value, **(extra(i) if extra else {})})
    return _write(tmp_path / name, rows)


def _cohort(result, endpoint, stratum_by="", stratum="all"):
    (row,) = [
        r
        for r in result.cohort
        if r["endpoint"] == endpoint and r["stratum_by"] == stratum_by and r["stratum"] == stratum
    ]
    return row


def test_motivating_study_rates_and_exact_interval(tmp_path):
    # 111 patients: 19 reach F-VASI90, 55 F-VASI75, 72 F-VASI50 (the ruxolitinib real-world study at week 24).
    pairs = [(1.0, 0.05)] * 19 + [(1.0, 0.2)] * 36 + [(1.0, 0.4)] * 17 + [(1.0, 0.9)] * 39
    result = compare(_scores(tmp_path, pairs), "baseline", "week24")
    f50, f75, f90 = (_cohort(result, e) for e in ("F-VASI50", "F-VASI75", "F-VASI90"))
    assert (f50["n"], f50["responders"], f75["responders"], f90["responders"]) == (111, 72, 55, 19)
    assert round(100 * f50["rate"], 1) == 64.9
    assert round(100 * f75["rate"], 1) == 49.5
    assert round(100 * f90["rate"], 1) == 17.1
    assert (round(100 * f75["ci_low"], 1), round(100 * f75["ci_high"], 1)) == (39.9, 59.2)
    assert f75["ci_method"] == "clopper-pearson"


def test_wilson_interval_matches_the_formula(tmp_path):
    pairs = [(1.0, 0.2)] * 55 + [(1.0, 0.9)] * 56
    row = _cohort(compare(_scores(tmp_path, pairs), "baseline", "week24", ci_method="wilson"), "F-VASI75")
    n, p, z = 111, 55 / 111, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert row["ci_low"] == pytest.approx(centre - half, abs=1e-9)
    assert row["ci_high"] == pytest.approx(centre + half, abs=1e-9)


def test_ties_at_the_thresholds_count_as_responders():
    # exactly 50 %, 75 %, 90 % reductions, including values that are not exact in binary floating point
    assert responder_flags(1.0, 0.5) == {"F-VASI25": 1, "F-VASI50": 1, "F-VASI75": 0, "F-VASI90": 0}
    assert responder_flags(0.6, 0.3)["F-VASI50"] == 1
    assert responder_flags(0.8, 0.2) == {"F-VASI25": 1, "F-VASI50": 1, "F-VASI75": 1, "F-VASI90": 0}
    assert responder_flags(0.7, 0.07)["F-VASI90"] == 1
    assert responder_flags(2.1, 0.21)["F-VASI90"] == 1
    assert responder_flags(1.0, 0.5000001)["F-VASI50"] == 0
    assert responder_flags(1.0, 0.76) == {"F-VASI25": 0, "F-VASI50": 0, "F-VASI75": 0, "F-VASI90": 0}
    assert responder_flags(1.0, 1.4) == {"F-VASI25": 0, "F-VASI50": 0, "F-VASI75": 0, "F-VASI90": 0}


def test_zero_and_low_baselines_and_missing_followups(tmp_path):
    pairs = [
        (1.0, 0.5),  # S000 F-VASI50
        (0.0, 0.0),  # S001 zero baseline: not evaluable
        (0.3, 0.0),  # S002 below --min-baseline 0.5: not evaluable
        (0.9, None),  # S003 no follow-up row: NRI non-responder or excluded
        (1.2, 0.12),  # S004 F-VASI90 (exactly)
        (None, 0.4),  # S005 no baseline: not evaluable
        (0.5, 0.6),
    ]  # S006 worse: +20 %, eligible at exactly 0.5
    path = _scores(tmp_path, pairs)
    nri = compare(path, "baseline", "week24", min_baseline=0.5)
    rows = {r["subject_id"]: r for r in nri.per_subject}
    assert [rows[s]["status"] for s in sorted(rows)] == [
        "evaluable",
        "not_evaluable",
        "not_evaluable",
        "imputed_nonresponder",
        "evaluable",
        "not_evaluable",
        "evaluable",
    ]
    assert "0" in rows["S001"]["reason"] and "min_baseline" in rows["S002"]["reason"]
    assert "no baseline" in rows["S005"]["reason"]
    assert rows["S006"]["pct_change"] == pytest.approx(20.0) and rows["S006"]["change"] == pytest.approx(0.1)
    assert rows["S000"]["pct_change"] == pytest.approx(-50.0)
    f50, f90 = _cohort(nri, "F-VASI50"), _cohort(nri, "F-VASI90")
    # evaluable: S000, S003 (imputed), S004, S006 -> 4; F-VASI50: S000, S004; F-VASI90: S004
    assert (f50["n"], f50["responders"], f90["responders"]) == (4, 2, 1)
    assert (f50["n_imputed"], f50["n_not_evaluable"], f50["n_observed"]) == (1, 3, 3)
    # mean and median % change over the observed: -50, -90, +20
    assert f50["mean_pct_change"] == pytest.approx(-40.0)
    assert f50["median_pct_change"] == pytest.approx(-50.0)
    excluded = compare(path, "baseline", "week24", min_baseline=0.5, missing="exclude")
    assert _cohort(excluded, "F-VASI50")["n"] == 3
    assert {r["subject_id"]: r["status"] for r in excluded.per_subject}["S003"] == "excluded_missing"
    # no threshold: the 0.3 baseline counts, the zero one never does
    assert _cohort(compare(path, "baseline", "week24"), "F-VASI50")["n"] == 5


def test_strata_and_covariates(tmp_path):
    pairs = [(1.0, 0.2), (1.0, 0.6), (1.0, 0.1), (1.0, 1.0)]
    path = _scores(tmp_path, pairs, extra=lambda i: {"ita_band": "light" if i < 2 else "brown"})
    covariates = _write(
        tmp_path / "cov.csv",
        [{"subject_id": "S000", "site": "A"}, {"subject_id": "S001", "site": "A"}, {"subject_id": "S002", "site": "B"}],
    )
    result = compare(path, "baseline", "week24", strata=["ita_band", "site"], covariates=covariates)
    light = _cohort(result, "F-VASI75", "ita_band", "light")
    brown = _cohort(result, "F-VASI75", "ita_band", "brown")
    assert (light["n"], light["responders"], brown["n"], brown["responders"]) == (2, 1, 2, 1)
    assert _cohort(result, "F-VASI90", "site", "B")["responders"] == 1
    assert _cohort(result, "F-VASI50", "site", "(missing)")["n"] == 1  # S003 has no site
    with pytest.raises(ValueError, match="arm"):
        compare(path, "baseline", "week24", strata=["arm"])


def test_clear_errors_for_bad_input(tmp_path):
    path = _scores(tmp_path, [(1.0, 0.5)])
    with pytest.raises(ValueError, match="week12.*baseline, week24"):
        compare(path, "baseline", "week12")
    with pytest.raises(ValueError, match="lacks the column.*score"):
        compare(path, "baseline", "week24", score_col="score")
    with pytest.raises(ValueError, match="missing"):
        compare(path, "baseline", "week24", missing="locf")
    with pytest.raises(ValueError, match="baseline visit"):
        compare(path, "baseline", ["week24", "baseline"])
    twice = _write(
        tmp_path / "twice.csv",
        [
            {"subject_id": "S1", "visit": "baseline", "fvasi": 1},
            {"subject_id": "S1", "visit": "baseline", "fvasi": 2},
            {"subject_id": "S1", "visit": "week24", "fvasi": 1},
        ],
    )
    with pytest.raises(ValueError, match="several scores.*S1/baseline"):
        compare(twice, "baseline", "week24")
    negative = _write(tmp_path / "neg.csv", [{"subject_id": "S1", "visit": "baseline", "fvasi": -1}])
    with pytest.raises(ValueError, match="line 2.*negative"):
        compare(negative, "baseline", "week24")
    with pytest.raises(FileNotFoundError):
        compare(tmp_path / "nope.csv", "baseline", "week24")


def test_unscored_photos_are_missing_scores_and_ids_can_come_from_file_names(tmp_path):
    rows = [
        {"image_id": "P1_baseline", "path": "a.jpg", "status": "ok", "fvasi": "0.8", "error": ""},
        {"image_id": "P1_week24", "path": "b.jpg", "status": "no_face", "fvasi": "", "error": "no face found"},
        {"image_id": "P2_baseline", "path": "c.jpg", "status": "ok", "fvasi": "0.6", "error": ""},
        {"image_id": "P2_week24", "path": "d.jpg", "status": "ok", "fvasi": "0.15", "error": ""},
        {"image_id": "calibration_card", "path": "e.jpg", "status": "ok", "fvasi": "0", "error": ""},
    ]
    path = _write(tmp_path / "results.csv", rows)
    result = compare(path, "baseline", "week24", id_pattern=r"(?P<subject_id>P\d+)_(?P<visit>baseline|week24)")
    by_subject = {r["subject_id"]: r for r in result.per_subject}
    assert set(by_subject) == {"P1", "P2"}
    assert by_subject["P1"]["status"] == "imputed_nonresponder"
    assert "no_face" in by_subject["P1"]["reason"] and "no face found" in by_subject["P1"]["reason"]
    assert by_subject["P2"]["F-VASI75"] == 1
    with pytest.raises(ValueError, match="named groups"):
        compare(path, "baseline", "week24", id_pattern=r"(.+)_(.+)")


def test_written_tables_follow_the_contract(tmp_path):
    pairs = [(1.0, 0.2), (1.0, 0.6), (0.8, None)]
    result = compare(_scores(tmp_path, pairs), "baseline", ["week24"])
    written = write_comparison(result, tmp_path / "out")
    with open(tmp_path / "out" / "cohort.csv", newline="") as handle:
        cohort = list(csv.DictReader(handle))
    assert [r["endpoint"] for r in cohort] == ["F-VASI25", "F-VASI50", "F-VASI75", "F-VASI90"]
    f75 = cohort[2]
    assert (f75["n"], f75["responders"], f75["ci_method"]) == ("3", "1", "clopper-pearson")
    assert float(f75["rate"]) == pytest.approx(1 / 3) and 0 <= float(f75["ci_low"]) < float(f75["ci_high"]) <= 1
    payload = json.loads((tmp_path / "out" / "cohort.json").read_text())
    assert payload["cohort"][2]["responders"] == 1 and payload["settings"]["missing"] == "nri"
    for name in ("waterfall_week24", "spaghetti", "responder_rates"):
        assert (tmp_path / "out" / written[name]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(tmp_path / "out" / "per_subject.csv", newline="") as handle:
        per_subject = list(csv.DictReader(handle))
    assert [r["F-VASI75"] for r in per_subject] == ["1", "0", "0"]
    assert per_subject[2]["status"] == "imputed_nonresponder"


def test_several_followups_each_get_their_rates(tmp_path):
    rows = []
    for subject, values in {"A": (1.0, 0.6, 0.2), "B": (1.0, 0.9, None), "C": (0.8, 0.4, 0.08)}.items():
        for visit, value in zip(("baseline", "week12", "week24"), values):
            if value is not None:
                rows.append({"subject_id": subject, "visit": visit, "fvasi": value})
    result = compare(_write(tmp_path / "s.csv", rows), "baseline", ["week12", "week24"])
    assert len(result.per_subject) == 6
    # week 12: A -40 %, B -10 %, C -50 % -> one F-VASI50; week 24: A -80 %, B missing (NRI), C -90 %
    assert _cohort_at(result, "week12", "F-VASI50")["responders"] == 1
    w24 = _cohort_at(result, "week24", "F-VASI75")
    assert (w24["n"], w24["responders"], w24["n_imputed"]) == (3, 2, 1)
    assert _cohort_at(result, "week24", "F-VASI90")["responders"] == 1


def _cohort_at(result, followup, endpoint):
    (row,) = [r for r in result.cohort_rows(followup) if r["endpoint"] == endpoint]
    return row
