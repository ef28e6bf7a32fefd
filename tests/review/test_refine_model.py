"""The review page's refine finds the run's own model wherever `vitiscore review` is started, also when scoring
was given the model as a folder path relative to its own working directory."""

import shutil

import pytest

from tests.support import SAMPLES, run_cli
from vitiscore.face.facial_area import frame_size
from vitiscore.files import read_run_json
from vitiscore.measure.mask_score import frame_of
from vitiscore.segment import DEFAULT_MODEL
from vitiscore.segment.refine import RefineSettings
from vitiscore.segment.registry import model_folders

pytestmark = pytest.mark.slow


def test_refine_loads_a_model_folder_given_by_a_relative_path_from_another_directory(tmp_path, monkeypatch):
    from vitiscore.review.server import ReviewSession

    study = tmp_path / "study"
    shutil.copytree(model_folders()[DEFAULT_MODEL], study / "models" / "study-model")
    (study / "photos").mkdir()
    shutil.copy(SAMPLES / "tan_baseline.jpg", study / "photos")
    proc = run_cli("score", "photos", "-o", "out", "--model", "models/study-model", "--workers", "1", "-q", cwd=study)
    assert proc.returncode == 0, proc.stderr
    assert read_run_json(study / "out")["model"]["folder"] == str((study / "models" / "study-model").resolve())

    monkeypatch.chdir(tmp_path)  # not where scoring ran: "models/study-model" means nothing here
    session = ReviewSession(study / "out", "dr_test", refinement=RefineSettings(steps=1))
    width, height = frame_size(*frame_of(session.rows["tan_baseline"]))
    answer = session.refine("tan_baseline", {"marks": [{"x": width // 2, "y": height // 2, "label": 1}]})
    assert session._segmenter.folder == (study / "models" / "study-model").resolve()
    assert answer["n_marks"] == 1 and answer["threshold"] == pytest.approx(session._segmenter.threshold)
