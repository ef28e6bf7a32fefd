"""A review save takes bounded text, and the review log stays readable whatever a cell holds."""

import os
import shutil

import numpy as np
import pytest

from tests.support import SAMPLES
from vitiscore import score_folder
from vitiscore.errors import UsageError
from vitiscore.files import file_sha256
from vitiscore.review import log as review_log
from vitiscore.review.store import MAX_TEXT, save_review


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    photos = tmp_path_factory.mktemp("photos")
    shutil.copy(SAMPLES / "tan_baseline.jpg", photos / "tan_baseline.jpg")
    out = tmp_path_factory.mktemp("out") / "run"
    result = score_folder([photos], out, progress=False, workers=1, overlays=False)
    return out, result.rows[0]


def test_a_reason_or_name_too_long_is_refused_and_nothing_is_logged(scored):
    # A 200,000-character reason was saved; after that no request of the run got a response, even after a restart,
    # and rescore failed with "field larger than field limit".
    out, row = scored
    with pytest.raises(UsageError, match=f"at most {MAX_TEXT}"):
        save_review(out, row, "dr_a", "exclude", reason="blurred " * 25_000)
    with pytest.raises(UsageError, match="rater's name"):
        save_review(out, row, "x" * (MAX_TEXT + 1), "exclude", reason="blurred")
    assert review_log.read_log(out) == []
    saved = save_review(out, row, "dr_a", "exclude", reason="blurred " * 100)
    assert len(saved["reason"]) == 799


def test_a_log_with_a_huge_cell_written_elsewhere_still_reads(tmp_path):
    out = tmp_path
    review_log.log_path(out).parent.mkdir(parents=True)
    huge = "x" * 200_000
    review_log.log_path(out).write_text(
        ",".join(review_log.COLUMNS) + "\n" + huge + "," * (len(review_log.COLUMNS) - 1)
    )
    (row,) = review_log.read_log(out)
    assert row[review_log.COLUMNS[0]] == huge


def _stroke(row, y0, y1):
    from vitiscore.face.facial_area import frame_size
    from vitiscore.measure.mask_score import frame_of

    width, height = frame_size(*frame_of(row))
    stroke = np.zeros((height, width), bool)
    stroke[y0:y1, width // 3 : 2 * width // 3] = True
    return stroke


def test_a_save_cut_off_at_any_moment_leaves_the_earlier_state_or_the_new_one(tmp_path_factory, monkeypatch):
    # A kill while a save was written used to leave the photo invalid and its earlier accepted mask gone (the new
    # mask replaced it before the row that vouches for it was logged).
    photos = tmp_path_factory.mktemp("photos")
    shutil.copy(SAMPLES / "tan_baseline.jpg", photos / "tan_baseline.jpg")
    out = tmp_path_factory.mktemp("out") / "run"
    row = score_folder([photos], out, progress=False, workers=1, overlays=False).rows[0]
    first = save_review(out, row, "dr_a", "save", added=_stroke(row, 100, 120))
    final = review_log.mask_path(out, row["image_id"])

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    # Cut off before its row: the earlier save stands, on disk and in the log.
    monkeypatch.setattr(review_log, "append", killed)
    with pytest.raises(KeyboardInterrupt):
        save_review(out, row, "dr_a", "save", added=_stroke(row, 140, 160))
    monkeypatch.undo()
    state = review_log.reviews(out, [row])[row["image_id"]]
    assert state.state == "reviewed" and state.record["mask_sha256_after"] == first["mask_sha256_after"]
    assert file_sha256(final) == first["mask_sha256_after"]
    assert not [p for p in final.parent.iterdir() if p.name.endswith(".tmp")]

    # Cut off after its row, before the mask was moved into place: the new save counts, and the next settles it.
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        second = save_review(out, row, "dr_a", "save", added=_stroke(row, 140, 160))
    monkeypatch.undo()
    second = review_log.read_log(out)[-1]
    state = review_log.reviews(out, [row])[row["image_id"]]
    assert state.state == "reviewed" and file_sha256(state.mask) == second["mask_sha256_after"]
    third = save_review(out, row, "dr_b", "save")  # starts from the second save's mask: nothing changed
    assert third["action"] == "accept" and third["mask_sha256_before"] == second["mask_sha256_after"]
    assert file_sha256(final) == second["mask_sha256_after"]
    assert not review_log.pending_path(out, row["image_id"]).exists()
