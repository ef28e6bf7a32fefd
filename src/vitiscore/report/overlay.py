"""Overlay pictures for looking at a result: facial-area outline, unit borders, translucent depigmentation."""

from __future__ import annotations

import cv2
import numpy as np

# Overlays are for the eye; above this long side they are shrunk (masks keep full resolution).
OVERLAY_MAX_SIDE = 2048
AREA_COLOUR = (255, 215, 0)
UNIT_COLOUR = (255, 255, 255)
DEPIGMENTED_COLOUR = (255, 0, 200)
DEPIGMENTED_ALPHA = 0.45


def render(rgb: np.ndarray, labels: np.ndarray, depigmented: np.ndarray, caption: str = "") -> np.ndarray:
    """An RGB uint8 picture: the photo with depigmented skin filled in translucent magenta, the facial units
    outlined thinly in white, the facial area outlined in gold, and ``caption`` on a dark band at the top."""
    height, width = rgb.shape[:2]
    scale = min(1.0, OVERLAY_MAX_SIDE / max(height, width))
    if scale < 1.0:
        size = (round(width * scale), round(height * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        labels = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
        depigmented = cv2.resize(depigmented.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    out = rgb.astype(np.float32)
    fill = depigmented & (labels > 0)
    out[fill] = (1 - DEPIGMENTED_ALPHA) * out[fill] + DEPIGMENTED_ALPHA * np.array(DEPIGMENTED_COLOUR, np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    thickness = max(1, round(max(out.shape[:2]) / 600))
    for value in np.unique(labels[labels > 0]):
        contours, _ = cv2.findContours((labels == value).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, UNIT_COLOUR, 1, lineType=cv2.LINE_AA)
    contours, _ = cv2.findContours((labels > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, AREA_COLOUR, thickness + 1, lineType=cv2.LINE_AA)
    if caption:
        font_scale = max(0.35, out.shape[1] / 2000)
        (_, text_h), baseline = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
        band = text_h + baseline + 8
        out[:band] = (out[:band] * 0.35).astype(np.uint8)
        cv2.putText(
            out,
            caption,
            (6, band - baseline - 3),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
    return out
