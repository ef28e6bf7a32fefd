"""Iris ruler, hand units, and the manifest with fused views."""

import csv

import cv2
import numpy as np
import pytest

from tests.support import head_turn
from vitiscore.batch.manifest import read_manifest
from vitiscore.face import indices as ix
from vitiscore.face import locate
from vitiscore.measure import scale


def test_iris_width_is_measured_in_3d_so_a_turned_eye_keeps_its_size():
    """An iris 30 px wide, turned 40 degrees: its image width shrinks to 30 cos 40 = 23.0 px, the ruler
    still reads 30 px, i.e. 11.7 / 30 = 0.39 mm per pixel."""
    points = np.zeros((478, 3))
    points[ix.RIGHT_IRIS_CENTRE] = (100, 100, 0)
    points[ix.LEFT_IRIS_CENTRE] = (260, 100, 0)
    theta = np.radians(40)
    for centre, ring in ((ix.RIGHT_IRIS_CENTRE, ix.RIGHT_IRIS), (ix.LEFT_IRIS_CENTRE, ix.LEFT_IRIS)):
        cx, cy, _ = points[centre]
        offsets = [(15, 0), (0, -15), (-15, 0), (0, 15)]  # right, top, left, bottom of the visible iris
        for i, (dx, dy) in zip(ring, offsets):
            points[i] = (cx + dx * np.cos(theta), cy + dy, dx * np.sin(theta))
    assert np.hypot(*(points[ix.RIGHT_IRIS[0], :2] - points[ix.RIGHT_IRIS[2], :2])) == pytest.approx(30 * np.cos(theta))
    ruler = scale.iris_scale(points)
    assert ruler.iris_px == pytest.approx(30.0)
    assert ruler.mm_per_px == pytest.approx(0.39)
    assert ruler.relative_sd == pytest.approx(0.5 / 11.7)  # both eyes agree: population spread only
    assert ruler.area_cm2(100 * 100) == pytest.approx(100 * 100 * 0.39**2 / 100)


def test_implausible_iris_gives_no_scale():
    points = np.zeros((478, 3))
    points[ix.LEFT_IRIS_CENTRE] = (160, 0, 0)
    for ring in (ix.RIGHT_IRIS, ix.LEFT_IRIS):
        points[ring[0]] = (2, 0, 0)  # 2 px iris, 160 px between the eyes
    assert scale.iris_scale(points) is None
    with pytest.raises(ValueError, match="points"):
        scale.iris_scale(np.zeros((468, 3)))


