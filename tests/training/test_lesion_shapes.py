"""The Fourier-descriptor lesion shape model, on hand-made models whose outlines are known."""

import numpy as np
import pytest
from scipy.io import savemat

from vitiscore.training.lesion_shapes import FourierShapeModel, load_shape_model

N = 80


def _circle_model(spread: float = 0.0) -> FourierShapeModel:
    # fftshift order: index N/2 is the DC term, N/2 - 1 the frequency -1 (a clockwise circle).
    mean_real = np.zeros(N)
    mean_real[N // 2 - 1] = 1000.0
    return FourierShapeModel(mean_real, np.zeros(N), np.eye(N) * spread, np.eye(N) * spread)


def _polygon_area(outline: np.ndarray) -> float:
    x, y = outline[:, 0], outline[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_single_harmonic_gives_a_circle_of_the_asked_radius():
    outline = _circle_model().sample_outline(np.random.default_rng(0), (50.0, 60.0), 20.0, n_points=256)
    distances = np.hypot(outline[:, 0] - 50.0, outline[:, 1] - 60.0)
    # A regular 256-gon of the area of a disc of radius 20 has its vertices at R with
    # pi * 20^2 = (256 / 2) * R^2 * sin(2 pi / 256).
    expected = 20.0 * np.sqrt(np.pi / (128 * np.sin(2 * np.pi / 256)))
    np.testing.assert_allclose(distances, expected, rtol=1e-9)


def test_random_outline_has_the_area_of_a_disc_of_the_radius():
    outline = _circle_model(spread=40.0).sample_outline(np.random.default_rng(3), (0.0, 0.0), 15.0)
    assert outline.shape == (256, 2)
    assert _polygon_area(outline) == pytest.approx(np.pi * 15.0**2, rel=1e-9)
    np.testing.assert_allclose(outline.mean(axis=0), 0.0, atol=1e-9)


def test_sampling_is_deterministic_for_a_seed():
    model = _circle_model(spread=40.0)
    a = model.sample_outline(np.random.default_rng(5), (0, 0), 10)
    b = model.sample_outline(np.random.default_rng(5), (0, 0), 10)
    np.testing.assert_array_equal(a, b)


def test_load_reads_matlab_file_and_names_missing_variables(tmp_path):
    model = _circle_model(spread=1.0)
    path = tmp_path / "shapes.mat"
    savemat(
        path,
        {
            "M_real": model.mean_real[None],
            "M_imag": model.mean_imag[None],
            "cov_real": model.cov_real,
            "cov_imag": model.cov_imag,
        },
    )
    loaded = load_shape_model(path)
    np.testing.assert_array_equal(loaded.mean_real, model.mean_real)
    savemat(tmp_path / "broken.mat", {"M_real": model.mean_real[None]})
    with pytest.raises(ValueError, match="M_imag"):
        load_shape_model(tmp_path / "broken.mat")
    with pytest.raises(FileNotFoundError):
        load_shape_model(tmp_path / "missing.mat")


def test_bad_radius_and_shapes_are_refused():
    with pytest.raises(ValueError, match="radius"):
        _circle_model().sample_outline(np.random.default_rng(0), (0, 0), 0.0)
    with pytest.raises(ValueError, match="cov_real"):
        FourierShapeModel(np.zeros(N), np.zeros(N), np.eye(N - 1), np.eye(N))
