"""Synthetic depigmentation with known truth, for the demo photos and the tests.

Lesions are painted in CIELAB as melanin loss: the local mean colour is moved towards depigmented skin (light,
little yellow, some haemoglobin red kept) while the skin's own texture (the deviation from the local mean) is
kept, and the border is feathered. The truth mask is the hard outline; feathering is symmetric about it, so the
painted area matches the truth area.
"""

from __future__ import annotations

import cv2
import numpy as np

from vitiscore.colour import lab_to_rgb as _to_rgb
from vitiscore.colour import rgb_to_lab as _to_lab
from vitiscore.colour import skin_colour_likeness

# Colour of fully depigmented facial skin (CIELAB), roughly the same across skin tones: what melanin loss leaves.
DEPIGMENTED_LAB = (76.0, 10.0, 9.0)
# Share of the normal skin's a* (haemoglobin redness) that depigmented skin keeps.
REDNESS_KEPT = 0.6

# Melanin added by :func:`retone` for each demo skin tone: (dL*, da*, db*) at full skin weight.
TONE_SHIFTS = {
    "light": (0.0, 0.0, 0.0),
    "tan": (-20.0, 2.0, 5.0),
    "brown": (-34.0, 3.0, 3.0),
}


def skin_weight(rgb: np.ndarray) -> np.ndarray:
    """Soft (0-1) weight of skin-like colour: moderately saturated, hue between red and yellow."""
    return cv2.GaussianBlur(skin_colour_likeness(_to_lab(rgb)), (0, 0), 6.0)


def retone(rgb: np.ndarray, tone: str) -> np.ndarray:
    """Darken the skin of ``rgb`` to one of :data:`TONE_SHIFTS` by adding melanin (L* down, b* and a* up).

    Raises:
        ValueError: unknown ``tone``.
    """
    if tone not in TONE_SHIFTS:
        raise ValueError(f"tone must be one of {sorted(TONE_SHIFTS)}, got {tone!r}")
    return add_melanin(rgb, TONE_SHIFTS[tone])


def add_melanin(rgb: np.ndarray, shift: tuple[float, float, float]) -> np.ndarray:
    """Change the skin tone of ``rgb``: (dL*, da*, db*) at full skin weight (:func:`skin_weight`).

    A negative dL* adds melanin (darker), a positive one removes some (lighter); non-skin colours are left
    nearly alone.
    """
    shift = np.asarray(shift, np.float32)
    if shift.shape != (3,):
        raise ValueError(f"shift must be (dL*, da*, db*), got {shift!r}")
    if not shift.any():
        return rgb.copy()
    lab = _to_lab(rgb)
    weight = skin_weight(rgb)[..., None]
    # Scale lightness rather than only shifting it, so that dark features (brows, pupils) stay darker than skin.
    lab[..., :1] = lab[..., :1] * (1.0 + weight * shift[0] / 100.0 * 1.6)
    lab[..., 1:] = lab[..., 1:] + weight * shift[1:]
    return _to_rgb(lab)


def lesion_outline(
    rng: np.random.Generator, centre: tuple[float, float], radius: float, roughness: float = 0.25, n_points: int = 180
) -> np.ndarray:
    """A closed, smooth, irregular outline (n_points, 2) in pixels: a circle with random low harmonics."""
    if radius <= 0:
        raise ValueError(f"radius must be positive (pixels), got {radius}")
    theta = np.linspace(0, 2 * np.pi, n_points, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 7):
        r += rng.normal(0, roughness / k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = radius * np.clip(r, 0.35, None)
    stretch = rng.uniform(0.7, 1.3)
    angle = rng.uniform(0, np.pi)
    x, y = r * np.cos(theta) * stretch, r * np.sin(theta) / stretch
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([centre[0] + c * x - s * y, centre[1] + s * x + c * y], axis=1)


def fill_outline(shape: tuple[int, int], outline: np.ndarray) -> np.ndarray:
    """Rasterise an outline to a bool mask of ``shape`` (sub-pixel vertices, 4 bits of precision)."""
    mask = np.zeros(shape, np.uint8)
    pts = np.round(outline * 16).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def repigmentation_islands(rng: np.random.Generator, lesion: np.ndarray, density: float, radius: float) -> np.ndarray:
    """Perifollicular repigmentation: small round islands (``radius`` px) covering about ``density`` (0-1) of
    ``lesion``. Returns the islands as a bool mask (inside the lesion)."""
    islands = np.zeros(lesion.shape, np.uint8)
    ys, xs = np.nonzero(lesion)
    if xs.size == 0 or density <= 0:
        return islands.astype(bool)
    n = int(round(density * xs.size / (np.pi * radius**2)))
    for i in rng.choice(xs.size, size=min(n, xs.size), replace=False):
        cv2.circle(islands, (int(xs[i]), int(ys[i])), max(1, int(round(radius))), 1, -1)
    return islands.astype(bool) & lesion


def paint_depigmentation(
    rgb: np.ndarray, mask: np.ndarray, strength: float = 1.0, feather_px: float = 1.5
) -> np.ndarray:
    """Paint depigmentation inside ``mask`` (bool, same size as ``rgb``) and return the new uint8 image.

    ``strength`` 1.0 is complete depigmentation; lower values give hypopigmentation. The texture of the
    original skin is kept; the border is feathered by a Gaussian of ``feather_px`` pixels.
    """
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask must have shape {rgb.shape[:2]}, got {mask.shape}")
    if not 0 < strength <= 1:
        raise ValueError(f"strength must be in (0, 1], got {strength}")
    lab = _to_lab(rgb)
    local = cv2.GaussianBlur(lab, (0, 0), 6.0)
    target = np.empty_like(lab)
    # Already-light skin still gets a little lighter: melanin loss never darkens.
    target[..., 0] = np.maximum(DEPIGMENTED_LAB[0], local[..., 0] + 4.0)
    target[..., 1] = REDNESS_KEPT * local[..., 1] + (1 - REDNESS_KEPT) * DEPIGMENTED_LAB[1]
    target[..., 2] = np.minimum(local[..., 2], DEPIGMENTED_LAB[2])
    alpha = mask.astype(np.float32)
    if feather_px > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), feather_px)
    alpha = (alpha * strength)[..., None]
    # Texture (lab - local) is carried over at reduced contrast: melanin texture fades with the melanin.
    painted = lab + alpha * (target - local) - alpha * 0.3 * (lab - local)
    return _to_rgb(painted)


