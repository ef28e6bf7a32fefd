"""The output comparison ignores what a rerun changes by design and nothing else."""

import json

from research.same_outputs import differences


def _run(folder, run_id, fvasi, png=b"\x89PNG same"):
    folder.mkdir()
    (folder / "results.csv").write_text(f"image_id,fvasi,run_id\na,{fvasi},{run_id}\n")
    (folder / "run.json").write_text(json.dumps({"run_id": run_id, "elapsed_s": 1.5, "counts": {"ok": 1}}))
    (folder / "mask.png").write_bytes(png)


def test_a_rerun_is_the_same_and_a_changed_number_or_pixel_is_not(tmp_path):
    _run(tmp_path / "first_run", "r1", 0.25)
    _run(tmp_path / "second_run", "r2", 0.25)
    assert differences(tmp_path / "first_run", tmp_path / "second_run") == []
    _run(tmp_path / "changed_run", "r3", 0.26, png=b"\x89PNG other")
    assert differences(tmp_path / "first_run", tmp_path / "changed_run") == [
        "differs: mask.png",
        "differs: results.csv",
    ]
    (tmp_path / "changed_run" / "extra.txt").write_text("x")
    assert "only in " + str(tmp_path / "changed_run") + ": extra.txt" in differences(
        tmp_path / "first_run", tmp_path / "changed_run"
    )
