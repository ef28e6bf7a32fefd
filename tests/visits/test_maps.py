"""Repigmentation maps (the follow-up aligned to the baseline through the mesh) and the end-to-end demo run:
score two visits, compare, and find the responders the synthetic truth says."""

import csv

import cv2
import numpy as np
import pytest

from tests.support import SAMPLES, run_cli
from vitiscore import compare
from vitiscore.face import region
from vitiscore.visits.maps import NEW, NORMAL, NOT_COMPARED, REPIGMENTED, STILL, ChangeMap, change_map, unit_table


def _disk(shape, centre, radius):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (xx - centre[0]) ** 2 + (yy - centre[1]) ** 2 <= radius**2


@pytest.fixture(scope="module")
def visits(astronaut, astronaut_landmarks):
    """Baseline lesions A (glabella) and B (left cheek); at follow-up A remains, B is gone, C (right cheek) is new."""
    points = astronaut_landmarks.points
    area = region(astronaut, astronaut_landmarks).photo_labels(astronaut.shape) > 0
    shape = area.shape
    a = _disk(shape, points[9, :2], 14) & area  # below her fringe
    b = _disk(shape, points[425, :2], 12) & area
    c = _disk(shape, points[205, :2], 10) & area
    assert a.sum() > 300 and b.sum() > 200 and c.sum() > 150 and not (c & (a | b)).any()
    return points, area, a | b, a | c, (a, b, c)


def test_same_pose_gives_the_painted_classes(visits):
    points, area, before, after, (a, b, c) = visits
    change = change_map(points, area, before, points, area, after)
    assert (change.labels[a] == STILL).all()
    assert (change.labels[b & ~a] == REPIGMENTED).all()
    assert (change.labels[c] == NEW).all()
    rest = area & ~(a | b | c)
    assert np.isin(change.labels[rest], (NORMAL, NOT_COMPARED)).all()
    assert (change.labels[~area] == 0).all()
    assert (change.labels[rest] == NOT_COMPARED).mean() < 0.1  # only the skin the mesh barely sees


def test_moved_and_smaller_followup_is_aligned(visits):
    points, area, before, after, (a, b, c) = visits
    # The follow-up photo taken further away and off-centre: everything scaled by 0.8 and shifted.
    m = np.array([[0.8, 0.0, 23.0], [0.0, 0.8, -11.0]])
    size = (area.shape[1], area.shape[0])

    def warp(mask):
        return cv2.warpAffine(mask.astype(np.uint8), m, size, flags=cv2.INTER_NEAREST) > 0

    moved = points.copy()
    moved[:, :2] = points[:, :2] @ m[:, :2].T + m[:, 2]
    moved[:, 2] *= 0.8
    change = change_map(points, area, before, moved, warp(area), warp(after))
    reference = change_map(points, area, before, points, area, after)
    compared = (reference.labels != NOT_COMPARED) & (change.labels != NOT_COMPARED) & area
    # one-pixel rounding at the lesions' edges is all that may differ
    assert (change.labels[compared] == reference.labels[compared]).mean() > 0.98
    for lesion, label in ((a, STILL), (b & ~a, REPIGMENTED), (c, NEW)):
        assert (change.labels[lesion] == label).mean() > 0.9


def test_unit_table_shares_by_hand():
    labels = np.array([[0, NORMAL, REPIGMENTED], [STILL, NEW, NOT_COMPARED]], np.uint8)
    weight = np.array([[0, 1, 1], [2, 1, 1]], np.float32)
    units = np.zeros(labels.shape, np.uint8)
    face = unit_table(ChangeMap(labels, weight), units)[0]
    # compared surface 1 + 1 + 2 + 1 = 5 of 6: repigmented 1/5, still 2/5, new 1/5, not compared 1/6
    assert face["repigmented_pct"] == pytest.approx(20.0)
    assert face["still_depigmented_pct"] == pytest.approx(40.0)
    assert face["newly_depigmented_pct"] == pytest.approx(20.0)
    assert face["compared_share"] == pytest.approx(5 / 6)
    assert face["baseline_depigmented_pct"] == pytest.approx(60.0)
    assert face["followup_depigmented_pct"] == pytest.approx(60.0) and face["change_pct"] == pytest.approx(0.0)
    empty = unit_table(ChangeMap(np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.float32)), units[:2, :2])[0]
    assert np.isnan(empty["repigmented_pct"]) and np.isnan(empty["change_pct"])


def _run(*args):
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
def test_demo_visits_end_to_end(tmp_path):
    out = tmp_path / "scored"
    _run("score", "--manifest", str(SAMPLES / "manifest.csv"), "-o", str(out), "-q", "--no-overlays")
    report = _run(
        "compare",
        str(out / "results.csv"),
        "--baseline",
        "baseline",
        "--followup",
        "week24",
        "-o",
        str(out / "compare"),
        "--strata",
        "ita_band",
    )
    assert "F-VASI75" in report.stdout and "fused.csv" in report.stdout  # the multi-view rows are used
    with open(out / "compare" / "per_subject.csv", newline="") as handle:
        measured = {r["subject_id"]: r for r in csv.DictReader(handle)}
    truth = {
        r["subject_id"]: r
        for r in compare(SAMPLES / "truth.csv", "baseline", "week24", score_col="true_fvasi").per_subject
    }
    assert set(measured) == set(truth) == {"astronaut_light", "astronaut_tan", "astronaut_brown"}
    # Truth: the light face clears (100 % less), the tan face repigments partly (68 % less), the brown face
    # spreads (27 % more). F-VASI90 is left out: the light face's clearance reads as about 87 % less, because
    # the model marks under 1 % of its clear week-24 face as depigmented (issue 4's light-skin weakness).
    for subject, row in measured.items():
        assert row["status"] == "evaluable"
        for endpoint in ("F-VASI25", "F-VASI50", "F-VASI75"):
            assert int(row[endpoint]) == truth[subject][endpoint], (subject, endpoint)
    light, tan, brown = (measured[f"astronaut_{t}"] for t in ("light", "tan", "brown"))
    assert float(light["repigmented_pct"]) > 3 * float(light["still_depigmented_pct"])
    assert float(tan["repigmented_pct"]) > float(tan["still_depigmented_pct"]) > 0
    assert float(brown["newly_depigmented_pct"]) > 1.0 > float(brown["repigmented_pct"])
    assert (out / "compare" / light["map"]).is_file() and (out / "compare" / "responder_rates_ita_band.png").is_file()
    with open(out / "compare" / light["map_units"], newline="") as handle:
        units = {r["unit"]: r for r in csv.DictReader(handle)}
    assert float(units["left_cheek"]["change_pct"]) < -90  # the cleared cheek lesion
