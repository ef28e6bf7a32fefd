"""The classical depigmentation baseline: the person's own skin colour, learned inside their facial area.

Method (every number is in :data:`PARAMETERS`, whose hash is the model SHA-256 in the outputs):

1. Convert to CIELAB (D65) and smooth lightly (Gaussian, ``smoothing_px``) against sensor and JPEG noise.
2. Leave out pixels that cannot be judged: clipped highlights (any channel >= ``clip_level``) and deep shadow
   (L* < ``min_lightness``). They stay in the facial area but are never called depigmented.
3. Flatten the illumination: each pixel is compared with the local mean of the normal skin around it, a
   Gaussian-weighted mean of scale ``background_scale`` x the facial area's size over the pixels currently
   taken as normal (normalised convolution). Lighting gradients and fall-off cancel; a lesion's own pixels are
   left out of its reference, so a large patch is compared with the skin around it, not with itself. The
   darkest ``reference_dark_percentile`` % of the area (hair remnants, brow edges, deep folds) never serve as
   reference.
4. Learn the normal skin iteratively: start with every usable pixel as normal, compute the local reference
   and the robust spread (1.4826 x median absolute deviation) of the residuals, drop the pixels that look
   depigmented, and repeat ``reference_iterations`` times.
5. Score each pixel by how much lighter (dL*), less yellow (-db*: melanin absorbs blue, so its loss lowers b*)
   and redder in hue (-dh, the a*b* hue angle: haemoglobin's red stays when melanin goes) it is than the
   reference, each in units of the normal-skin spread: z = (dL*/sL - db*/sb - dh/sh) / sqrt(3). The hue term
   is what tells depigmentation from shine: a highlight adds white light, which raises L* and lowers a* and b*
   together without turning the hue. The probability-like map is logistic(z - ``z_threshold``) times two soft
   gates: dL* >= ``min_delta_lightness`` (markedly lighter in absolute terms too, so that very even skin does
   not turn noise into lesions) and a hue turned redder by at least ``min_hue_shift_sd`` SDs (lit skin on the
   forehead, nose bridge and cheekbones is lighter and less yellow as well, but keeps its hue).
6. Smooth the map (``map_smoothing_px``), cut at ``threshold``, and drop specks smaller than
   ``min_lesion_fraction`` of the facial area. Holes are kept: specks of repigmentation inside a lesion lower
   its depigmented fraction, as the F-VASI degrees intend.

``z_threshold``, ``min_hue_shift_sd`` and ``background_scale`` were chosen on synthetic lesions painted on the
astronaut demo face in three skin tones (a plateau where the fraction error stays within 0.015); tests use other
lesion layouts. Real photos are the learned model's evaluation set, not this baseline's tuning set.

Known limits: on very light skin (ITA > 55) depigmentation changes the colour little and is easily missed;
specular shine that is not clipped, pale scars and make-up can be called depigmented.
"""

from __future__ import annotations

import cv2
import numpy as np

from vitiscore.colour import brightest_channel
from vitiscore.segment.protocol import Segmentation, check_inputs, parameters_sha256

PARAMETERS = {
    "method": "classical-lab-reference",
    "version": 1,
    "smoothing_px": 1.0,
    "clip_level": 250,
    "min_lightness": 8.0,
    "background_scale": 0.08,
    "reference_dark_percentile": 15.0,
    "reference_iterations": 4,
    "min_spread_lightness": 2.0,
    "min_spread_b": 1.5,
    "min_spread_hue": 2.0,
    "z_threshold": 4.0,
    "z_softness": 0.6,
    "min_delta_lightness": 3.0,
    "min_hue_shift_sd": 2.5,
    "map_smoothing_px": 1.5,
    "threshold": 0.5,
    "min_lesion_fraction": 0.0005,
}


