"""``vitiscore segment`` on whole photos, with and without a face, and on a file that is not a photo."""

import csv
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.support import points_and_area, run_cli, save_jpeg
from vitiscore.files.masks import read_mask
from vitiscore.segment import DEFAULT_MODEL


@pytest.fixture(scope="module")
def segmented(tmp_path_factory, astronaut):
    from vitiscore.training import synth

    truth = synth.demo_lesions(astronaut.shape[:2], *points_and_area(astronaut), "baseline", seed=3)
    photo = synth.paint_depigmentation(synth.retone(astronaut, "tan"), truth)
    folder = tmp_path_factory.mktemp("photos")
    save_jpeg(folder / "face.jpg", photo)
    # A close-up of the largest lesion and the skin around it: no face to find.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(truth.astype(np.uint8))
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = stats[biggest, :4]
    box = (slice(max(0, y - h), y + 2 * h), slice(max(0, x - w), x + 2 * w))
    save_jpeg(folder / "closeup.jpg", photo[box])
    (folder / "notes.jpg").write_text("not a photo\n")
    out = tmp_path_factory.mktemp("out") / "seg"
    proc = run_cli("segment", str(folder), "-o", str(out))
    with open(out / "results.csv", newline="") as f:
        rows = {r["image_id"]: r for r in csv.DictReader(f)}
    return out, proc, rows, {"face": truth, "closeup": truth[box]}, photo[box].shape


@pytest.mark.slow
def test_every_photo_gets_a_row_and_a_photo_sized_mask(segmented):
    out, proc, rows, _, closeup_shape = segmented
    assert proc.returncode == 3, proc.stderr
    assert set(rows) == {"face", "closeup", "notes"}
    assert rows["notes"]["status"] == "unreadable" and rows["notes"]["error"]
    for image_id, shape in (("face", (690, 630)), ("closeup", closeup_shape[:2])):
        row = rows[image_id]
        assert row["status"] == "ok" and row["model_id"] == DEFAULT_MODEL
        written = Image.open(out / row["mask_depigmented"])
        assert row["mask_depigmented"] == f"masks/{image_id}_depigmented.png"
        assert written.mode == "1"  # 1-bit: an eighth of the bytes of an 8-bit mask to write and compress
        mask = read_mask(out / row["mask_depigmented"])
        assert mask.shape == shape
        assert int(row["depigmented_px"]) == int(mask.sum())
        assert float(row["depigmented_fraction"]) == pytest.approx(mask.mean(), abs=1e-6)
    run = json.loads((out / "run.json").read_text())
    assert run["counts"] == {"ok": 2, "unreadable": 1} and run["model"]["id"] == DEFAULT_MODEL


def test_masks_follow_the_painted_truth(segmented):
    out, _, rows, truth, _ = segmented
    # The whole photo includes hair, eyes and background, and the model must not mark them.
    assert float(rows["face"]["depigmented_fraction"]) == pytest.approx(truth["face"].mean(), abs=0.02)
    # The close-up's lesion is found. Its fraction is not asserted: on a close-up the model also marks the
    # astronaut's blond fringe and the skin under the eyes (about 0.27 against a true 0.07), a known weakness
    # recorded in the model card.
    mask = read_mask(out / rows["closeup"]["mask_depigmented"])
    assert (mask & truth["closeup"]).sum() / truth["closeup"].sum() > 0.8


def test_unknown_model_is_a_usage_error(tmp_path):
    proc = run_cli("segment", str(tmp_path), "-o", str(tmp_path / "out"), "--model", "nope")
    assert proc.returncode == 2 and "available" in proc.stderr


@pytest.mark.slow
def test_a_folder_of_unreadable_files_gives_rows_not_a_crash(tmp_path):
    (tmp_path / "a.jpg").write_text("not a photo\n")
    (tmp_path / "b.png").write_bytes(b"")
    proc = run_cli("segment", str(tmp_path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 3, proc.stderr
    with open(tmp_path / "out" / "results.csv", newline="") as f:
        statuses = {r["image_id"]: r["status"] for r in csv.DictReader(f)}
    assert statuses == {"a": "unreadable", "b": "empty_file"}


def test_with_a_skin_head_only_skin_counts(tmp_path, monkeypatch, astronaut):
    """A model that marks the left half and sees skin in the top half: only the top-left quarter is depigmented
    skin, half of the skin."""
    from vitiscore.batch import segment as segment_command
    from vitiscore.segment.protocol import Segmentation

    class LeftHalfTopSkin:
        model_id, sha256, threshold, has_skin_head = "left-top", "0" * 64, 0.5, True

        def predict_batch(self, images, areas):
            out = []
            for rgb in images:
                h, w = rgb.shape[:2]
                mask = np.zeros((h, w), bool)
                mask[:, : w // 2] = True
                skin = np.zeros((h, w), bool)
                skin[: h // 2] = True
                out.append(Segmentation(mask.astype(np.float32), mask, 0.5, skin))
            return out

    monkeypatch.setattr(segment_command, "load_segmenter", lambda model, device="cpu": LeftHalfTopSkin())
    photo = astronaut[:200, :300]
    save_jpeg(tmp_path / "p.jpg", photo)
    result = segment_command.segment_folder([tmp_path / "p.jpg"], tmp_path / "out", progress=False)
    row = result.rows[0]
    assert row["depigmented_px"] == 100 * 150 and row["skin_px"] == 100 * 300
    assert row["depigmented_fraction"] == 0.25 and row["depigmented_fraction_of_skin"] == 0.5
    written = np.asarray(Image.open(tmp_path / "out" / row["mask_depigmented"])) > 0
    assert written.sum() == 100 * 150 and not written[100:].any()
    assert (np.asarray(Image.open(tmp_path / "out" / row["mask_skin"])) > 0).sum() == 100 * 300
    assert "only skin counts" in result.run["region"]
