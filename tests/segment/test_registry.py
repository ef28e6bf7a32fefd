"""The public registry: custom segmenters, model folders found through VITISCORE_MODELS, no fallback."""

import shutil

import numpy as np
import pytest

from vitiscore.pipeline import ScoreOptions, score_image
from vitiscore.segment import DEFAULT_MODEL, Segmentation, available_models, load_segmenter, register_segmenter
from vitiscore.segment.registry import MODELS_ENV, shipped_models_dir


class WholeArea:
    """Marks every pixel of the facial area: the depigmented fraction must come out as exactly 1."""

    model_id = "whole-area-test"
    sha256 = "0" * 64

    def predict(self, rgb, area):
        return Segmentation(area.astype(np.float32), area.astype(bool), 0.5)

    def predict_batch(self, images, areas):
        return [self.predict(rgb, area) for rgb, area in zip(images, areas)]


def test_a_registered_segmenter_scores_through_the_pipeline(astronaut):
    register_segmenter(WholeArea.model_id, WholeArea, replace=True)
    assert WholeArea.model_id in available_models()
    result = score_image(astronaut, ScoreOptions(model=WholeArea.model_id))
    assert result.status == "ok"
    assert result.depigmented_fraction == 1.0
    assert result.fvasi == pytest.approx(3.0)  # the whole face, 3 HU by default


def test_registering_a_taken_or_bad_id_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register_segmenter("classical", WholeArea)
    with pytest.raises(ValueError, match="model_id"):
        register_segmenter("a/b", WholeArea)
    with pytest.raises(ValueError, match="callable"):
        register_segmenter("not-callable", 3)


def test_model_folders_are_found_through_the_environment(tmp_path, monkeypatch):
    shutil.copytree(shipped_models_dir() / DEFAULT_MODEL, tmp_path / "study-model")
    assert "study-model" not in available_models()
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    assert "study-model" in available_models() and DEFAULT_MODEL in available_models()
    assert load_segmenter("study-model").sha256 == load_segmenter(DEFAULT_MODEL).sha256


def test_unknown_id_lists_the_choices_and_never_falls_back():
    with pytest.raises(ValueError, match=r"unknown model 'nope'; available: .*classical.*unet"):
        load_segmenter("nope")
