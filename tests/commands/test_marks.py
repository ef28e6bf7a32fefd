"""``vitiscore score/segment --marks``: marked photos get the model adapted to their marks, the others the model's
own mask; marks turn with the photo; a changed mark rescores its photo only; bad marks are named by line."""

import csv

import numpy as np
import pytest
from PIL import Image

from tests.support import points_and_area, run_cli

STEPS = "10"  # enough to change a mask and to check the plumbing; the quality is measured in the experiments


def _rows(out):
    with open(out / "results.csv", newline="") as handle:
        return {row["image_id"]: row for row in csv.DictReader(handle)}


def _write_marks(path, marks):
    with open(path, "w", newline="") as handle:
        handle.write("image_id,x,y,label,radius\n")
        for image_id, x, y, label in marks:
            handle.write(f"{image_id},{x},{y},{label},6\n")
    return path


@pytest.fixture(scope="module")
def marked(tmp_path_factory, astronaut):
    from tests.support.marks import lesion_points, normal_points
    from vitiscore.training import synth

    points, area = points_and_area(astronaut)
    truth = synth.demo_lesions(astronaut.shape[:2], points, area, "baseline", seed=5)
    photo = synth.paint_depigmentation(astronaut, truth)
    photos = tmp_path_factory.mktemp("photos")
    Image.fromarray(photo).save(photos / "painted.png")
    Image.fromarray(photo).save(photos / "plain.png")
    # Saved sideways without an orientation tag: the scorer turns it upright, and its marks with it.
    Image.fromarray(np.ascontiguousarray(np.rot90(photo, 1))).save(photos / "sideways.png")
    width = photo.shape[1]
    inside = [(x, y, 1) for x, y in lesion_points(truth & area, 2)]
    # Normal skin inside the facial area (at least 10 px from its edge and from the lesions): inside the crop. The
    # last of four such points is marked as a lesion the model did not see: the marks the model already agrees
    # with change nothing, this one must.
    clear = normal_points(photo, truth | ~area, 4)
    outside = [(x, y, 0) for x, y in clear[:3]]
    claimed = [(*clear[3], 1)]
    every = inside + outside + claimed
    marks = [("painted", x, y, label) for x, y, label in every]
    # np.rot90(photo, 1) moves the pixel (x, y) to (y, width - 1 - x).
    marks += [("sideways", y, width - 1 - x, label) for x, y, label in every]
    marks_csv = _write_marks(tmp_path_factory.mktemp("marks") / "marks.csv", marks)
    out = tmp_path_factory.mktemp("out") / "run"
    proc = run_cli("score", str(photos), "-o", str(out), "--marks", str(marks_csv), "--refine-steps", STEPS, "-q")
    return photos, marks_csv, marks, out, proc, tuple(clear[3])


@pytest.mark.slow
def test_marked_photos_are_refined_and_the_others_are_not(marked):
    _, _, marks, out, proc, claimed = marked
    assert proc.returncode == 0, proc.stderr
    rows = _rows(out)
    for image_id in ("painted", "sideways"):
        assert (rows[image_id]["mask_source"], rows[image_id]["n_marks"]) == ("marks", "6")
        assert len(rows[image_id]["marks_sha256"]) == 64
    assert (rows["plain"]["mask_source"], rows["plain"]["n_marks"], rows["plain"]["marks_sha256"]) == ("model", "", "")
    assert rows["sideways"]["turned_deg"] in ("90", "270")
    painted = np.asarray(Image.open(out / rows["painted"]["mask_depigmented"]))
    sideways = np.asarray(Image.open(out / rows["sideways"]["mask_depigmented"]))
    # The same photo with the same marks, once turned: the same adapted model on the same crop.
    np.testing.assert_array_equal(painted, sideways)
    # Where a lesion mark sits on skin the model did not call lesion (the one on clear skin, and any other below
    # the margin, 0.75), the probability rose: the marks reached the model where they were placed.
    refined = np.asarray(Image.open(out / rows["painted"]["probability"])).astype(int)
    own = np.asarray(Image.open(out / rows["plain"]["probability"])).astype(int)
    x0, y0 = (int(v) for v in rows["painted"]["crop_box"].split(";")[:2])
    scale = float(rows["painted"]["crop_scale"])
    lesion_marks = [(x, y) for image_id, x, y, label in marks if image_id == "painted" and label == 1]
    assert claimed in lesion_marks
    disagreed = 0
    for x, y in lesion_marks:
        fx, fy = round((x - x0 + 0.5) * scale - 0.5), round((y - y0 + 0.5) * scale - 0.5)
        if own[fy, fx] < 0.75 * 255:
            disagreed += 1
            assert refined[fy, fx] > own[fy, fx] + 20, (x, y)
    assert disagreed >= 1


