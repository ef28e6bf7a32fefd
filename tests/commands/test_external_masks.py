"""``vitiscore score --masks``: masks drawn elsewhere are scored exactly, with their provenance."""

import csv
import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from tests.support import points_and_area, run_cli


@pytest.fixture(scope="module")
def external(tmp_path_factory, astronaut):
    from vitiscore.training import synth

    points, area = points_and_area(astronaut)
    truth = synth.demo_lesions(astronaut.shape[:2], points, area, "baseline", seed=5)
    photo = synth.paint_depigmentation(astronaut, truth)
    photos = tmp_path_factory.mktemp("photos")
    masks = tmp_path_factory.mktemp("masks")
    Image.fromarray(photo).save(photos / "painted.png")
    Image.fromarray(photo).save(photos / "plain01.png")
    Image.fromarray(photo).save(photos / "wrongsize.png")
    Image.fromarray(photo).save(photos / "nomask.png")
    # Saved sideways without an orientation tag, and its mask drawn on it as saved: both are turned upright.
    Image.fromarray(np.ascontiguousarray(np.rot90(photo, 1))).save(photos / "sideways.png")
    # The tracing also marks a corner of the background: outside the facial area, it must not count.
    traced = truth.copy()
    traced[:40, :40] = True
    Image.fromarray(traced.astype(np.uint8) * 255).save(masks / "painted_depigmented.png")
    Image.fromarray(traced.astype(np.uint8)).save(masks / "plain01.png")  # 0/1 values, bare image id
    Image.fromarray(np.ascontiguousarray(np.rot90(traced, 1)).astype(np.uint8) * 255).save(masks / "sideways.png")
    Image.fromarray(traced[:-10].astype(np.uint8) * 255).save(masks / "wrongsize_depigmented.png")
    out = tmp_path_factory.mktemp("out") / "run"
    proc = run_cli("score", str(photos), "-o", str(out), "--masks", str(masks))
    with open(out / "results.csv", newline="") as handle:
        rows = {row["image_id"]: row for row in csv.DictReader(handle)}
    return truth, masks, out, proc, rows


@pytest.mark.slow
def test_external_mask_is_counted_exactly_inside_the_facial_area(external):
    truth, _, out, proc, rows = external
    assert proc.returncode == 3, proc.stderr  # two photos could not be scored
    for image_id in ("painted", "plain01", "sideways"):
        row = rows[image_id]
        assert row["status"] == "ok", row["error"]
        # Every lesion pixel lies inside the facial area (the lesions were clipped to it) and the corner patch
        # outside: the count is the lesions' own pixel count.
        assert int(row["depigmented_px"]) == int(truth.sum()), image_id
        area = np.asarray(Image.open(out / row["mask_facial_area"])) > 0
        written = np.asarray(Image.open(out / row["mask_depigmented"])) > 0
        assert int((written & area).sum()) == int(row["depigmented_px"])
    assert rows["sideways"]["turned_deg"] == "270"
    assert rows["painted"]["fvasi"] == rows["plain01"]["fvasi"]


@pytest.mark.slow
def test_missing_and_misfit_masks_get_their_statuses(external):
    _, _, _, _, rows = external
    assert rows["nomask"]["status"] == "no_mask" and "nomask.png" in rows["nomask"]["error"]
    misfit = rows["wrongsize"]
    assert misfit["status"] == "mask_size_mismatch"
    assert "630x680" in misfit["error"] and "630x690" in misfit["error"], misfit["error"]
    assert misfit["fvasi"] == "" and misfit["depigmented_px"] == ""


@pytest.mark.slow
def test_provenance_names_the_mask_files(external):
    _, masks, out, _, rows = external
    for row in rows.values():
        assert row["mask_source"] == "external" and row["model_id"] == "external"
    digest = hashlib.sha256((masks / "painted_depigmented.png").read_bytes()).hexdigest()
    assert rows["painted"]["model_sha256"] == digest
    assert rows["painted"]["probability"] == "" and rows["painted"]["threshold"] == ""
    assert (out / rows["painted"]["crop"]).is_file()
    run = json.loads((out / "run.json").read_text())
    assert run["model"]["id"] == "external" and run["model"]["n_masks"] == 4 and len(run["model"]["sha256"]) == 64
