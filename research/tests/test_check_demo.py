"""research/check_demo.py: the acceptance check of a model on the demo photos."""

import csv

import pytest

from research import check_demo as check_demo_module
from tests.support import SAMPLES
from vitiscore.segment import DEFAULT_MODEL


@pytest.fixture(scope="module")
def check_demo():
    return check_demo_module


def _row(subject, visit, true_fraction, fraction):
    # 3 hand units of facial area: F-VASI = 3 x fraction.
    return {
        "subject_id": subject,
        "visit": visit,
        "true_fraction": true_fraction,
        "fraction": fraction,
        "error": fraction - true_fraction,
        "true_fvasi": 3 * true_fraction,
        "fvasi": 3 * fraction,
    }


def test_verdict_and_calls_on_hand_made_rows(check_demo):
    # A full clearance read as 0.080 -> 0.010: 87.5 % better, so F-VASI75 but not F-VASI90; both photos are
    # within 0.03 of the truth (0.078 and 0).
    rows = [_row("a", "baseline", 0.078, 0.080), _row("a", "week24", 0.0, 0.010)]
    assert check_demo.passes(rows, 0.03)
    assert not check_demo.passes(rows, 0.005)  # the week-24 photo is 0.010 off
    (calls,) = check_demo.subject_calls(rows)
    assert calls["true_calls"] == {"F-VASI25": 1, "F-VASI50": 1, "F-VASI75": 1, "F-VASI90": 1}
    assert calls["calls"] == {"F-VASI25": 1, "F-VASI50": 1, "F-VASI75": 1, "F-VASI90": 0}
    assert not calls["agree"]
    assert calls["change"] == pytest.approx(-87.5) and calls["true_change"] == pytest.approx(-100)


def test_lost_primary_endpoint_fails_although_every_photo_is_within_tolerance(check_demo):
    # A full clearance read as 0.080 -> 0.025: both photos within 0.03, but only 68.75 % better, so the
    # F-VASI75 call (true: responder) is lost.
    rows = [_row("a", "baseline", 0.078, 0.080), _row("a", "week24", 0.0, 0.025)]
    assert not check_demo.passes(rows, 0.03)
    assert check_demo.passes(rows, 0.03, endpoint="F-VASI50")
    assert check_demo.passes(rows, 0.03, endpoint=None)
    # A baseline read as 0 gives no call at all: a failure at any endpoint.
    unread = [_row("b", "baseline", 0.02, 0.0), _row("b", "week24", 0.0, 0.0)]
    assert not check_demo.passes(unread, 0.03, endpoint="F-VASI25")
    with pytest.raises(ValueError, match="endpoint must be one of F-VASI25, F-VASI50, F-VASI75, F-VASI90"):
        check_demo.passes(rows, 0.03, endpoint="F-VASI100")


def test_subject_without_both_visits_is_left_out(check_demo):
    assert check_demo.subject_calls([_row("a", "baseline", 0.05, 0.05)]) == []


def test_shipped_model_passes_and_rows_are_written(check_demo, tmp_path, capsys):
    out = tmp_path / "demo.csv"
    assert check_demo.main([DEFAULT_MODEL, "--samples", str(SAMPLES), "-o", str(out)]) == 0
    assert "passes" in capsys.readouterr().out
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and {r["model_id"] for r in rows} == {DEFAULT_MODEL}
    for r in rows:
        assert float(r["error"]) == pytest.approx(float(r["fraction"]) - float(r["true_fraction"]), abs=1e-5)


def test_missing_truth_is_a_clear_error(check_demo, tmp_path, capsys):
    assert check_demo.main([DEFAULT_MODEL, "--samples", str(tmp_path)]) == 2
    assert "truth.csv" in capsys.readouterr().err