@pytest.mark.slow
def test_a_changed_mark_rescores_its_photo_only(marked, tmp_path):
    photos, marks_csv, marks, out = marked[:4]
    before = _rows(out)
    proc = run_cli(
        "score", str(photos), "-o", str(out), "--marks", str(marks_csv), "--refine-steps", STEPS, "--skip-existing"
    )
    assert proc.returncode == 0, proc.stderr
    again = _rows(out)
    assert {k: r["run_id"] for k, r in again.items()} == {k: r["run_id"] for k, r in before.items()}
    moved = [(i, x + 3, y, label) if i == "sideways" and label == 1 else (i, x, y, label) for i, x, y, label in marks]
    changed = _write_marks(tmp_path / "changed.csv", moved)
    proc = run_cli(
        "score", str(photos), "-o", str(out), "--marks", str(changed), "--refine-steps", STEPS, "--skip-existing"
    )
    assert proc.returncode == 0, proc.stderr
    after = _rows(out)
    assert after["sideways"]["run_id"] != before["sideways"]["run_id"]
    assert after["sideways"]["marks_sha256"] != before["sideways"]["marks_sha256"]
    assert after["painted"]["run_id"] == before["painted"]["run_id"]
    assert after["plain"]["run_id"] == before["plain"]["run_id"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "lines, message",
    [
        ("nobody,10,10,1,", "line 2: no photo has the image_id 'nobody'"),
        ("plain,10,10,1,\nplain,5000,10,0,", "line 3: the mark at x=5000, y=10 lies outside photo 'plain'"),
        ("plain,10,10,3,", "line 2: label must be 1 (depigmented) or 0 (normal skin), got '3'"),
    ],
)
def test_bad_marks_stop_the_run_before_any_photo_naming_the_line(marked, tmp_path, lines, message):
    photos = marked[0]
    path = tmp_path / "bad.csv"
    path.write_text("image_id,x,y,label,radius\n" + lines + "\n")
    out = tmp_path / "out"
    proc = run_cli("score", str(photos), "-o", str(out), "--marks", str(path))
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (out / "results.csv").exists()


def test_marks_need_a_model_that_can_learn(marked, tmp_path):
    photos, marks_csv = marked[:2]
    proc = run_cli("score", str(photos), "-o", str(tmp_path / "a"), "--marks", str(marks_csv), "--model", "classical")
    assert proc.returncode == 2 and "cannot be adapted" in proc.stderr, proc.stderr
    proc = run_cli("score", str(photos), "-o", str(tmp_path / "b"), "--marks", str(marks_csv), "--masks", str(photos))
    assert proc.returncode == 2 and "not both" in proc.stderr, proc.stderr


@pytest.mark.slow
def test_segment_refines_marked_photos(marked, tmp_path):
    photos, _, marks = marked[:3]
    # segment does not turn photos: the sideways photo's marks are on it as saved.
    path = _write_marks(tmp_path / "m.csv", [m for m in marks if m[0] == "sideways"])
    out = tmp_path / "seg"
    proc = run_cli("segment", str(photos), "-o", str(out), "--marks", str(path), "--refine-steps", STEPS, "-q")
    assert proc.returncode == 0, proc.stderr
    rows = _rows(out)
    assert (rows["sideways"]["mask_source"], rows["sideways"]["n_marks"]) == ("marks", "6")
    assert (rows["plain"]["mask_source"], rows["plain"]["n_marks"]) == ("model", "")
