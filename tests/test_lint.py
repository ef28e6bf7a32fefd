"""ruff (configured in pyproject.toml) finds nothing to fix and nothing to reformat."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args):
    # The ruff of this environment (the [dev] extra), next to the interpreter running the tests.
    ruff = Path(sys.executable).with_name("ruff")
    command = [str(ruff)] if ruff.exists() else [shutil.which("ruff") or "ruff"]
    return subprocess.run(
        [*command, *args, "src", "tests", "scripts", "research"], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_check_is_clean():
    done = _ruff("check", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean():
    done = _ruff("format", "--check", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
