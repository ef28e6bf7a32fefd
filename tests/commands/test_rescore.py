"""``vitiscore rescore``: scores recomputed from reviewed masks, exactly, without the model or the photos."""

import csv
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.support import SAMPLES, run_cli
from vitiscore.review.store import save_review


def _rows(path):
    with open(path, newline="") as handle:
        return {row.get("image_id") or (row["subject_id"], row["visit"]): row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def reviewed_run(tmp_path_factory):
    photos = tmp_path_factory.mktemp("photos")
    names = ["tan_baseline", "tan_week24", "brown_baseline", "brown_week24"]
    lines = ["path,subject_id,visit,view"]
    for name in names:
        shutil.copy(SAMPLES / f"{name}.jpg", photos / f"{name}.jpg")
        subject, visit = name.split("_")
        lines.append(f"{name}.jpg,astronaut_{subject},{visit},frontal")
    (photos / "manifest.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path_factory.mktemp("out") / "run"
    proc = run_cli("score", "--manifest", str(photos / "manifest.csv"), "-o", str(out), "--uncertainty")
    assert proc.returncode == 0, proc.stderr
    scored_csv = (out / "results.csv").read_bytes()
    scored_fused = (out / "fused.csv").read_bytes()
    # Rescoring a run nobody reviewed gives back the scored tables.
    proc = run_cli("rescore", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    unchanged = ((out / "results.csv").read_bytes(), (out / "fused.csv").read_bytes())
    model = _rows(out / "results.csv")

    row = model["tan_baseline"]
    x0, y0, x1, y1 = (int(v) for v in row["crop_box"].split(";"))
    assert float(row["crop_scale"]) == 1.0  # the demo faces are analysed at photo resolution
    unsure = np.asarray(Image.open(out / row["unsure_map"]))  # --uncertainty: where the model is unsure
    assert unsure.shape == (y1 - y0, x1 - x0) and unsure.dtype == np.uint8 and unsure.max() > 0
    area = np.asarray(Image.open(out / row["mask_facial_area"]))[y0:y1, x0:x1] > 0
    cy, cx = (int(v) for v in np.argwhere(area).mean(axis=0))
    patch = np.zeros((y1 - y0, x1 - x0), bool)
    patch[cy - 15 : cy + 15, cx - 40 : cx + 40] = True  # 30 x 80 frame pixels across the middle of the face
    save_review(out, row, "dr_a", "save", added=patch)
    save_review(out, model["brown_week24"], "dr_b", "exclude", reason="eyes closed,  blurred")
    # A first save cut off after its mask was written and before its log row: a mask nobody logged.
    shutil.copy(out / "reviewed" / "tan_baseline_depigmented.png", out / "reviewed" / "tan_week24_depigmented.png")
    shutil.move(str(photos), str(photos.with_name("moved_away")))  # rescoring must not need the photos
    proc = run_cli("rescore", str(out))
    return out, model, scored_csv, scored_fused, unchanged, (x0, y0, patch), proc


@pytest.mark.slow
def test_rescoring_an_unreviewed_run_changes_nothing(reviewed_run):
    _, _, scored_csv, scored_fused, unchanged, _, _ = reviewed_run
    assert unchanged == (scored_csv, scored_fused)


@pytest.mark.slow
def test_added_patch_changes_depigmented_px_by_exactly_the_patch_inside_the_facial_area(reviewed_run):
    out, model, _, _, _, (x0, y0, patch), proc = reviewed_run
    assert proc.returncode == 0, proc.stderr
    before = model["tan_baseline"]
    area = np.asarray(Image.open(out / before["mask_facial_area"])) > 0
    old_mask = np.asarray(Image.open(out / before["mask_depigmented"])) > 0
    placed = np.zeros_like(area)
    placed[y0 : y0 + patch.shape[0], x0 : x0 + patch.shape[1]] = patch
    new_pixels = int((placed & area & ~old_mask).sum())
    assert new_pixels > 500  # the patch lies mostly on facial skin the model did not mark
    after = _rows(out / "results.csv")["tan_baseline"]
    assert int(after["depigmented_px"]) == int(before["depigmented_px"]) + new_pixels
    assert int(after["facial_area_px"]) == int(before["facial_area_px"])
    assert float(after["fvasi_surface"]) > float(before["fvasi_surface"])
    # Flat F-VASI is the depigmented share of the facial area's pixels times the face's hand units.
    share = int(after["depigmented_px"]) / int(after["facial_area_px"])
    assert float(after["fvasi"]) == pytest.approx(share * float(after["face_hand_units"]), abs=2e-6)
    assert after["mask_source"] == "reviewed" and after["reviewed_by"] == "dr_a" and after["reviewed_at"]
    # The model's interval says nothing of the rater's mask: cleared, here and in the fused row; kept elsewhere.
    assert before["fvasi_low"] and before["depigmented_fraction_high"]
    assert after["fvasi_low"] == after["fvasi_high"] == after["depigmented_fraction_low"] == ""
    fused = _rows(out / "fused.csv")
    assert fused[("astronaut_tan", "baseline")]["fvasi_fused_low"] == ""
    assert fused[("astronaut_brown", "baseline")]["fvasi_fused_low"] != ""
    assert _rows(out / "results.csv")["brown_baseline"]["fvasi_low"] == model["brown_baseline"]["fvasi_low"]
    assert after["mask_depigmented"] == "reviewed/tan_baseline_depigmented.png"
    assert Image.open(out / after["mask_depigmented"]).mode == "1"  # 1-bit, as the model's masks
    assert (out / after["overlay"]).is_file() and after["overlay"].startswith("rescored/")
    log = list(csv.DictReader(open(out / "reviewed" / "review.csv", newline="")))
    assert log[0]["action"] == "edit" and int(log[0]["pixels_added"]) == new_pixels and log[0]["pixels_removed"] == "0"


@pytest.mark.slow
def test_excluded_photo_and_untouched_rows(reviewed_run):
    out, model, scored_csv, _, _, _, _ = reviewed_run
    rows = _rows(out / "results.csv")
    excluded = rows["brown_week24"]
    assert excluded["status"] == "excluded" and excluded["fvasi"] == "" and excluded["depigmented_px"] == ""
    assert "eyes closed, blurred" in excluded["error"] and "dr_b" in excluded["error"]
    for image_id in ("tan_week24", "brown_baseline"):
        assert rows[image_id] == model[image_id]
    assert (out / "results_model.csv").read_bytes() == scored_csv
    review = json.loads((out / "run.json").read_text())["review"]
    assert (review["reviewed"], review["excluded"], review["raters"]) == (1, 1, ["dr_a", "dr_b"])
    # The unlogged mask is not applied, and it is said so rather than passed over.
    assert [item["image_id"] for item in review["not_applied"]] == ["tan_week24"]
    assert "no row in review.csv" in review["not_applied"][0]["problem"]


@pytest.mark.slow
def test_fused_rows_are_recomputed(reviewed_run):
    out, _, _, scored_fused, _, _, _ = reviewed_run
    fused = _rows(out / "fused.csv")
    rows = _rows(out / "results.csv")
    assert fused[("astronaut_brown", "week24")]["status"] == "no_scored_view"
    # One frontal view: the fused fraction is that photo's surface fraction.
    tan = fused[("astronaut_tan", "baseline")]
    assert float(tan["depigmented_fraction_fused"]) == pytest.approx(
        float(rows["tan_baseline"]["depigmented_fraction_surface"]), abs=1e-6
    )
    before = _rows_from_bytes(scored_fused)[("astronaut_tan", "baseline")]
    assert float(tan["depigmented_fraction_fused"]) > float(before["depigmented_fraction_fused"])


@pytest.mark.slow
def test_compare_reads_the_rescored_results(reviewed_run, tmp_path):
    out = reviewed_run[0]
    proc = run_cli(
        "compare",
        str(out / "results.csv"),
        "--baseline",
        "baseline",
        "--followup",
        "week24",
        "-o",
        str(tmp_path),
        "--no-plots",
        "-q",
    )
    assert proc.returncode == 0, proc.stderr
    per_subject = {r["subject_id"]: r for r in csv.DictReader(open(tmp_path / "per_subject.csv", newline=""))}
    assert per_subject["astronaut_brown"]["status"] == "imputed_nonresponder"
    tan = per_subject["astronaut_tan"]
    assert tan["status"] == "evaluable"
    # The photos were moved away: the map is drawn over the face crops the run kept.
    assert tan["map_error"] == "" and (tmp_path / tan["map"]).is_file()


def _rows_from_bytes(data: bytes):
    reader = csv.DictReader(data.decode("utf-8").splitlines())
    return {(r["subject_id"], r["visit"]): r for r in reader}
