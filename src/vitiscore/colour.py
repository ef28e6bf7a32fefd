"""Colour helpers every floor uses: the brightest and darkest channel of each pixel, sRGB to CIELAB and back, and
how much a colour looks like skin."""

from __future__ import annotations

import cv2
import numpy as np


def brightest_channel(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's largest channel value ((..., 3) -> (...), same dtype): ``rgb.max(axis=-1)``, which numpy
    reduces about 20 times more slowly over a last axis of length 3."""
    return np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])


def darkest_channel(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's smallest channel value ((..., 3) -> (...)): ``rgb.min(axis=-1)``, fast as
    :func:`brightest_channel`."""
    return np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (float32; L* 0-100, a*, b*) of an sRGB uint8 image ((..., 3))."""
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """sRGB uint8 of a CIELAB image (the inverse of :func:`rgb_to_lab`, rounded and clipped to 0-255)."""
    rgb = cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


def skin_colour_likeness(lab: np.ndarray) -> np.ndarray:
    """Likeness (0-1) of each CIELAB pixel ((..., 3), L* 0-100) to skin colour: moderately saturated (chroma
    above 6, full at 14) with a hue between red and yellow (55 +- 35 degrees). Depigmented skin keeps enough
    redness to count; grey, white and blue scenery does not."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
    return (np.clip((chroma - 6.0) / 8.0, 0, 1) * np.clip(1.0 - np.abs(hue - 55.0) / 35.0, 0, 1)).astype(np.float32)


def skin_coloured(rgb: np.ndarray) -> np.ndarray:
    """(h, w) bool: pixels whose colour is likely skin (:func:`skin_colour_likeness` over 0.5); depigmented skin
    mostly is not."""
    return skin_colour_likeness(rgb_to_lab(rgb)) > 0.5
