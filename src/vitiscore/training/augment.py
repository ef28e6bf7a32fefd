"""Capture jitter: one photo as another camera, setting or lens would have taken it.

Each function changes how a photo was captured (colour temperature, exposure, resolution, framing, noise, focus),
never what is on the skin. Training draws them as augmentations (:func:`vitiscore.training.data.robust_capture`);
the research robustness suite applies each one to measure how far a score moves.

Colour temperature and exposure act on linear light (sRGB decoded), as they do in a camera.
"""

from __future__ import annotations

import cv2
import numpy as np

REFERENCE_KELVIN = 6500.0


def to_linear(rgb: np.ndarray) -> np.ndarray:
    """Linear light (0-1 float32) of an sRGB uint8 image."""
    c = rgb.astype(np.float32) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def to_srgb8(linear: np.ndarray) -> np.ndarray:
    """sRGB uint8 of linear light (clipped to 0-1)."""
    c = np.clip(linear, 0.0, 1.0)
    c = np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.clip(np.round(c * 255.0), 0, 255).astype(np.uint8)


def blackbody_rgb(kelvin: float) -> np.ndarray:
    """Relative linear RGB (3,) of a black body at ``kelvin`` (1,000-40,000 K), from Planck's law weighted by the
    CIE 1931 colour-matching functions (Wyman et al. 2013's multi-lobe fit) and taken to linear sRGB; scaled so
    that green is 1. Written here because none of the project's libraries has it (colour-science would)."""
    if not 1000 <= kelvin <= 40000:
        raise ValueError(f"kelvin must be within 1,000-40,000 K, got {kelvin}")
    wl = np.arange(380.0, 781.0, 5.0)

    def lobe(x, mu, s1, s2):
        return np.exp(-0.5 * ((x - mu) / np.where(x < mu, s1, s2)) ** 2)

    x = 1.056 * lobe(wl, 599.8, 37.9, 31.0) + 0.362 * lobe(wl, 442.0, 16.0, 26.7) - 0.065 * lobe(wl, 501.1, 20.4, 26.2)
    y = 0.821 * lobe(wl, 568.8, 46.9, 40.5) + 0.286 * lobe(wl, 530.9, 16.3, 31.1)
    z = 1.217 * lobe(wl, 437.0, 11.8, 36.0) + 0.681 * lobe(wl, 459.0, 26.0, 13.8)
    metres = wl * 1e-9
    planck = 1.0 / (metres**5 * (np.exp(1.4388e-2 / (metres * kelvin)) - 1.0))
    xyz = np.array([np.sum(x * planck), np.sum(y * planck), np.sum(z * planck)])
    to_srgb = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])
    rgb = to_srgb @ xyz
    return rgb / rgb[1]


def white_balance(rgb: np.ndarray, delta_kelvin: float) -> np.ndarray:
    """``rgb`` as a camera white-balanced for 6,500 K renders a scene lit at 6,500 + ``delta_kelvin`` K: each
    linear channel scaled by the light's colour relative to 6,500 K (positive: bluer, negative: warmer)."""
    gains = blackbody_rgb(REFERENCE_KELVIN + delta_kelvin) / blackbody_rgb(REFERENCE_KELVIN)
    return to_srgb8(to_linear(rgb) * gains.astype(np.float32))


def exposure(rgb: np.ndarray, ev: float) -> np.ndarray:
    """``rgb`` exposed ``ev`` stops more (linear light times 2**ev, clipped at white)."""
    return to_srgb8(to_linear(rgb) * np.float32(2.0**ev))


def rescaled(rgb: np.ndarray, factor: float, back: bool = False) -> np.ndarray:
    """``rgb`` taken at ``factor`` (0-1] of its resolution (area-averaged); with ``back``, scaled up again to
    its own size, so that only detail is lost."""
    if not 0 < factor <= 1:
        raise ValueError(f"factor must be in (0, 1], got {factor}")
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) if back else small


def reframed(rgb: np.ndarray, left: float = 0.0, top: float = 0.0, right: float = 0.0, bottom: float = 0.0,
             back: bool = False) -> np.ndarray:  # fmt: skip
    """``rgb`` framed a little differently: the given shares (0-0.2) of its width or height cut from each side;
    with ``back``, the rest enlarged to the photo's size again (bilinear), as from a camera slightly closer."""
    for name, share in (("left", left), ("top", top), ("right", right), ("bottom", bottom)):
        if not 0 <= share <= 0.2:
            raise ValueError(f"{name} must be a share within 0-0.2 of the photo, got {share}")
    h, w = rgb.shape[:2]
    x0, y0 = round(w * left), round(h * top)
    x1, y1 = w - round(w * right), h - round(h * bottom)
    kept = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    return cv2.resize(kept, (w, h), interpolation=cv2.INTER_LINEAR) if back else kept


def sensor_noise(rgb: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """``rgb`` with Gaussian noise of ``sigma`` (0-255 units) per pixel and channel, from a fixed ``seed``."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, rgb.shape)
    return np.clip(np.round(rgb.astype(np.float32) + noise), 0, 255).astype(np.uint8)


def blurred(rgb: np.ndarray, sigma_px: float) -> np.ndarray:
    """``rgb`` out of focus: a Gaussian of ``sigma_px`` pixels."""
    return cv2.GaussianBlur(rgb, (0, 0), sigma_px)
