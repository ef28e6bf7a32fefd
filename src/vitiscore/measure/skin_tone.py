"""Skin tone as the Individual Typology Angle (ITA) of normal skin, and its Chardon band."""

from __future__ import annotations

import math

import cv2
import numpy as np

from vitiscore.colour import brightest_channel

# Lower bounds (exclusive) of each band, from the lightest down (Chardon et al. 1991; Del Bino et al.).
ITA_BANDS = (
    ("very_light", 55.0),
    ("light", 41.0),
    ("intermediate", 28.0),
    ("tan", 10.0),
    ("brown", -30.0),
)


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
