"""A review save takes bounded text, and the review log stays readable whatever a cell holds."""

import shutil

import pytest

from tests.support import SAMPLES
from vitiscore import score_folder
from vitiscore.errors import UsageError
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
