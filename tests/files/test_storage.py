"""Output files: plain numbers in CSV cells, permissions that follow the umask, a clear error for a bad OUT, mask PNGs
that other readers decode to the same pixels."""

import csv
import os
import stat

import cv2
import numpy as np
import pytest
from PIL import Image

from vitiscore import files as files_mod
from vitiscore.files.masks import read_labels, read_mask


def test_numpy_numbers_are_written_as_plain_decimals(tmp_path):
    # Under numpy 2, repr(np.float64(1.6982)) is "np.float64(1.6982)": the cell must read 1.6982.
    path = tmp_path / "t.csv"
    rows = [{"a": np.float64(1.69823456789), "b": np.int64(3), "c": np.float32(0.5), "d": np.float64("nan")}]
    files_mod.write_csv(path, rows, ["a", "b", "c", "d"])
    with open(path, newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row == {"a": "1.698235", "b": "3", "c": "0.5", "d": ""}


def test_outputs_follow_the_umask_like_ordinary_files(tmp_path):
    previous = os.umask(0o022)
    try:
        files_mod.write_csv(tmp_path / "a.csv", [{"x": 1}], ["x"])
        files_mod.write_png(tmp_path / "m.png", np.zeros((2, 2), np.uint8))
        files_mod.write_json(tmp_path / "r.json", {})
        os.umask(0o027)
        files_mod.write_csv(tmp_path / "b.csv", [{"x": 1}], ["x"])
    finally:
        os.umask(previous)
    modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("a.csv", "m.png", "r.json", "b.csv")}
    assert modes == {"a.csv": 0o644, "m.png": 0o644, "r.json": 0o644, "b.csv": 0o640}


@pytest.mark.parametrize("command", ["score", "segment"])
def test_out_naming_a_file_is_a_usage_error(tmp_path, capsys, command):
    from tests.support import SAMPLES
    from vitiscore.cli import main

    a_file = tmp_path / "afile"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "sub"):
        with pytest.raises(SystemExit) as stop:
            main([command, str(SAMPLES / "light_baseline.jpg"), "-o", str(out), "--model", "classical"])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "output folder" in err and str(out) in err and "Traceback" not in err


def test_semicolon_and_tab_tables_are_read_like_comma_ones(tmp_path):
    # Spreadsheets in many locales save "CSV" with semicolons (decimal commas stay inside the cells).
    for name, delimiter in (("comma.csv", ","), ("semicolon.csv", ";"), ("tab.csv", "\t")):
        (tmp_path / name).write_text(
            delimiter.join(["subject_id", "visit", "rater 1"])
            + "\n"
            + delimiter.join(["s1", "baseline", "0,5" if delimiter != "," else "0.5"])
            + "\n",
            encoding="utf-8",
        )
        columns, rows = files_mod.read_table_csv(tmp_path / name)
        assert columns == ["subject_id", "visit", "rater 1"]
        assert rows[0]["subject_id"] == "s1" and rows[0]["visit"] == "baseline"
    single = tmp_path / "single.csv"
    single.write_text("image_id\nx\n")
    assert files_mod.read_table_csv(single) == (["image_id"], [{"image_id": "x"}])


def test_a_semicolon_manifest_is_read(tmp_path):
    from PIL import Image

    from vitiscore.batch.manifest import read_manifest

    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    (tmp_path / "m.csv").write_text("path;subject_id;visit;view;hand_area_cm2\na.png;s1;baseline;frontal;150\n")
    (entry,) = read_manifest(tmp_path / "m.csv")
    assert (entry.subject_id, entry.visit, entry.view, entry.hand.cm2) == ("s1", "baseline", "frontal", 150.0)


@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (64, 9), (33, 130)])  # odd widths end a row mid-byte
def test_masks_and_labels_read_back_the_same_in_pillow_opencv_and_our_readers(tmp_path, shape):
    rng = np.random.default_rng(sum(shape))
    mask = rng.random(shape) < 0.4
    labels = rng.integers(0, 16, shape).astype(np.uint8)
    files_mod.write_png(tmp_path / "mask.png", mask)
    files_mod.write_png(tmp_path / "labels.png", labels, labels=True)
    with Image.open(tmp_path / "mask.png") as image:
        assert image.mode == "1" and np.array_equal(np.asarray(image), mask)
    with Image.open(tmp_path / "labels.png") as image:
        assert image.mode == "P" and np.array_equal(np.asarray(image), labels)
        assert np.array_equal(np.asarray(image.convert("L")), labels)  # the palette's entry i is grey level i
    assert np.array_equal(cv2.imread(str(tmp_path / "mask.png"), cv2.IMREAD_UNCHANGED), mask.astype(np.uint8) * 255)
    assert np.array_equal(cv2.imread(str(tmp_path / "labels.png"), cv2.IMREAD_GRAYSCALE), labels)
    assert np.array_equal(read_mask(tmp_path / "mask.png"), mask)
    assert np.array_equal(read_labels(tmp_path / "labels.png"), labels)


def test_bad_png_arrays_are_refused():
    with pytest.raises(ValueError, match="0-15"):
        files_mod.png_bytes(np.full((2, 2), 16, np.uint8), labels=True)
    with pytest.raises(ValueError, match="empty"):
        files_mod.png_bytes(np.zeros((0, 4), bool))
    with pytest.raises(ValueError, match="uint8"):
        files_mod.png_bytes(np.zeros((2, 2), np.float32))


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised_and_numbers_are_not(tmp_path):
    import csv

    from vitiscore.files import write_csv

    rows = [
        {"subject_id": '=HYPERLINK("http://x","y")', "value": "-0.5"},
        {"subject_id": "@SUM(A1)", "value": "+3"},
        {"subject_id": "-cmd", "value": -0.25},
        {"subject_id": "plain", "value": "\tx"},
    ]
    write_csv(tmp_path / "t.csv", rows, ["subject_id", "value"])
    with open(tmp_path / "t.csv", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert [r["subject_id"] for r in read] == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "'-cmd", "plain"]
    assert [r["value"] for r in read] == ["-0.5", "+3", "-0.25", "'\tx"]
