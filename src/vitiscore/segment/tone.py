"""Skin-tone normalisation of a learned model's input: the person's skin is brought to one reference colour.

Depigmentation is a change *relative to the person's own skin*: on very light skin, vitiligo is only a little
lighter and less yellow than normal skin, and in absolute colour it resembles normal skin of the next lighter type.
A network that sees absolute colour can learn "pale means depigmented" and mark much of a clear fair face
(unet-mobilenetv2-v1 did, marking a median 15-40 % of clear light faces). Normalising the input is meant to remove
that shortcut: the skin of every photo reaches the network at the same lightness and yellowness, and only what
differs from it stands out. Used by a model only when its config has ``input_tone`` (``scripts/train.py
--tone-normalise``); no shipped model uses it yet. In the one trial so far (2026-11-29, a 2000-step second stage
whose synthetic light skin was still re-toned with flattened texture) it marked about as much of clear fair faces
with texture kept as the same stage without it (14-20 % against 13-16 % of the facial area), and more of
overexposed real faces (FASSEG test faces at 1.6x exposure: 3.6 % against 0.5 % for the shipped model), whose
clipped highlights it turns into grey patches.

The reference is the median CIELAB L* and b* of the image's skin-coloured pixels
(:func:`vitiscore.skin_tone.skin_colour_likeness` over 0.5, leaving out deep shadow and clipped highlights).
Depigmented skin is skin-coloured too, so the median is the normal skin's as long as under half of the visible
skin is depigmented (the usual case; a face depigmented over more than half is normalised to its lesions, and
its lesions are then under-called). The image is then changed globally, so that nothing is painted locally:

* L* by a gamma curve, 100 (L*/100)^g, with g chosen so that the reference goes to the target; black stays
  black and white stays white, and the order of every two shades is kept. g is held within 0.4-2.5.
* b* by a factor (target / reference, within 0.5-2), so neutral greys and whites stay neutral.
* a* (redness) is left alone: depigmented skin keeps much of its redness, which helps tell it from shine.

An image with fewer skin-coloured pixels than :data:`MIN_SKIN_SHARE` of its area is passed on unchanged.
"""

from __future__ import annotations

import numpy as np

from vitiscore.skin_tone import lab_to_rgb, rgb_to_lab, skin_colour_likeness

# Where every photo's skin is put: a medium skin tone (ITA about 15 degrees), the middle of the tones the model
# is trained on, so the contrast of lesions is compressed least on average.
TARGET_LIGHTNESS = 55.0
TARGET_B = 18.0
MIN_SKIN_SHARE = 0.01
GAMMA_LIMITS = (0.4, 2.5)
B_FACTOR_LIMITS = (0.5, 2.0)


def skin_reference(rgb: np.ndarray) -> tuple[float, float] | None:
    """Median (L*, b*) of the skin-coloured pixels of ``rgb`` ((h, w, 3) uint8), or None when fewer than
    MIN_SKIN_SHARE of the pixels are skin-coloured. L* 0-100, b* in CIELAB units."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be an (h, w, 3) image, got shape {rgb.shape}")
    lab = rgb_to_lab(rgb)
    skin = (skin_colour_likeness(lab) > 0.5) & (lab[..., 0] > 8) & (rgb.max(axis=2) < 250)
    if skin.sum() < max(1, MIN_SKIN_SHARE * skin.size):
        return None
    return float(np.median(lab[..., 0][skin])), float(np.median(lab[..., 2][skin]))


def normalise_tone(rgb: np.ndarray, target: tuple[float, float] = (TARGET_LIGHTNESS, TARGET_B)) -> np.ndarray:
    """``rgb`` ((h, w, 3) uint8) changed so that its skin reference (:func:`skin_reference`) moves to
    ``target`` (L*, b*); returned as a new uint8 image of the same size. Without enough skin-coloured pixels the
    image is returned unchanged (a copy)."""
    reference = skin_reference(rgb)
    if reference is None:
        return rgb.copy()
    ref_l, ref_b = reference
    target_l, target_b = target
    lab = rgb_to_lab(rgb)
    ref_l = float(np.clip(ref_l, 1.0, 99.0))
    gamma = float(np.clip(np.log(target_l / 100.0) / np.log(ref_l / 100.0), *GAMMA_LIMITS))
    lab[..., 0] = 100.0 * (np.clip(lab[..., 0], 0.0, 100.0) / 100.0) ** gamma
    if ref_b > 1.0:
        lab[..., 2] *= float(np.clip(target_b / ref_b, *B_FACTOR_LIMITS))
    return lab_to_rgb(lab)
