"""``vitiscore segment`` owns its output folder as ``score`` does: a journal it resumes from, and an earlier run
of other settings (or of ``score``) that is refused, never silently overwritten."""

import json
import shutil

import pytest

from tests.support import SAMPLES
from vitiscore import ScoreOptions, score_folder, segment_folder
from vitiscore.cli import main
from vitiscore.report.html import write_report
from vitiscore.review.server import ReviewSession

NAMES = ("tan_baseline.jpg", "light_week24.jpg", "brown_baseline.jpg")


def _photos(folder, names=NAMES):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def _segment(photos, out, **kwargs):
    return segment_folder([photos], out, model="classical", batch_size=1, progress=False, **kwargs)


def _journal(out):
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_a_stopped_run_resumes_without_redoing_finished_photos(tmp_path):
    photos, out = _photos(tmp_path / "photos"), tmp_path / "out"
    full = _segment(photos, out)
    assert full.counts == {"ok": 3} and full.run["segmented_this_run"] == 3 and full.run["reused"] == 0
    journal = _journal(out)
    assert [r["image_id"] for r in journal] == [r["image_id"] for r in full.rows]
    assert all(r["photo_sha256"] and r["settings_sha256"] == full.run["settings_sha256"] for r in journal)
    # As a run stopped after its first photo leaves it: one line in the journal.
    (out / "results.jsonl").write_text(json.dumps(journal[0]) + "\n")
    kept = out / journal[0]["mask_depigmented"]
    before = kept.stat().st_mtime_ns

    assert main(["segment", str(photos), "-o", str(out), "--model", "classical", "--skip-existing", "-q"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "finished" and run["reused"] == 1 and run["segmented_this_run"] == 2
    assert kept.stat().st_mtime_ns == before
    resumed = _journal(out)
    assert sorted(r["image_id"] for r in resumed) == sorted(r["image_id"] for r in full.rows)
    by_id = {r["image_id"]: r for r in resumed}
    for row in full.rows:
        assert by_id[row["image_id"]]["depigmented_px"] == row["depigmented_px"]


def test_skip_existing_segments_a_replaced_photo_again(tmp_path):
    photos, out = _photos(tmp_path / "photos", NAMES[:1]), tmp_path / "out"
    first = _segment(photos, out)
    shutil.copy(SAMPLES / "brown_week24.jpg", photos / NAMES[0])  # same name, another picture
    again = _segment(photos, out, skip_existing=True)
    assert again.run["reused"] == 0 and again.run["segmented_this_run"] == 1
    assert again.rows[0]["photo_sha256"] != first.rows[0]["photo_sha256"]
    assert again.rows[0]["depigmented_px"] != first.rows[0]["depigmented_px"]
    third = _segment(photos, out, skip_existing=True)
    assert third.run["reused"] == 1 and third.rows[0] == again.rows[0]


def test_other_settings_are_refused_unless_overwrite_or_skip_existing(tmp_path):
    photos, out = _photos(tmp_path / "photos", NAMES[:2]), tmp_path / "out"
    _segment(photos, out)
    with pytest.raises(ValueError, match="max_pixels"):
        _segment(photos, out, max_pixels=10_000_000)
    redone = _segment(photos, out, max_pixels=10_000_000, skip_existing=True)
    assert redone.run["reused"] == 0 and redone.counts == {"ok": 2}
    replaced = _segment(photos, out, overwrite=True)
    assert replaced.run["reused"] == 0 and replaced.counts == {"ok": 2}


def test_segment_never_writes_over_a_scoring_run(tmp_path):
    # Before, segment wrote its whole-photo masks over the scoring run's masks/<id>_depigmented.png, which then
    # disagreed with that run's results.csv and F-VASI.
    photos, out = _photos(tmp_path / "photos", NAMES[:1]), tmp_path / "out"
    scored = score_folder([photos], out, ScoreOptions(model="classical"), progress=False)
    mask = out / scored.rows[0]["mask_depigmented"]
    before = {p: p.read_bytes() for p in (mask, out / "results.csv", out / "run.json")}
    with pytest.raises(ValueError, match="vitiscore score"):
        _segment(photos, out)
    assert {p: p.read_bytes() for p in before} == before
    # With --overwrite the scoring run goes whole: no facial-area masks are left beside the segment masks.
    _segment(photos, out, overwrite=True)
    assert sorted(p.name for p in (out / "masks").iterdir()) == ["tan_baseline_depigmented.png"]
    # And the commands that read a scoring run say that this is not one.
    with pytest.raises(ValueError, match="no vitiscore score run"):
        write_report(out)
    with pytest.raises(ValueError, match="no vitiscore score run"):
        ReviewSession(out, "rater")
