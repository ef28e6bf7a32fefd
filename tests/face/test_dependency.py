"""Without mediapipe, scoring stops before any photo with one message that holds the command that fixes it."""

import sys

import pytest

from tests.support import SAMPLES
from vitiscore.cli import main
from vitiscore.face.landmarks import MEDIAPIPE, MissingDependencyError, require_mediapipe


@pytest.fixture
def no_mediapipe(monkeypatch):
    # A None entry makes every import of the package fail, as on a machine where it is not installed.
    for name in [m for m in sys.modules if m == "mediapipe" or m.startswith("mediapipe.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mediapipe", None)


def test_missing_mediapipe_names_the_install_command(no_mediapipe):
    with pytest.raises(MissingDependencyError, match=f"pip install --no-deps {MEDIAPIPE}"):
        require_mediapipe()


def test_score_command_exits_2_with_the_command_and_no_traceback(no_mediapipe, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["score", str(SAMPLES / "light_baseline.jpg"), "-o", str(tmp_path / "out"), "--model", "classical"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"pip install --no-deps {MEDIAPIPE}" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "results.csv").exists()
