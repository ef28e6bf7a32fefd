"""One run at a time in an output folder: a second run is refused naming the first; a dead run's lock is no
obstacle."""

import os

import pytest

from tests.support import SAMPLES, run_cli
from vitiscore import score_folder
from vitiscore.batch import lock
from vitiscore.errors import UsageError


def test_a_second_holder_is_refused_naming_the_first_and_the_lock_is_free_after(tmp_path):
    with lock.held(tmp_path, "score"):
        with pytest.raises(
            UsageError, match=rf"in use by another vitiscore run \(vitiscore score, process {os.getpid()}"
        ):
            with lock.held(tmp_path, "segment"):
                pass
    with lock.held(tmp_path, "segment"):  # released
        pass


def test_a_lock_file_left_by_a_dead_run_is_no_obstacle(tmp_path):
    (tmp_path / lock.LOCK_FILE).write_text("vitiscore score, process 999999 on nowhere, started 2020-01-01\n")
    with lock.held(tmp_path, "score"):
        assert "process 999999" not in (tmp_path / lock.LOCK_FILE).read_text()


def test_a_score_run_into_a_folder_in_use_is_refused_before_touching_it(tmp_path):
    # Two score runs into one OUT both exited 0; the first said "6 ok" and OUT held 2 rows, other masks deleted.
    out = tmp_path / "out"
    out.mkdir()
    with lock.held(out, "score"):
        with pytest.raises(UsageError, match="in use by another vitiscore run"):
            score_folder([SAMPLES], out, progress=False, workers=1)
        done = run_cli("rescore", out)
        assert done.returncode == 2 and "in use" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == [lock.LOCK_FILE]


def test_rescoring_a_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    done = run_cli("rescore", tmp_path / "absent")
    assert done.returncode == 2 and "does not exist" in done.stderr
