"""Overlay pictures for looking at a result: facial-area outline, unit borders, translucent depigmentation, and a
header band with the caption wrapped to the picture's width and a colour legend."""

from __future__ import annotations

import os

import cv2
import numpy as np

from vitiscore.files.storage import write_jpeg

# Overlays are for the eye; above this long side they are shrunk (masks keep full resolution).
OVERLAY_MAX_SIDE = 2048
# Saved as JPEG at this quality: outlines and fill stay crisp to the eye, at a fifth of a PNG's bytes and a
# tenth of its time (an RGB PNG of the face crop was the costliest file of a photo).
OVERLAY_JPEG_QUALITY = 90
AREA_COLOUR = (255, 215, 0)
UNIT_COLOUR = (255, 255, 255)
DEPIGMENTED_COLOUR = (255, 0, 200)
# Light enough that the skin's own texture, and so the lesion, stays visible under the fill; the fill's outline
# marks its edge.
DEPIGMENTED_ALPHA = 0.35
FONT = cv2.FONT_HERSHEY_SIMPLEX
LEGEND = (("facial area", AREA_COLOUR), ("units", UNIT_COLOUR), ("depigmented", DEPIGMENTED_COLOUR))


def font_scale(width: int) -> float:
    """Text size for a picture ``width`` pixels wide: readable on a small picture, not tiny on a large one."""
    return max(0.4, width / 1600)


def wrap_caption(caption: str, width: int, scale: float) -> list[str]:
    """``caption`` broken at spaces into lines that each fit ``width`` pixels at ``scale`` (a word longer than the
    line is cut into pieces that fit)."""
    margin = 12
    lines: list[str] = []
    line = ""
    for word in caption.split():
        candidate = f"{line} {word}" if line else word
        if cv2.getTextSize(candidate, FONT, scale, 1)[0][0] <= width - margin:
            line = candidate
            continue
        if line:
            lines.append(line)
        while cv2.getTextSize(word, FONT, scale, 1)[0][0] > width - margin and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and cv2.getTextSize(word[:cut], FONT, scale, 1)[0][0] > width - margin:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _header(width: int, caption: str) -> np.ndarray:
    """The dark band above the picture: the caption's lines, then the colour legend, its items wrapped onto as many
    lines as the width needs (a narrow picture cut the legend off)."""
    scale = font_scale(width)
    (_, text_h), baseline = cv2.getTextSize("Ag", FONT, scale, 1)
    step = text_h + baseline + 6
    lines = wrap_caption(caption, width, scale) if caption else []
    items, x, row = [], 6, 0
    for label, colour in LEGEND:
        size = text_h + 4 + cv2.getTextSize(label, FONT, scale, 1)[0][0]
        if x > 6 and x + size > width - 6:
            x, row = 6, row + 1
        items.append((x, row, label, colour))
        x += size + 2 * text_h
    band = np.full((step * (len(lines) + row + 1) + 6, width, 3), 32, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(band, line, (6, step * (i + 1) - baseline), FONT, scale, (255, 255, 255), 1, cv2.LINE_AA)
    for x, row, label, colour in items:
        y = step * (len(lines) + row + 1) - baseline
        cv2.rectangle(band, (x, y - text_h), (x + text_h, y), colour, cv2.FILLED)
        cv2.putText(band, label, (x + text_h + 4, y), FONT, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return band


def render(rgb: np.ndarray, labels: np.ndarray, depigmented: np.ndarray, caption: str = "") -> np.ndarray:
    """An RGB uint8 picture: a header band (the caption wrapped to the width, and a legend) above the photo, with
    depigmented skin filled in translucent magenta and outlined, the facial units outlined thinly in white and
    the facial area outlined in gold."""
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
    contours, _ = cv2.findContours(fill.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, DEPIGMENTED_COLOUR, 1, lineType=cv2.LINE_AA)
    for value in np.unique(labels[labels > 0]):
        contours, _ = cv2.findContours((labels == value).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, UNIT_COLOUR, 1, lineType=cv2.LINE_AA)
    contours, _ = cv2.findContours((labels > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, AREA_COLOUR, thickness + 1, lineType=cv2.LINE_AA)
    return np.vstack([_header(out.shape[1], caption), out])


def save(
    path: str | os.PathLike, rgb: np.ndarray, labels: np.ndarray, depigmented: np.ndarray, caption: str = ""
) -> None:
    """Write :func:`render`'s picture of the analysis frame to ``path`` as a JPEG (``OVERLAY_JPEG_QUALITY``),
    atomically and without metadata."""
    write_jpeg(path, render(rgb, labels, depigmented, caption), quality=OVERLAY_JPEG_QUALITY)
