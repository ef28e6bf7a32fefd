"""Colour relative to the patient's own skin: the input a clinician reads a patch by.

A pale patch on light skin is a few L* units lighter than the skin around it; the same patch on dark skin is
tens of units lighter. Raw colour pooled across patients hides the first among the second, so a model folder may
ask (``"input_channels": "rgb+relative-lab"``) for three more input channels: each pixel's L*, a* and b* minus
the patient's normal skin, in units of that skin's spread.

The reference is the median over the pixels of the region (the facial area in ``score``, the whole photo in
``segment``) whose colour is skin-like (:func:`vitiscore.colour.skin_coloured`): depigmented skin mostly is not,
so a face that is mostly depigmented is still referred to its remaining normal skin. Too few such pixels (a
colour cast, a photo of a white patch alone) fall back to the whole region.
"""

from __future__ import annotations

import numpy as np

from vitiscore.colour import rgb_to_lab, skin_coloured

INPUT_CHANNELS = ("rgb", "rgb+relative-lab")
# Smallest spread (CIELAB units) a reference may have: even skin would otherwise turn JPEG noise into many SDs.
MIN_SPREAD = (2.0, 1.0, 1.0)
# Relative values beyond this many spreads carry no more information and would dominate the first layer.
CLIP_SPREADS = 12.0
# Skin-like pixels needed (share of the region) before they alone make the reference.
MIN_SKIN_SHARE = 0.05


def skin_reference(lab: np.ndarray, region: np.ndarray, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(median, spread) of the normal skin's L*, a*, b* (each (3,), CIELAB units) inside ``region`` ((h, w)
    bool) of an image given as ``lab`` (float32 CIELAB) and ``rgb`` (uint8). The spread is 1.4826 times the
    median absolute deviation, at least :data:`MIN_SPREAD`. An empty region uses the whole image."""
    region = region if region.any() else np.ones(region.shape, bool)
    skin = region & skin_coloured(rgb)
    if skin.sum() < max(16, MIN_SKIN_SHARE * region.sum()):
        skin = region
    values = lab[skin]
    median = np.median(values, axis=0)
    spread = 1.4826 * np.median(np.abs(values - median), axis=0)
    return median.astype(np.float32), np.maximum(spread, MIN_SPREAD).astype(np.float32)


def relative_lab(rgb: np.ndarray, region: np.ndarray | None = None) -> np.ndarray:
    """(h, w, 3) float32: each pixel's (L*, a*, b*) minus the normal skin's of ``region`` (None: the whole
    image), divided by that skin's spread and by 3, clipped to +-:data:`CLIP_SPREADS` / 3 (so that most skin
    lies within +-1, as the normalised RGB channels do)."""
    lab = rgb_to_lab(rgb)
    region = np.ones(rgb.shape[:2], bool) if region is None else region.astype(bool)
    median, spread = skin_reference(lab, region, rgb)
    relative = (lab - median) / spread
    return np.clip(relative, -CLIP_SPREADS, CLIP_SPREADS).astype(np.float32) / 3.0


def check_input_channels(value: str) -> str:
    if value not in INPUT_CHANNELS:
        raise ValueError(f"input_channels must be one of {', '.join(INPUT_CHANNELS)}, got {value!r}")
    return value
