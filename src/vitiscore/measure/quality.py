"""What a photo's facial pixels say about the photo itself: grey (no colour), too dark, or clipped highlights."""

from __future__ import annotations

import numpy as np

from vitiscore.colour import brightest_channel, darkest_channel

# Below this median channel spread (0-255) over the facial area a photo is grey: status no_colour.
NO_COLOUR_SPREAD = 4.0
# underexposed: the facial area's brightest 1 % below this level (0-255), or over 5 % at or below BLACK_LEVEL.
UNDEREXPOSED_LEVEL = 128
BLACK_LEVEL = 5
# overexposed: over OVEREXPOSED_SHARE of the facial area with a channel at or above CLIPPED_LEVEL.
CLIPPED_LEVEL = 250
OVEREXPOSED_SHARE = 0.05


def colour_spread(pixels: np.ndarray) -> float:
    """Median over ``pixels`` ((n, 3) uint8, the facial area's) of each one's largest minus smallest channel
    (0-255): 0 in a grey photo, 15 or more in any photo of skin."""
    return float(np.median(brightest_channel(pixels).astype(np.int16) - darkest_channel(pixels)))


def underexposed(brightest: np.ndarray) -> bool:
    """Whether the facial area is too dark to judge, from each pixel's brightest channel ((n,) uint8): even the
    brightest 1 % stays below half scale (in a photo exposed for the face the highlights of the darkest skin
    reach it), or over 5 % are crushed to black."""
    return bool(np.percentile(brightest, 99) < UNDEREXPOSED_LEVEL or (brightest <= BLACK_LEVEL).mean() > 0.05)


def exposure_flags(area_pixels: np.ndarray) -> list[str]:
    """``overexposed`` and/or ``underexposed`` for the facial area's pixels ((n, 3) uint8); none for no pixels."""
    if not len(area_pixels):
        return []
    brightest = brightest_channel(area_pixels)
    flags = []
    if (brightest >= CLIPPED_LEVEL).mean() > OVEREXPOSED_SHARE:
        flags.append("overexposed")
    if underexposed(brightest):
        flags.append("underexposed")
    return flags


def photo_flags(
    landmarks,
    area_pixels: np.ndarray,
    forehead_hair_stop: float,
    band: str,
    min_eye_distance_px: float,
    max_pose_deg: float,
) -> list[str]:
    """The quality flags of a scored photo (see :class:`vitiscore.pipeline.FaceScore`) from its
    :class:`~vitiscore.face.FaceLandmarks`, its facial area's pixels ((n, 3) uint8), where the forehead stopped
    (``forehead_hair_stop``, below 0.3: at the band limit, not at hair), its normal skin's ITA band, and the limits
    of ``low_resolution`` (pixels between the iris centres) and ``pose`` (degrees)."""
    flags = []
    if landmarks.n_faces > 1:
        flags.append("multiple_faces")
    if landmarks.found_on != "photo":
        flags.append("face_found_enhanced")
    if landmarks.eye_distance_px < min_eye_distance_px:
        flags.append("low_resolution")
    angles = (landmarks.yaw_deg, landmarks.pitch_deg, landmarks.roll_deg)
    if max(abs(a) for a in angles) > max_pose_deg:
        flags.append("pose")
    flags += exposure_flags(area_pixels)
    if forehead_hair_stop < 0.3:
        flags.append("hairline_not_found")
    if band in ("light", "very_light"):
        flags.append("light_skin")
    return flags