class ClassicalSegmenter:
    """Transparent colour-statistics baseline; see the module docstring for the method."""

    model_id = "classical"

    def __init__(self, parameters: dict | None = None):
        self.parameters = dict(PARAMETERS if parameters is None else parameters)
        self.sha256 = parameters_sha256(self.parameters)

    def predict_batch(self, images: list[np.ndarray], areas: list[np.ndarray]) -> list[Segmentation]:
        """:meth:`predict` for each image in turn (the method has nothing to gain from batching)."""
        return [self.predict(rgb, area) for rgb, area in zip(images, areas, strict=True)]

    def predict(self, rgb: np.ndarray, area: np.ndarray) -> Segmentation:
        check_inputs(rgb, area)
        p = self.parameters
        area = area.astype(bool)
        probability = np.zeros(area.shape, np.float32)
        empty = Segmentation(probability, np.zeros(area.shape, bool), p["threshold"])
        if area.sum() < 50:
            return empty
        lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        if p["smoothing_px"] > 0:
            lab = cv2.GaussianBlur(lab, (0, 0), p["smoothing_px"])
        judged = area & (brightest_channel(rgb) < p["clip_level"]) & (lab[..., 0] >= p["min_lightness"])
        if judged.sum() < 50:
            return empty
        hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
        channels = np.stack([lab[..., 0], lab[..., 2], hue], axis=-1)
        floors = np.array([p["min_spread_lightness"], p["min_spread_b"], p["min_spread_hue"]])
        ys, xs = np.nonzero(area)
        sigma = p["background_scale"] * max(np.ptp(ys), np.ptp(xs), 1)
        # Hair remnants, brow edges and deep folds would drag the local mean down and make the skin beside
        # them look lighter than it is: the darkest pixels never serve as reference.
        dark_cut = np.percentile(channels[..., 0][judged], p["reference_dark_percentile"])
        usable = judged & (channels[..., 0] > dark_cut)
        normal = usable.copy()
        for _ in range(p["reference_iterations"]):
            background = _masked_blur(channels, normal, sigma)
            residual = channels - background
            values = residual[normal]
            spread = np.maximum(1.4826 * np.median(np.abs(values - np.median(values, axis=0)), axis=0), floors)
            z_map = _evidence(residual, spread)
            lighter = residual[..., 0]
            candidate = judged & (z_map >= p["z_threshold"] / 2) & (lighter > 0)
            next_normal = usable & ~candidate
            if next_normal.sum() < 50:
                break
            normal = next_normal

        score = 1.0 / (1.0 + np.exp(-(z_map - p["z_threshold"]) / p["z_softness"]))
        gate = 1.0 / (1.0 + np.exp(-(lighter - p["min_delta_lightness"])))
        # Lit skin (forehead, nose bridge, cheekbones) is lighter and less yellow too, but keeps its hue.
        redder = -residual[..., 2] / spread[2]
        gate = gate / (1.0 + np.exp(-(redder - p["min_hue_shift_sd"]) / 0.5))
        probability = np.where(judged, score * gate, 0.0).astype(np.float32)
        if p["map_smoothing_px"] > 0:
            probability = cv2.GaussianBlur(probability, (0, 0), p["map_smoothing_px"]) * area
        mask = (probability >= p["threshold"]) & judged
        mask = _drop_specks(mask, int(np.ceil(p["min_lesion_fraction"] * area.sum())))
        return Segmentation(probability.astype(np.float32), mask, p["threshold"])


def _masked_blur(channels: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-weighted local mean of ``channels`` over the pixels where ``weight`` is True (normalised
    convolution): excluded pixels (lesions, outside the face) get the mean of the normal skin around them."""
    w = weight.astype(np.float32)
    weighted = channels * w[..., None]
    height, width = w.shape
    # A wide Gaussian is smooth, so it is computed on a grid where sigma is 8 pixels and interpolated back:
    # the same local means at a fraction of the cost on large crops.
    factor = min(1.0, 8.0 / sigma)
    if factor < 1.0:
        small = (max(1, round(width * factor)), max(1, round(height * factor)))
        w_small = cv2.resize(w, small, interpolation=cv2.INTER_AREA)
        num_small = cv2.resize(weighted, small, interpolation=cv2.INTER_AREA)
        denominator = cv2.resize(
            cv2.GaussianBlur(w_small, (0, 0), sigma * factor), (width, height), interpolation=cv2.INTER_LINEAR
        )
        numerator = cv2.resize(
            cv2.GaussianBlur(num_small, (0, 0), sigma * factor), (width, height), interpolation=cv2.INTER_LINEAR
        )
    else:
        denominator = cv2.GaussianBlur(w, (0, 0), sigma)
        numerator = cv2.GaussianBlur(weighted, (0, 0), sigma)
    out = numerator / np.maximum(denominator, 1e-6)[..., None]
    # Far from any normal skin the local mean is undefined: use the global median of normal skin there.
    global_mean = np.median(channels[weight], axis=0) if weight.any() else np.zeros(channels.shape[-1])
    far = denominator < 1e-3
    out[far] = global_mean
    return out


def _evidence(residual: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Depigmentation evidence z from residuals (pixel minus local normal skin) of L*, b* and hue: mean of
    lighter, less yellow and redder-hued, each in robust SDs."""
    delta = residual / spread
    return (delta[..., 0] - delta[..., 1] - delta[..., 2]) / np.sqrt(3.0)


def _drop_specks(mask: np.ndarray, min_pixels: int) -> np.ndarray:
    if min_pixels <= 1 or not mask.any():
        return mask
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_pixels
    return keep[labels]
