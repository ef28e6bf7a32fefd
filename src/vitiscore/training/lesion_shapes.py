"""Lesion outlines from a statistical shape model of real vitiligo boundaries (Fourier descriptors).

The model (Li et al., IEEE JBHI 2021, doi 10.1109/JBHI.2021.3055213) is a multivariate Gaussian over the complex
Fourier coefficients of lesion boundaries traced as x + iy, in ``fftshift`` order (the DC term in the middle).
Real and imaginary parts have their own mean and covariance. Sampling a coefficient vector and taking the
inverse DFT gives a closed outline. The model files are third-party research data: the package reads them from
a path the caller gives and never ships them. Without a model, :func:`vitiscore.training.synth.lesion_outline` (random
low harmonics) is the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class FourierShapeModel:
    """Gaussian model of boundary Fourier descriptors.

    Attributes:
        mean_real, mean_imag: (n,) means of the coefficients' real and imaginary parts, ``fftshift`` order.
        cov_real, cov_imag: (n, n) covariances of the same.
    """

    mean_real: np.ndarray
    mean_imag: np.ndarray
    cov_real: np.ndarray
    cov_imag: np.ndarray

    def __post_init__(self):
        n = self.mean_real.shape[0]
        if n < 8 or self.mean_imag.shape != (n,):
            raise ValueError("mean_real and mean_imag must be vectors of the same length (at least 8)")
        for name in ("cov_real", "cov_imag"):
            if getattr(self, name).shape != (n, n):
                raise ValueError(f"{name} must have shape ({n}, {n})")

    @property
    def n_coefficients(self) -> int:
        return int(self.mean_real.shape[0])

    def sample_outline(
        self, rng: np.random.Generator, centre: tuple[float, float], radius: float, n_points: int = 256
    ) -> np.ndarray:
        """A closed outline ((n_points, 2), x, y in pixels) whose area equals a disc of ``radius`` pixels,
        centred (by its mean point) on ``centre`` and turned by a random angle."""
        if radius <= 0:
            raise ValueError(f"radius must be positive (pixels), got {radius}")
        n = self.n_coefficients
        if n_points < n:
            raise ValueError(f"n_points must be at least the number of coefficients ({n}), got {n_points}")
        real = rng.multivariate_normal(self.mean_real, self.cov_real, method="eigh")
        imag = rng.multivariate_normal(self.mean_imag, self.cov_imag, method="eigh")
        spectrum = np.fft.ifftshift(real + 1j * imag)
        spectrum[0] = 0.0  # the DC term only places the outline
        # Zero-padding the spectrum resamples the same curve at n_points vertices (a smoother polygon).
        padded = np.zeros(n_points, complex)
        half = n // 2
        padded[:half] = spectrum[:half]
        padded[-(n - half) :] = spectrum[half:]
        curve = np.fft.ifft(padded)
        x, y = curve.real, curve.imag
        area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
        if area <= 0:  # degenerate draw: fall back to a circle rather than divide by zero
            theta = np.linspace(0, 2 * np.pi, n_points, endpoint=False)
            x, y, area = np.cos(theta), np.sin(theta), np.pi
        scale = radius / np.sqrt(area / np.pi)
        angle = rng.uniform(0, 2 * np.pi)
        c, s = np.cos(angle), np.sin(angle)
        x, y = (x - x.mean()) * scale, (y - y.mean()) * scale
        return np.stack([centre[0] + c * x - s * y, centre[1] + s * x + c * y], axis=1)


def load_shape_model(path: str | Path) -> FourierShapeModel:
    """Read a shape model from a MATLAB file with ``M_real``, ``M_imag`` (1 x n) and ``cov_real``,
    ``cov_imag`` (n x n), such as ``lesion_shapes/distribution-40-new.mat``.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: a variable is missing or has the wrong shape.
    """
    from scipy.io import loadmat

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"shape model not found: {path}")
    data = loadmat(path)
    missing = [k for k in ("M_real", "M_imag", "cov_real", "cov_imag") if k not in data]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}")
    return FourierShapeModel(
        mean_real=np.asarray(data["M_real"], float).ravel(),
        mean_imag=np.asarray(data["M_imag"], float).ravel(),
        cov_real=np.asarray(data["cov_real"], float),
        cov_imag=np.asarray(data["cov_imag"], float),
    )
