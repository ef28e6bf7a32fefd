"""Lesions whose contrast with the skin around them matches real ones.

Real lesions are measured (:func:`measure_contrasts`) as their median CIELAB colour minus that of a ring of skin
just outside them. The lightness gap falls with the surrounding skin's lightness (on light skin a lesion is
only a few L* units lighter; on dark skin tens), so :func:`fit_contrast` fits the gap as a straight line in the
surrounding L* and keeps each real lesion's residual and its a*, b* gaps as they were measured; a painted
lesion (:func:`paint_contrast_lesions`) draws one real lesion's residuals and applies the line at the skin it
lands on. Beside that fitted majority: complete (chalk or milky) depigmentation, hypopigmented lesions (part of
the contrast) and trichrome margins (a hypopigmented band outside the lesion, not part of its mask).

The fit uses the training groups' photos only; a held-out evaluation then meets lesions from a distribution
fitted without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vitiscore.colour import lab_to_rgb, rgb_to_lab, skin_coloured

# Shares of painted lesions (the rest follow the fitted contrast at full strength).
COMPLETE_SHARE = 0.2
TRICHROME_SHARE = 0.25
# Depigmented skin is never darker than the skin around it; a gap this small is the least a lesion keeps.
MIN_LIGHTNESS_GAP = 3.0


@dataclass(frozen=True)
class LesionContrasts:
    """Per real lesion: ``surround`` and ``lesion`` (n, 3) median CIELAB of the ring of skin around it and of
    the lesion itself."""

    surround: np.ndarray
    lesion: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        return self.lesion - self.surround


def measure_contrasts(pairs, min_area_px: int = 150, ring: float = 0.15) -> LesionContrasts:
    """Each connected lesion of at least ``min_area_px`` pixels in ``pairs`` ((rgb uint8, mask bool) of real
    photos) against a ring outside it ``ring`` times its equivalent diameter wide (at least 4 px, starting 2 px
    out, skin-coloured pixels outside every lesion only). Lesions with fewer than 30 such ring pixels are left
    out."""
    surround, inside = [], []
    for rgb, mask in pairs:
        lab = rgb_to_lab(rgb)
        skin = skin_coloured(rgb) & ~mask
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
        for i in range(1, n):
            area = int(stats[i, cv2.CC_STAT_AREA])
            if area < min_area_px:
                continue
            lesion = labels == i
            width = max(4, round(ring * 2 * np.sqrt(area / np.pi)))
            near = _dilate(lesion, 2)
            band = _dilate(lesion, 2 + width) & ~near & skin
            if band.sum() < 30:
                continue
            surround.append(np.median(lab[band], axis=0))
            inside.append(np.median(lab[lesion], axis=0))
    if not surround:
        raise ValueError("no lesion with a measurable ring of skin around it in the photos given")
    return LesionContrasts(np.array(surround, np.float32), np.array(inside, np.float32))


def _dilate(mask: np.ndarray, px: int) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel) > 0


@dataclass(frozen=True)
class ContrastModel:
    """Lightness gap = ``intercept`` + ``slope`` x surrounding L*, plus ``residuals`` (n, 3): each real lesion's
    (L* residual, a* gap, b* gap)."""

    intercept: float
    slope: float
    residuals: np.ndarray

    def draw(self, rng: np.random.Generator, surround_lightness: float) -> np.ndarray:
        """A lesion-minus-surround gap (dL*, da*, db*) for skin of ``surround_lightness`` (L*): one real lesion's
        residuals on the fitted line, the lightness gap at least :data:`MIN_LIGHTNESS_GAP`."""
        residual = self.residuals[rng.integers(len(self.residuals))]
        gap = np.array([self.intercept + self.slope * surround_lightness + residual[0], residual[1], residual[2]])
        gap[0] = max(MIN_LIGHTNESS_GAP, gap[0])
        return gap.astype(np.float32)


def fit_contrast(contrasts: LesionContrasts) -> ContrastModel:
    """Least-squares line of the lightness gap on the surrounding L*, with the residuals kept (a*, b* as
    measured). Needs at least three lesions."""
    if len(contrasts.surround) < 3:
        raise ValueError(f"need at least 3 measured lesions to fit a contrast, got {len(contrasts.surround)}")
    x, gap = contrasts.surround[:, 0], contrasts.gap
    slope, intercept = np.polyfit(x, gap[:, 0], 1)
    residuals = np.column_stack([gap[:, 0] - (intercept + slope * x), gap[:, 1], gap[:, 2]])
    return ContrastModel(float(intercept), float(slope), residuals.astype(np.float32))


def paint_gap(lab: np.ndarray, alpha: np.ndarray, gap: np.ndarray, texture: float) -> np.ndarray:
    """``lab`` moved by ``gap`` (dL*, da*, db*) where ``alpha`` (0-1), the skin's own texture (its deviation
    from a local mean) kept at ``texture`` (0-1) of its contrast; L* stays at most 98."""
    local = cv2.GaussianBlur(lab, (0, 0), 4.0)
    painted = local + gap + texture * (lab - local)
    painted[..., 0] = np.minimum(painted[..., 0], 98.0)
    return lab + alpha[..., None] * (painted - lab)


def paint_contrast_lesions(rgb: np.ndarray, base, rng: np.random.Generator, model: ContrastModel, outlines):
    """Lesions on the skin of ``base`` coloured from ``model``; (rgb, mask). ``outlines`` yields (mask, strength
    0-1, feather px) per lesion, e.g. :func:`vitiscore.training.data.lesion_outlines` (the melanin appearance's
    outlines, perifollicular islands and strengths) drawn from the same ``rng``. A share :data:`COMPLETE_SHARE`
    is completely depigmented (L* 82-95, nearly neutral, or at least 12 above the skin); a hypopigmented lesion
    (strength under 0.8) takes that share of the gap; a share :data:`TRICHROME_SHARE` gets a band of 40-60 % of
    its gap outside it, 10-25 % of its radius wide, which the mask leaves out."""
    mask = np.zeros(base.skin.shape, bool)
    lab = rgb_to_lab(rgb)
    for lesion, strength, feather in outlines:
        radius = float(np.sqrt(lesion.sum() / np.pi))
        ring = _dilate(lesion, max(3, round(0.3 * radius))) & ~lesion & base.skin
        surround = np.median(lab[ring], axis=0) if ring.sum() >= 10 else np.median(lab[base.skin], axis=0)
        if rng.random() < COMPLETE_SHARE:
            target = np.array(
                [max(rng.uniform(82, 95), surround[0] + 12.0), rng.uniform(0, 4), rng.uniform(1, 7)], np.float32
            )
            gap = target - surround
        else:
            gap = model.draw(rng, float(surround[0])) * (strength if strength < 0.8 else 1.0)
        if rng.random() < TRICHROME_SHARE:
            band = _dilate(lesion, max(2, round(rng.uniform(0.1, 0.25) * radius))) & ~lesion & base.skin
            soft = cv2.GaussianBlur(band.astype(np.float32), (0, 0), 1.5)
            lab = paint_gap(lab, soft, gap * rng.uniform(0.4, 0.6), rng.uniform(0.6, 1.0))
        alpha = cv2.GaussianBlur(lesion.astype(np.float32), (0, 0), feather)
        lab = paint_gap(lab, alpha, gap, rng.uniform(0.4, 0.9))
        mask |= lesion
    return lab_to_rgb(lab), mask