def test_iris_scale_follows_a_known_magnification(astronaut, astronaut_landmarks):
    """The same face enlarged 1.5x has irises 1.5x wider: mm per pixel must fall by 1.5 within 2 %."""
    base = scale.iris_scale(astronaut_landmarks.points)
    enlarged = cv2.resize(astronaut, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    bigger = scale.iris_scale(locate(enlarged).points)
    assert bigger.mm_per_px == pytest.approx(base.mm_per_px / 1.5, rel=0.02)
    # The astronaut's iris against the population ratio iris / eye distance = 11.7 / 63.
    assert base.iris_px / astronaut_landmarks.eye_distance_px == pytest.approx(11.7 / 63, rel=0.10)


def test_hand_unit_sources():
    # Mosteller: 180 cm and 80 kg give sqrt(180 * 80 / 3600) = 2.0 m², 1 % of which is 200 cm².
    assert scale.mosteller_bsa_m2(180, 80) == pytest.approx(2.0)
    assert scale.hand_unit(height_cm=180, weight_kg=80) == scale.HandUnit(200.0, scale.HU_MOSTELLER)
    assert scale.hand_unit(hand_area_cm2=150, height_cm=180, weight_kg=80) == scale.HandUnit(
        150.0, scale.HU_PATIENT_HAND
    )
    assert scale.hand_unit(height_cm=180) == scale.HandUnit(None, scale.HU_DEFAULT)
    with pytest.raises(ValueError, match="hand_area_cm2"):
        scale.hand_unit(hand_area_cm2=5)
    with pytest.raises(ValueError, match="weight_kg"):
        scale.hand_unit(height_cm=180, weight_kg=-1)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_manifest_errors_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="view"):
        read_manifest(_write(tmp_path / "m.csv", "path,subject_id,visit\na.png,s1,baseline\n"))
    with pytest.raises(FileNotFoundError, match="missing.png"):
        read_manifest(_write(tmp_path / "m.csv", "path,subject_id,visit,view\nmissing.png,s1,baseline,frontal\n"))
    (tmp_path / "a.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="line 2: empty visit"):
        read_manifest(_write(tmp_path / "m.csv", "path,subject_id,visit,view\na.png,s1,,frontal\n"))
    with pytest.raises(ValueError, match="height_cm must be a number"):
        read_manifest(_write(tmp_path / "m.csv", "path,subject_id,visit,view,height_cm\na.png,s1,v,f,tall\n"))
    with pytest.raises(ValueError, match="twice"):
        read_manifest(_write(tmp_path / "m.csv", "path,subject_id,visit,view\na.png,s1,v,f\na.png,s1,v,g\n"))
    # Two photos of one subject, visit and view were fused silently, counting that view's skin twice.
    (tmp_path / "b.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="lines 2 and 3: two photos of subject s1, visit v, view f"):
        read_manifest(_write(tmp_path / "m.csv", "path,subject_id,visit,view\na.png,s1,v,f\nb.png,s1,v,f\n"))
    # 100,000 missing photos made one 3.7 MB line: the count and the first five.
    lines = "".join(f"gone_{i}.png,s{i},v,f\n" for i in range(100_000))
    with pytest.raises(FileNotFoundError) as missing:
        read_manifest(_write(tmp_path / "m.csv", "path,subject_id,visit,view\n" + lines))
    message = str(missing.value)
    assert "100000 photo(s)" in message and "gone_4.png" in message and "gone_5.png" not in message
    assert len(message) < 500


@pytest.mark.slow
def test_manifest_run_fuses_three_views_and_uses_the_patients_hand(tmp_path, astronaut, astronaut_landmarks):
    from PIL import Image

    from vitiscore.batch.score import score_folder

    for yaw, view in ((0, "frontal"), (30, "left"), (-30, "right")):
        rgb, _ = head_turn.turn(astronaut, astronaut_landmarks.points, yaw)
        Image.fromarray(rgb).save(tmp_path / f"s1_{view}.png")
    _write(
        tmp_path / "m.csv",
        "path,subject_id,visit,view,hand_area_cm2\n"
        "s1_frontal.png,s1,baseline,frontal,150\ns1_left.png,s1,baseline,left,\n"
        "s1_right.png,s1,baseline,right,\n",
    )
    out = tmp_path / "out"
    result = score_folder([], out, manifest=tmp_path / "m.csv", progress=False, overlays=False)
    assert result.all_ok
    assert result.run["manifest"] == "../m.csv"  # relative to OUT, as every path in the outputs (was as typed)
    with open(out / "fused.csv", newline="") as handle:
        fused = list(csv.DictReader(handle))
    assert len(fused) == 1
    row = fused[0]
    assert (row["subject_id"], row["visit"], row["views"], row["status"]) == (
        "s1",
        "baseline",
        "frontal;left;right",
        "ok",
    )
    assert row["hu_source"] == scale.HU_PATIENT_HAND
    assert float(row["face_hand_units"]) == pytest.approx(float(row["facial_area_cm2"]) / 150, rel=1e-3)
    assert float(row["fvasi_fused"]) == pytest.approx(
        float(row["depigmented_fraction_fused"]) * float(row["face_hand_units"]), rel=1e-3
    )
    shares = dict(item.split("=") for item in row["view_shares"].split(";"))
    assert sum(float(v) for v in shares.values()) == pytest.approx(1.0, abs=0.01)
    frontal = next(r for r in result.rows if r["view"] == "frontal")
    assert float(row["unseen_fraction"]) < float(frontal["unseen_fraction"])
    assert frontal["hu_source"] == scale.HU_PATIENT_HAND
    assert (out / frontal["triangles"]).is_file()


def test_score_command_needs_photos_or_a_manifest_but_not_both(tmp_path, capsys):
    from vitiscore.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["score", "-o", str(tmp_path / "out"), "-q"])
    assert exit_info.value.code == 2
    assert "INPUT paths or --manifest" in capsys.readouterr().err
    (tmp_path / "a.png").write_bytes(b"x")
    _write(tmp_path / "m.csv", "path,subject_id,visit,view\na.png,s1,v,frontal\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["score", str(tmp_path / "a.png"), "--manifest", str(tmp_path / "m.csv"), "-o", str(tmp_path / "o"), "-q"])
    assert exit_info.value.code == 2
    assert "not both" in capsys.readouterr().err
