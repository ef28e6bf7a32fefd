import csv
import json
import os

import numpy as np
import pytest
from PIL import Image

from tests.support import SAMPLES, points_and_area, run_cli, save_jpeg
from vitiscore import score_folder
from vitiscore.segment import DEFAULT_MODEL


@pytest.fixture(scope="module")
def batch(tmp_path_factory, astronaut):
    from vitiscore.training import synth

    folder = tmp_path_factory.mktemp("photos")
    photo = synth.paint_depigmentation(
        astronaut, synth.demo_lesions(astronaut.shape[:2], *points_and_area(astronaut), "baseline", seed=2)
    )
    save_jpeg(folder / "normal.jpg", photo)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated 90 degrees counter-clockwise; viewers rotate it back
    save_jpeg(folder / "rotated.jpg", np.ascontiguousarray(np.rot90(photo, k=1)), exif=exif)
    Image.fromarray(np.dstack([photo, np.full(photo.shape[:2], 200, np.uint8)])).save(folder / "alpha.png")
    Image.fromarray(photo).convert("L").save(folder / "gray.jpg", quality=95)
    data = (folder / "normal.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "text.jpg").write_text("this is not a photo\n")
    sky = np.zeros((300, 400, 3), np.uint8)
    sky[:] = (90, 140, 220)
    save_jpeg(folder / "noface.jpg", sky)
    out = tmp_path_factory.mktemp("out") / "run"
    proc = run_cli("score", str(folder), "-o", str(out))
    with open(out / "results.csv", newline="") as handle:
        rows = {row["image_id"]: row for row in csv.DictReader(handle)}
    return folder, out, proc, rows


@pytest.mark.slow
def test_every_input_gets_a_row_and_exit_code_3(batch):
    _, out, proc, rows = batch
    assert proc.returncode == 3, proc.stderr
    assert set(rows) == {"normal", "rotated", "alpha", "gray", "truncated", "empty", "text", "noface"}
    for good in ("normal", "rotated", "alpha"):
        assert rows[good]["status"] == "ok", rows[good]["error"]
    assert rows["gray"]["status"] == "no_colour" and rows["gray"]["fvasi"] == ""  # no colour, no number
    assert rows["truncated"]["status"] == "truncated"
    assert rows["empty"]["status"] == "empty_file"
    assert rows["text"]["status"] == "unreadable"
    assert rows["noface"]["status"] == "no_face"
    for row in rows.values():
        assert row["error"] or row["status"] == "ok"
        assert not os.path.isabs(row["path"]) and row["model_id"] == DEFAULT_MODEL and row["eyelids"] == "exclude"
        assert len(row["model_sha256"]) == 64 and row["tool_version"]


@pytest.mark.slow
def test_exif_rotated_copy_gives_the_same_result(batch):
    rows = batch[3]
    a, b = rows["normal"], rows["rotated"]
    assert (int(b["width"]), int(b["height"])) == (int(a["width"]), int(a["height"]))
    assert abs(float(a["depigmented_fraction"]) - float(b["depigmented_fraction"])) < 0.005
    # The facial area used to take or leave a patch of the astronaut's fringe after JPEG re-encoding (14 %
    # apart); with the fringe left out of the forehead it agrees within 0.3 %.
    assert abs(int(a["facial_area_px"]) - int(b["facial_area_px"])) / int(a["facial_area_px"]) < 0.02


@pytest.mark.slow
def test_outputs_masks_overlays_and_run_json(batch):
    _, out, _, rows = batch
    row = rows["normal"]
    depig = np.asarray(Image.open(out / row["mask_depigmented"]))
    area = np.asarray(Image.open(out / row["mask_facial_area"]))
    units = np.asarray(Image.open(out / row["mask_units"]))
    assert depig.shape == area.shape == (int(row["height"]), int(row["width"]))
    # the CSV numbers are reproducible from the written masks
    assert int((area > 0).sum()) == int(row["facial_area_px"])
    assert int((depig > 0).sum()) == int(row["depigmented_px"])
    assert np.array_equal(units > 0, area > 0)
    assert (out / row["overlay"]).is_file()
    overlay = Image.open(out / row["overlay"])
    assert overlay.format == "JPEG" and row["overlay"] == "overlays/normal.jpg"
    assert not overlay.info.get("exif") and overlay.getexif() == {}
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["ok"] == 3 and run["model"]["id"] == DEFAULT_MODEL
    assert set(run["seconds_by_stage"]) >= {"decode", "landmarks", "facial_area", "segmentation", "scoring", "writing"}


@pytest.mark.slow
def test_skip_existing_resumes_without_redoing(batch):
    folder, out, _, rows = batch
    before = (out / "masks" / "normal_depigmented.png").stat().st_mtime_ns
    proc = run_cli("score", str(folder), "-o", str(out), "--skip-existing", "-q")
    assert proc.returncode == 3 and proc.stdout == ""
    run = json.loads((out / "run.json").read_text())
    assert run["reused"] == 3 and run["scored_this_run"] == 5  # the failures are retried
    assert (out / "masks" / "normal_depigmented.png").stat().st_mtime_ns == before
    with open(out / "results.csv", newline="") as handle:
        again = {row["image_id"]: row for row in csv.DictReader(handle)}
    assert again["normal"]["fvasi"] == rows["normal"]["fvasi"] and len(again) == 8


@pytest.mark.slow
def test_usage_errors_exit_2(tmp_path):
    assert run_cli("score", str(tmp_path / "missing"), "-o", str(tmp_path / "o")).returncode == 2
    assert run_cli("score", str(tmp_path), "-o", str(tmp_path / "o")).returncode == 2  # no photos
    proc = run_cli("score", str(tmp_path), "-o", str(tmp_path / "o"), "--model", "nonexistent")
    assert proc.returncode == 2 and "classical" in proc.stderr  # lists the available models
    assert run_cli("score", str(tmp_path), "-o", str(tmp_path / "o"), "--face-hand-units", "-1").returncode == 2


def test_pipes_devices_and_link_loops_get_a_row_in_bounded_time(tmp_path):
    # A FIFO named x.jpg or a link to /dev/zero was read for its SHA-256 forever; two links pointing at each
    # other aborted the run with a traceback and no rows.
    import os
    import shutil
    import threading

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "light_baseline.jpg", folder / "a.jpg")
    os.mkfifo(folder / "fifo.jpg")
    os.symlink("/dev/zero", folder / "zero.jpg")
    os.symlink(folder / "loop2.jpg", folder / "loop1.jpg")
    os.symlink(folder / "loop1.jpg", folder / "loop2.jpg")
    result = {}
    worker = threading.Thread(
        target=lambda: result.update(run=score_folder([folder], tmp_path / "out", progress=False, workers=1)),
        daemon=True,
    )
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the run hangs on a special file"
    statuses = {row["image_id"]: row["status"] for row in result["run"].rows}
    assert statuses == {"a": "ok", "fifo": "unreadable", "zero": "unreadable", "loop1": "unreadable",
                        "loop2": "unreadable"}  # fmt: skip
