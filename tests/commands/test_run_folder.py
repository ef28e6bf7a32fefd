"""A run owns its output folder: replaced photos are rescored, stale files go, outputs are never photos, and
compare and validate cope with what a real study folder holds. [issue 27, items 1-5]"""

import csv
import shutil

import pytest

from tests.support import SAMPLES
from vitiscore import ScoreOptions, compare, score_folder, write_comparison
from vitiscore.cli import main

CLASSICAL = ScoreOptions(model="classical")


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _photos(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def test_skip_existing_rescores_a_replaced_photo(tmp_path):
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg")
    first = score_folder([photos], tmp_path / "out", CLASSICAL, progress=False)
    shutil.copy(SAMPLES / "brown_week24.jpg", photos / "tan_baseline.jpg")  # same name, another picture
    again = score_folder([photos], tmp_path / "out", CLASSICAL, skip_existing=True, progress=False)
    assert again.run["reused"] == 0 and again.run["scored_this_run"] == 1
    assert again.rows[0]["photo_sha256"] != first.rows[0]["photo_sha256"]
    assert again.rows[0]["depigmented_fraction"] != first.rows[0]["depigmented_fraction"]
    # Unchanged, it is reused.
    third = score_folder([photos], tmp_path / "out", CLASSICAL, skip_existing=True, progress=False)
    assert third.run["reused"] == 1 and third.rows[0]["photo_sha256"] == again.rows[0]["photo_sha256"]


def test_a_rerun_leaves_nothing_stale_and_compare_ignores_another_runs_fused_table(tmp_path):
    out = tmp_path / "out"
    score_folder([], out, CLASSICAL, manifest=SAMPLES / "manifest.csv", progress=False)
    assert (out / "fused.csv").is_file() and (out / "masks" / "brown_week24_depigmented.png").is_file()
    photos = _photos(tmp_path / "photos", "light_baseline.jpg", "light_week24.jpg")
    # Same settings, other photos, no manifest: other inputs are refused like other settings (they replaced the
    # manifest run and its fused.csv silently).
    with pytest.raises(ValueError, match="leaves out"):
        score_folder([photos], out, CLASSICAL, progress=False)
    assert (out / "fused.csv").is_file()
    score_folder([photos], out, CLASSICAL, progress=False, overwrite=True)
    assert not (out / "fused.csv").exists()
    assert sorted(p.name for p in (out / "masks").iterdir()) == sorted(
        f"light_{v}_{m}.png" for v in ("baseline", "week24") for m in ("depigmented", "facial_area", "units")
    )
    # A fused.csv of another run put back beside results.csv is not used.
    shutil.copy(_fused_of_another_run(tmp_path), out / "fused.csv")
    rows = _rows(out / "results.csv")
    with open(out / "results.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "subject_id": "astronaut_light", "visit": row["image_id"].split("_")[1]})
    table = compare(out / "results.csv", "baseline", ["week24"]).table
    assert table.source.endswith("results.csv")


def test_a_rerun_removes_an_earlier_rescoring_and_keeps_the_raters_work(tmp_path):
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg")
    out = tmp_path / "out"
    score_folder([photos], out, CLASSICAL, progress=False)
    assert main(["rescore", str(out), "-q"]) == 0
    assert (out / "results_model.csv").is_file()
    (out / "rescored" / "overlays").mkdir(parents=True)  # what rescoring a reviewed photo leaves
    (out / "rescored" / "overlays" / "tan_baseline.jpg").write_bytes(b"an earlier rescoring's overlay")
    (out / "reviewed").mkdir()
    (out / "reviewed" / "review.csv").write_text("a rater's log\n")
    # Rescored overlays and triangles drawn from the earlier run's masks would sit beside the new run's.
    score_folder([photos], out, CLASSICAL, progress=False, overwrite=True)
    assert not (out / "rescored").exists() and not (out / "results_model.csv").exists()
    assert (out / "reviewed" / "review.csv").read_text() == "a rater's log\n"


def _fused_of_another_run(tmp_path):
    other = tmp_path / "other"
    score_folder([], other, CLASSICAL, manifest=SAMPLES / "manifest.csv", progress=False)
    return other / "fused.csv"


def test_other_settings_are_refused_unless_overwrite(tmp_path, capsys):
    photos = _photos(tmp_path / "photos", "tan_week24.jpg")
    out = tmp_path / "out"
    score_folder([photos], out, CLASSICAL, progress=False)
    with pytest.raises(SystemExit) as stop:
        main(["score", str(photos), "-o", str(out), "--model", "classical", "--eyelids", "include", "-q"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "other settings" in err and "eyelids 'exclude' -> 'include'" in err and "--overwrite" in err
    assert (
        main(
            ["score", str(photos), "-o", str(out), "--model", "classical", "--eyelids", "include", "-q", "--overwrite"]
        )
        == 0
    )
    assert {r["eyelids"] for r in _rows(out / "results.csv")} == {"include"}


def test_an_output_folder_inside_the_photo_folder_is_never_scored(tmp_path):
    nest = _photos(tmp_path / "nest", "tan_baseline.jpg", "tan_week24.jpg")
    (nest / ".thumbnails").mkdir()
    shutil.copy(SAMPLES / "tan_week24.jpg", nest / ".thumbnails" / "hidden.jpg")
    for _ in range(2):
        result = score_folder([nest], nest / "out", CLASSICAL, progress=False)
        assert [r["image_id"] for r in result.rows] == ["tan_baseline", "tan_week24"]
    # Another run's output folder in there is left out too, and naming an output folder as input is an error.
    score_folder([nest / "tan_baseline.jpg"], nest / "sub" / "elsewhere", CLASSICAL, progress=False)
    assert len(score_folder([nest], tmp_path / "out2", CLASSICAL, progress=False).rows) == 2
    with pytest.raises(ValueError, match="output folder"):
        score_folder([nest / "out"], tmp_path / "out3", CLASSICAL, progress=False)


@pytest.mark.slow
def test_compare_on_a_moved_output_folder_writes_its_tables_and_maps_from_kept_landmarks(tmp_path):
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg", "tan_week24.jpg")
    (photos / "manifest.csv").write_text(
        "path,subject_id,visit,view\ntan_baseline.jpg,tan,baseline,frontal\ntan_week24.jpg,tan,week24,frontal\n"
    )
    score_folder([], tmp_path / "out", CLASSICAL, manifest=photos / "manifest.csv", progress=False)
    shutil.copytree(tmp_path / "out", tmp_path / "moved" / "out")  # ../photos no longer resolves
    comparison = compare(tmp_path / "moved" / "out" / "results.csv", "baseline", ["week24"])
    write_comparison(comparison, tmp_path / "moved" / "compare", plots=False)
    (row,) = _rows(tmp_path / "moved" / "compare" / "per_subject.csv")
    # The photos are out of reach: the map is drawn over the face crop the run kept.
    assert (
        row["status"] == "evaluable"
        and row["map_error"] == ""
        and (tmp_path / "moved" / "compare" / row["map"]).is_file()
    )
    shutil.rmtree(tmp_path / "moved" / "out" / "crops")
    write_comparison(comparison, tmp_path / "moved" / "compare2", plots=False)
    (row,) = _rows(tmp_path / "moved" / "compare2" / "per_subject.csv")
    assert row["status"] == "evaluable" and "baseline photo" in row["map_error"]
    assert (tmp_path / "moved" / "compare2" / "cohort.csv").is_file()
    # With the photos in place, the map is drawn from the landmarks kept at score time.
    comparison = compare(tmp_path / "out" / "results.csv", "baseline", ["week24"])
    write_comparison(comparison, tmp_path / "compare", plots=False)
    (row,) = _rows(tmp_path / "compare" / "per_subject.csv")
    assert row["map_error"] == "" and (tmp_path / "compare" / row["map"]).is_file()


def test_a_folder_with_tables_or_masks_no_run_wrote_is_refused_and_kept(tmp_path):
    # Before, the run's clean-up removed masks/ and results.csv of any folder given as OUT, a team's own drawn
    # masks and table included.
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg")
    study = tmp_path / "study"
    (study / "masks").mkdir(parents=True)
    (study / "masks" / "drawn.png").write_bytes(b"a rater's mask")
    (study / "results.csv").write_text("image_id,fvasi\nx,0.5\n")
    with pytest.raises(ValueError, match=r"masks.*no run.json"):
        score_folder([photos], study, CLASSICAL, progress=False)
    assert (study / "masks" / "drawn.png").read_bytes() == b"a rater's mask"
    assert (study / "results.csv").read_text() == "image_id,fvasi\nx,0.5\n"
    assert not (study / "run.json").exists()
    # Files no run writes are no obstacle.
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("kept\n")
    assert score_folder([photos], other, CLASSICAL, progress=False).counts == {"ok": 1}
    assert (other / "notes.txt").read_text() == "kept\n"


def test_masks_or_marks_inside_the_run_files_are_refused(tmp_path):
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg")
    out = tmp_path / "out"
    first = score_folder([photos], out, CLASSICAL, progress=False)
    drawn = out / "masks"  # the run's own masks given back as masks drawn elsewhere: the run would remove them
    before = sorted(p.name for p in drawn.iterdir())
    with pytest.raises(ValueError, match="--masks"):
        score_folder([photos], out, CLASSICAL, masks=drawn, overwrite=True, progress=False)
    assert sorted(p.name for p in drawn.iterdir()) == before
    marks = out / "masks" / "MARKS.csv"
    marks.write_text(f"image_id,x,y,label\n{first.rows[0]['image_id']},300,300,1\n")
    with pytest.raises(ValueError, match="--marks"):
        score_folder([photos], out, ScoreOptions(), marks=marks, overwrite=True, progress=False)
    assert marks.is_file()


def test_skip_existing_drops_a_photo_left_out_of_the_run(tmp_path):
    # Before, the left-out photo's row stayed in the journal and its files on disk, and `rescore` (and the
    # review page) brought it back into the study's results.
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg", "tan_week24.jpg", "light_baseline.jpg")
    out = tmp_path / "out"
    score_folder([photos], out, CLASSICAL, progress=False)
    (photos / "light_baseline.jpg").unlink()
    again = score_folder([photos], out, CLASSICAL, skip_existing=True, progress=False)
    assert again.run["reused"] == 2 and [r["image_id"] for r in again.rows] == ["tan_baseline", "tan_week24"]
    assert [r["image_id"] for r in _rows_jsonl(out)] == ["tan_baseline", "tan_week24"]
    assert not [p for p in out.rglob("*") if p.name.startswith("light_baseline")]
    assert main(["rescore", str(out), "-q"]) == 0
    assert [r["image_id"] for r in _rows(out / "results.csv")] == ["tan_baseline", "tan_week24"]


def _rows_jsonl(out):
    import json

    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_skip_existing_does_not_reuse_a_manifest_rows_hand_size_in_a_run_without_it(tmp_path):
    # Before, a rerun without the manifest reused the rows scored with the manifest's hand size (F-VASI at about
    # 2.1 HU) beside new rows at the default 3 HU, in one results.csv.
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,subject_id,visit,view,hand_area_cm2\nphotos/tan_baseline.jpg,s1,baseline,front,100\n")
    out = tmp_path / "out"
    first = score_folder([], out, CLASSICAL, manifest=manifest, progress=False)
    assert first.rows[0]["subject_id"] == "s1" and first.rows[0]["face_hand_units"] != 3.0
    again = score_folder([photos], out, CLASSICAL, skip_existing=True, progress=False)
    assert again.run["reused"] == 0
    assert again.rows[0].get("subject_id") is None and again.rows[0]["face_hand_units"] == 3.0
    # The same manifest again: the row of the run without it is not reused either, and then it is.
    third = score_folder([], out, CLASSICAL, manifest=manifest, skip_existing=True, progress=False)
    assert third.run["reused"] == 0 and third.rows[0]["face_hand_units"] == first.rows[0]["face_hand_units"]
    fourth = score_folder([], out, CLASSICAL, manifest=manifest, skip_existing=True, progress=False)
    assert fourth.run["reused"] == 1


def test_skip_existing_after_a_run_without_overlays_draws_them(tmp_path):
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg")
    out = tmp_path / "out"
    first = score_folder([photos], out, CLASSICAL, overlays=False, progress=False)
    assert not first.rows[0].get("overlay")
    again = score_folder([photos], out, CLASSICAL, skip_existing=True, progress=False)
    assert again.run["reused"] == 0 and (out / again.rows[0]["overlay"]).is_file()
    # Without overlays, a row with one is reused as it is.
    third = score_folder([photos], out, CLASSICAL, overlays=False, skip_existing=True, progress=False)
    assert third.run["reused"] == 1 and (out / third.rows[0]["overlay"]).is_file()


def test_a_ctrl_c_right_after_a_journal_line_leaves_that_row_in_results_csv(tmp_path, monkeypatch):
    # The interrupt lands between a photo's journal line and its place in memory (seen under load with two
    # workers); results.csv must still hold every row the journal holds.
    import csv

    from vitiscore import files as files_mod

    real_append = files_mod.append_jsonl
    calls = []

    def append_then_interrupt(path, row):
        real_append(path, row)
        calls.append(row["image_id"])
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(files_mod, "append_jsonl", append_then_interrupt)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        score_folder([SAMPLES], out, progress=False, workers=1, overlays=False)
    with open(out / "results.csv", newline="") as handle:
        assert [r["image_id"] for r in csv.DictReader(handle)] == calls
    # and run.json says the run was interrupted, with what it kept (it said "running", with no counts)
    import json

    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "interrupted" and run["finished"] == 2 and run["photos"] == 6
    assert run["counts"] == {"ok": 2}


def test_skip_existing_redoes_a_photo_whose_mask_is_cut_short_or_whose_map_is_empty(tmp_path):
    # Both were taken as done, and `report` then crashed on them.
    photos = _photos(tmp_path / "photos", "tan_baseline.jpg", "brown_week24.jpg")
    out = tmp_path / "out"
    first = {r["image_id"]: r for r in score_folder([photos], out, CLASSICAL, progress=False).rows}
    mask = out / first["tan_baseline"]["mask_depigmented"]
    mask.write_bytes(mask.read_bytes()[: mask.stat().st_size // 2])
    (out / first["brown_week24"]["probability"]).write_bytes(b"")
    again = score_folder([photos], out, CLASSICAL, skip_existing=True, progress=False)
    assert again.run["reused"] == 0 and again.run["scored_this_run"] == 2
    assert {r["image_id"]: r["depigmented_px"] for r in again.rows} == {
        i: r["depigmented_px"] for i, r in first.items()
    }
    assert main(["report", str(out)]) == 0
    third = score_folder([photos], out, CLASSICAL, skip_existing=True, progress=False)
    assert third.run["reused"] == 2


def test_a_full_disk_says_where_how_much_is_free_and_how_to_go_on(tmp_path, monkeypatch):
    # It ended in a traceback and exit 1.
    import errno

    from vitiscore import files as files_mod
    from vitiscore.errors import DiskFullError

    photos = _photos(tmp_path / "photos", "tan_baseline.jpg", "brown_week24.jpg")
    out = tmp_path / "out"
    written = files_mod.append_jsonl

    def append(path, row):
        if files_mod.read_jsonl(path):  # the second photo's line: the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        written(path, row)

    monkeypatch.setattr(files_mod, "append_jsonl", append)
    with pytest.raises(DiskFullError, match="--skip-existing") as full:
        score_folder([photos], out, CLASSICAL, progress=False, workers=1)
    assert str(out) in str(full.value) and "MB free" in str(full.value)
    monkeypatch.undo()
    again = score_folder([photos], out, CLASSICAL, skip_existing=True, progress=False)
    assert again.run["reused"] == 1 and again.run["scored_this_run"] == 1


def test_a_report_never_shows_a_comparison_of_another_run(tmp_path):
    # A folder run replacing a manifest run left compare/ behind, and the report showed it beside the new rows.
    from vitiscore.report.html import write_report

    out = tmp_path / "out"
    score_folder([], out, CLASSICAL, manifest=SAMPLES / "manifest.csv", progress=False)
    write_comparison(compare(out / "results.csv", "baseline", ["week24"]), out / "compare")
    assert "astronaut_tan" in write_report(out).read_text().split("id='compare'")[1]
    score_folder([], out, CLASSICAL, manifest=SAMPLES / "manifest.csv", progress=False, overwrite=True)
    section = write_report(out).read_text().split("id='compare'")[1]
    assert "compares another scoring run" in section and "astronaut_tan" not in section
