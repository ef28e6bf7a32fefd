"""Skin re-toned to a target lightness or ITA (CIELAB on the skin pixels, a soft shoulder before white), and the
ranges of skin tone that synthesis draws from: from very dark to very light facial skin."""

from __future__ import annotations

import numpy as np

from vitiscore.colour import lab_to_rgb, rgb_to_lab
from vitiscore.training import synth

# Target median skin lightness (L*) drawn uniformly from this range: from very dark (ITA below -50 deg) to very
# light (ITA above 55 deg) skin.
SKIN_LIGHTNESS_RANGE = (22.0, 74.0)


# Target ITA (degrees) of the normal skin with ITA re-toning: dark (below -30) to very light (above 55).
SKIN_ITA_RANGE = (-55.0, 65.0)


# b* (yellowness) of normal skin, drawn for a target ITA; together they fix L*. Lightness is kept within
# SKIN_L_LIMITS (the extremes of measured facial skin) by adjusting b* instead, so the ITA is always reached.
SKIN_B_RANGE = (11.0, 20.0)


SKIN_L_LIMITS = (24.0, 78.0)


# One ITA (degrees) inside each Chardon band, dark to very light: the tones at which held-out faces are checked
# (clear faces when the threshold is chosen, painted faces in the synthetic test of research/evaluate.py).
BAND_ITA_EXAMPLES = (-45.0, -10.0, 19.0, 34.0, 48.0, 60.0)


BAND_B_STAR = 15.0


def _skin_lightness(rgb: np.ndarray, skin: np.ndarray) -> float:
    values = rgb_to_lab(rgb)[..., 0][skin]
    return float(np.median(values)) if values.size else 60.0


def retone_to(rgb: np.ndarray, skin: np.ndarray, lightness: float, rng: np.random.Generator) -> np.ndarray:
    """``rgb`` with its skin (median over ``skin``) moved to about ``lightness`` L* (0-100) by adding or
    removing melanin; darker skin also gets a little more yellow and red, as melanin adds."""
    current = _skin_lightness(rgb, skin)
    # add_melanin scales L* by (1 + w * dL * 1.6 / 100); solve for dL at full skin weight.
    d_lightness = float(np.clip((lightness / max(current, 1.0) - 1.0) * 100.0 / 1.6, -55.0, 15.0))
    darker = max(0.0, -d_lightness)
    return synth.add_melanin(rgb, (d_lightness, rng.uniform(0, 0.08) * darker, rng.uniform(0, 0.2) * darker))


def skin_lab_for_ita(ita_deg: float, b_star: float) -> tuple[float, float]:
    """(L*, b*) of skin with ITA ``ita_deg`` (degrees, -90 to 90) and yellowness about ``b_star`` (> 0):
    L* = 50 + b* tan(ITA), held within SKIN_L_LIMITS by changing b* (so the ITA is exact)."""
    if not -90 < ita_deg < 90:
        raise ValueError(f"ita_deg must be within (-90, 90), got {ita_deg}")
    if b_star <= 0:
        raise ValueError(f"b_star must be positive, got {b_star}")
    slope = float(np.tan(np.radians(ita_deg)))
    lightness = float(np.clip(50.0 + b_star * slope, *SKIN_L_LIMITS))
    if slope != 0:
        b_star = (lightness - 50.0) / slope
    return lightness, float(b_star)


def _highlight_shoulder(lightness: np.ndarray, knee: float = 92.0) -> np.ndarray:
    """L* above ``knee`` rolled off smoothly towards 100 (as a camera's highlight shoulder), so that scaling
    lightness up never clips skin flat."""
    over = np.maximum(lightness - knee, 0.0)
    room = 100.0 - knee
    return np.where(lightness > knee, knee + room * (1.0 - np.exp(-over / room)), lightness)


def retone_to_ita(rgb: np.ndarray, skin: np.ndarray, ita_deg: float, b_star: float) -> np.ndarray:
    """``rgb`` with its skin moved to the CIELAB colour of :func:`skin_lab_for_ita` (medians over ``skin``).

    L* is scaled (lighter or darker), which keeps the skin's shading and texture in proportion, as less or more
    melanin under the same light does (lifting L* towards 100 instead flattens light skin into something that
    looks depigmented); scaled values above L* 92 roll off smoothly below 100. b* is shifted. The change is
    weighted by the skin-likeness of the colour (:func:`vitiscore.training.synth.skin_weight`, 1 for the skin's median),
    so hair, eyes and scenery change little. Skin that the weight does not fully reach (shine, shadow) keeps
    the median off target, so a second pass corrects what the first left: on a portrait the skin's median ITA lies
    within about 2 degrees of ``ita_deg`` (test_training_data).
    """
    if skin.shape != rgb.shape[:2]:
        raise ValueError(f"skin must have shape {rgb.shape[:2]}, got {skin.shape}")
    if not skin.any():
        return rgb.copy()
    target_l, target_b = skin_lab_for_ita(ita_deg, b_star)
    lab = rgb_to_lab(rgb)
    # The weight is the smooth skin-likeness of the colour, scaled so that typical skin gets 1: a hard mask
    # leaves patches (its holes, skin beyond its edge) at the old tone, which look like unlabelled lesions.
    likeness = synth.skin_weight(rgb)
    weight = np.clip(likeness / max(float(np.median(likeness[skin])), 0.05), 0.0, 1.0)
    for _ in range(2):
        now_l, now_b = (float(np.median(lab[..., i][skin])) for i in (0, 2))
        lightness = lab[..., 0] * (1.0 + weight * (target_l / max(now_l, 1e-3) - 1.0))
        lab[..., 0] = _highlight_shoulder(lightness)
        lab[..., 2] += weight * (target_b - now_b)
    return lab_to_rgb(lab)
