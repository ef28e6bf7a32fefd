"""The CLI's contract: a usage error is one message and exit code 2; a bug shows its traceback."""

import pytest

from tests.support import run_cli
from vitiscore import cli
from vitiscore.errors import MissingInputError, UsageError


def test_a_usage_error_is_one_line_and_exit_2(tmp_path):
    done = run_cli("compare", tmp_path / "absent.csv", "--baseline", "b", "--followup", "w", "-o", tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr.startswith("vitiscore: error:") and "absent.csv" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bug_is_not_dressed_as_a_usage_error(monkeypatch):
    def broken(args):
        raise ValueError("an internal check failed")

    monkeypatch.setattr("vitiscore.commands.compare.run", broken)
    with pytest.raises(ValueError, match="internal check"):
        cli.main(["compare", "x.csv", "--baseline", "b", "--followup", "w", "-o", "out"])


def test_usage_errors_are_also_the_built_in_types_callers_catch():
    assert issubclass(UsageError, ValueError)
    assert issubclass(MissingInputError, UsageError) and issubclass(MissingInputError, FileNotFoundError)


def test_a_mistyped_or_shortened_option_is_refused_with_the_option_meant(tmp_path):
    done = run_cli("score", "--wokers", "2", "-o", tmp_path / "out", tmp_path)
    assert done.returncode == 2 and "--wokers (did you mean --workers?)" in done.stderr
    # a prefix is not taken for the option: `--work 1` was read as `--workers 1`
    done = run_cli("score", "--work", "1", "-o", tmp_path / "out", tmp_path)
    assert done.returncode == 2 and "--work (did you mean --workers?)" in done.stderr
    assert not (tmp_path / "out").exists()