# Lesion sites for the demo faces: (anchor landmark, offset towards another landmark as a share of the
# distance, radius as a share of the nasion-chin distance). Forehead, periorbital, cheek, perioral and chin are
# where facial vitiligo is common.
DEMO_SITES = (
    (151, 108, 0.3, 0.10),  # forehead, towards the patient's right
    (143, 234, 0.25, 0.07),  # right lateral periorbital
    (425, 454, 0.3, 0.09),  # left cheek
    (287, 361, 0.3, 0.06),  # left perioral, beside the mouth corner
    (199, 175, 0.0, 0.05),  # chin
)


def astronaut_face() -> np.ndarray:
    """The face of ``skimage.data.astronaut()`` (public domain), cropped and enlarged 3x to about 630x690 px,
    so that the eyes are about 130 px apart as in a clinical photo."""
    from skimage import data

    crop = data.astronaut()[20:250, 120:330]
    return cv2.resize(crop, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)


# Week-24 course of each demo lesion: (radius as a share of the baseline radius, share of what remains
# covered by perifollicular repigmentation islands). Depigmented area left, as a share of baseline:
# repigmenting 0.6^2 x 0.75 = 27 % (73 % less), partial 0.55^2 = 30 % (70 % less), cleared 0, spreading 1.15^2 =
# 132 % (32 % more).
WEEK24_COURSES = {
    "repigmenting": (0.6, 0.25),
    "partial": (0.55, 0.0),
    "cleared": (0.0, 0.0),
    "spreading": (1.15, 0.0),
}


def demo_lesions(
    shape: tuple[int, int],
    points: np.ndarray,
    facial_area: np.ndarray,
    visit: str,
    seed: int = 0,
    course: str = "repigmenting",
) -> np.ndarray:
    """Truth mask of the demo lesions for ``visit`` ("baseline" or "week24") on a face with mesh ``points``
    (pixels). Lesions are clipped to ``facial_area`` shrunk by 3 px, so every painted pixel is facial skin.

    At week 24 each baseline lesion follows ``course`` (:data:`WEEK24_COURSES`): by default it shrinks to 60 %
    of its radius with perifollicular repigmentation islands covering about a quarter of what remains, as after
    successful treatment; "cleared" leaves no lesion.
    """
    if visit not in ("baseline", "week24"):
        raise ValueError(f"visit must be 'baseline' or 'week24', got {visit!r}")
    if course not in WEEK24_COURSES:
        raise ValueError(f"course must be one of {sorted(WEEK24_COURSES)}, got {course!r}")
    radius_share, island_share = WEEK24_COURSES[course]
    rng = np.random.default_rng(seed)
    face_height = float(np.hypot(*(points[168, :2] - points[152, :2])))
    truth = np.zeros(shape, bool)
    for anchor, towards, offset, radius in DEMO_SITES:
        centre = points[anchor, :2] + offset * (points[towards, :2] - points[anchor, :2])
        outline = lesion_outline(rng, tuple(centre), radius * face_height)
        lesion = fill_outline(shape, outline)
        # Drawn on both visits, so that the baseline and week-24 outlines come from the same random stream.
        islands_rng = np.random.default_rng(rng.integers(1 << 31))
        if visit == "week24":
            lesion = (
                fill_outline(shape, centre + radius_share * (outline - centre))
                if radius_share > 0
                else np.zeros(shape, bool)
            )
            if island_share > 0:
                lesion &= ~repigmentation_islands(islands_rng, lesion, island_share, max(2.0, 0.008 * face_height))
        truth |= lesion
    inner = cv2.erode(facial_area.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    return truth & inner
