"""Skin tone as the Individual Typology Angle (ITA) of normal skin, and its Chardon band."""

from __future__ import annotations

import math

import cv2
import numpy as np

# Lower bounds (exclusive) of each band, from the lightest down (Chardon et al. 1991; Del Bino et al.).
ITA_BANDS = (
    ("very_light", 55.0),
    ("light", 41.0),
    ("intermediate", 28.0),
    ("tan", 10.0),
    ("brown", -30.0),
)


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


def ita_degrees(lightness: float, b_star: float) -> float:
    """ITA (degrees) = arctan((L* - 50) / b*) x 180 / pi, range -90 to 90.

    b* = 0 gives +90 for L* > 50, -90 for L* < 50 (the limits of the formula) and NaN for L* = 50.
    """
    if b_star == 0:
        return float("nan") if lightness == 50 else math.copysign(90.0, lightness - 50)
    angle = math.degrees(math.atan((lightness - 50.0) / b_star))
    # b* < 0 (bluish) is outside skin's range; report the angle on the same -90..90 scale.
    return angle


def ita_band(ita: float) -> str:
    """Band name for an ITA in degrees: very_light > 55 >= light > 41 >= intermediate > 28 >= tan > 10 >=
    brown > -30 >= dark. NaN gives ""."""
    if ita is None or not math.isfinite(ita):
        return ""
    for name, lower in ITA_BANDS:
        if ita > lower:
            return name
    return "dark"


def normal_skin_ita(rgb: np.ndarray, normal_skin: np.ndarray) -> tuple[float, float, float]:
    """Median L*, b* and ITA (degrees) of the pixels in ``normal_skin`` (bool mask).

    Clipped highlights (any channel >= 250) and deep shadow (L* < 8) are left out. Returns NaNs when fewer than
    20 pixels remain.
    """
    usable = normal_skin & (brightest_channel(rgb) < 250)
    if usable.sum() < 20:
        return float("nan"), float("nan"), float("nan")
    pixels = rgb[usable].reshape(-1, 1, 3).astype(np.float32) / 255.0
    lab = cv2.cvtColor(pixels, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    lab = lab[lab[:, 0] >= 8]
    if lab.shape[0] < 20:
        return float("nan"), float("nan"), float("nan")
    lightness, b_star = float(np.median(lab[:, 0])), float(np.median(lab[:, 2]))
    return lightness, b_star, ita_degrees(lightness, b_star)


def skin_coloured(rgb: np.ndarray) -> np.ndarray:
    """(h, w) bool: pixels whose colour is likely skin (:func:`skin_colour_likeness` over 0.5); depigmented skin
    mostly is not."""
    return skin_colour_likeness(rgb_to_lab(rgb)) > 0.5
