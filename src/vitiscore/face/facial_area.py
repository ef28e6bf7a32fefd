"""The F-VASI facial area and its facial units, drawn from the face mesh.

Definition used (TRuE-V wording, with the decisions this tool had to make written out):

* Included: forehead up to the hairline, nose, cheeks down to the jawline and laterally to the mesh outline in
  front of the tragus, the upper-lip skin and chin.
* Excluded always: lips (outer vermilion border), the eyes (lid margins), eyebrow hair, scalp, ears, neck, and
  hair that covers the forehead (a fringe is not skin that can be scored).
* Eyelids: an option. ``exclude`` (default) removes the lid skin between the lid margin and the mesh's third
  ring around the eye; ``include`` scores it as part of the periorbital unit. Every output records the choice.
* Forehead above the mesh: the mesh stops 1-3 cm short of the hairline. The forehead is grown upward from the
  brows through skin-coloured pixels and stops at the first hair (darker than the person's own skin, of a
  different colour and not lighter, or finely textured); the border of a smooth white patch is not taken for
  hair, so that a patch at the hairline is kept. It never goes beyond a plausible band: the hairline is at most
  ``hairline_max`` x the nasion-to-chin distance above the nasion (0.85 by default; the labelled hairline on the
  70 frontal FASSEG faces lies at 0.27-0.82, mean 0.60, of that distance).

Units (labels in the label map): see :data:`UNITS`. Sides are the patient's.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vitiscore.colour import rgb_to_lab
from vitiscore.errors import UsageError
from vitiscore.face import indices as ix
from vitiscore.face.landmarks import FaceLandmarks

UNITS = ("forehead", "nose", "right_cheek", "left_cheek", "chin_perioral", "right_periorbital", "left_periorbital")
UNIT_LABELS = {name: i + 1 for i, name in enumerate(UNITS)}
EYELID_CHOICES = ("exclude", "include")

# Analysis happens on a crop around the face whose long side is at most this many pixels: enough for the
# colour statistics, and it keeps a 12 MP photo from costing more than a small one.
ANALYSIS_MAX_SIDE = 1024
DEFAULT_HAIRLINE_MAX = 0.85

# The forehead search's filters (pixels of the analysis frame; shares of the nasion-chin distance). The window
# it runs in (_forehead_in_window) is sized from these, so they live in one place.
SMOOTH_SIGMA = 2.0  # colour smoothing before comparing with the skin reference
FINE_SIGMA, TEXTURE_SIGMA = 1.5, 3.0  # hair texture: lightness minus its blur, then the blurred square
HAIR_DENSITY_SHARE = 0.01  # neighbourhood over which hair-like pixels are counted
OPENING_SHARE = 0.02  # width of the opening that cuts spikes of skin into the hair
EDGE_STEP = 2  # how far above an edge pixel the forehead's upper edge looks for hair


@dataclass(frozen=True)
class FacialArea:
    """The facial area in the analysis frame.

    Attributes:
        labels: (h, w) uint8 map in the analysis frame; 0 outside the facial area, else ``UNIT_LABELS[unit]``.
        crop: (h, w, 3) uint8 analysis crop of the photo that ``labels`` describes.
        box: (x0, y0, x1, y1) of the analysis crop in photo pixels (x1, y1 exclusive).
        scale: analysis pixels per photo pixel (<= 1).
        points: (478, 3) landmarks in analysis-frame pixels.
        eyelids: "exclude" or "include".
        forehead_hair_stop: share (0-1) of the forehead's upper edge that stopped at hair rather than at the
            band limit; low values on a photo with visible hair mean the hairline was not found.
    """

    labels: np.ndarray
    crop: np.ndarray
    box: tuple[int, int, int, int]
    scale: float
    points: np.ndarray
    eyelids: str
    forehead_hair_stop: float

    @property
    def mask(self) -> np.ndarray:
        return self.labels > 0

    def photo_labels(self, photo_shape) -> np.ndarray:
        """The unit label map placed back into a photo of ``photo_shape`` (photo pixels)."""
        return to_photo(self.labels, self.box, self.scale, photo_shape)


def _poly(points: np.ndarray, idx) -> np.ndarray:
    return np.round(points[list(idx), :2]).astype(np.int32)


def _fill(shape, polygon: np.ndarray) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    cv2.fillPoly(out, [polygon.reshape(-1, 1, 2)], 1)
    return out.astype(bool)


def _dilate(mask: np.ndarray, radius: float) -> np.ndarray:
    r = int(round(radius))
    if r < 1:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return _around(mask, r, lambda window: cv2.dilate(window, kernel)).astype(bool)


def _around(mask: np.ndarray, reach: int, operation) -> np.ndarray:
    """``operation`` (a dilation or an opening by a kernel of radius ``reach``, on uint8) applied to the window
    of ``mask`` that holds its pixels and ``reach`` more on each side: the same result as on the whole mask,
    since neither reaches further (eyes, lips and brows are a few percent of the frame, and an elliptic kernel
    costs by the pixel). An empty mask is returned as it is, as uint8."""
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    out = np.zeros(mask.shape, np.uint8)
    if not len(rows):
        return out
    y0, y1 = max(0, rows[0] - reach), min(mask.shape[0], rows[-1] + reach + 1)
    x0, x1 = max(0, cols[0] - reach), min(mask.shape[1], cols[-1] + reach + 1)
    out[y0:y1, x0:x1] = operation(np.ascontiguousarray(mask[y0:y1, x0:x1], dtype=np.uint8))
    return out


def _geometry(points: np.ndarray, hairline_max: float):
    """Up vector, face height and the hairline band limit arc, in the coordinates of ``points``."""
    nasion, chin = points[ix.NASION, :2], points[ix.CHIN, :2]
    face_height = float(np.hypot(*(nasion - chin)))
    up = (nasion - chin) / max(face_height, 1e-6)
    arc = points[list(ix.FOREHEAD_ARC), :2]
    top_height = float(np.max((arc - nasion) @ up))
    lift = max(0.0, hairline_max * face_height - top_height)
    return up, face_height, arc + lift * up


def analysis_frame(
    points: np.ndarray, photo_shape: tuple[int, int], hairline_max: float = DEFAULT_HAIRLINE_MAX
) -> tuple[tuple[int, int, int, int], float]:
    """Crop box (photo pixels) holding the face and its forehead band, and the analysis scale (<= 1)."""
    _, face_height, limit = _geometry(points, hairline_max)
    outline = np.vstack([points[list(ix.FACE_OVAL), :2], limit])
    margin = 0.05 * face_height
    x0, y0 = np.floor(outline.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(outline.max(axis=0) + margin).astype(int)
    height, width = photo_shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise UsageError("the face lies outside the photo")
    scale = min(1.0, ANALYSIS_MAX_SIDE / max(x1 - x0, y1 - y0))
    return (int(x0), int(y0), int(x1), int(y1)), float(scale)


def frame_size(box, scale: float) -> tuple[int, int]:
    """(width, height) of the analysis frame of ``box`` (photo pixels) at ``scale``."""
    x0, y0, x1, y1 = box
    if scale == 1.0:
        return x1 - x0, y1 - y0
    return max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))


def crop_to_frame(rgb: np.ndarray, box, scale: float, interpolation=cv2.INTER_AREA) -> np.ndarray:
    """The analysis crop of a photo-sized array (area interpolation when shrinking; pass ``INTER_NEAREST`` for
    label maps)."""
    x0, y0, x1, y1 = box
    crop = rgb[y0:y1, x0:x1]
    if scale == 1.0:
        return np.ascontiguousarray(crop)
    return cv2.resize(crop, frame_size(box, scale), interpolation=interpolation)


def frame_labels(labels: np.ndarray, box, scale: float) -> np.ndarray:
    """Photo-sized unit labels brought into the frame (nearest neighbour)."""
    return crop_to_frame(labels, box, scale, interpolation=cv2.INTER_NEAREST)


def frame_points(points: np.ndarray, box, scale: float) -> np.ndarray:
    """Landmarks (photo pixels) moved into the analysis frame of ``box`` at ``scale`` (depth scaled alike)."""
    out = np.array(points, dtype=np.float64, copy=True)
    out[:, 0] = (out[:, 0] - box[0]) * scale
    out[:, 1] = (out[:, 1] - box[1]) * scale
    out[:, 2] *= scale
    return out


def to_photo(frame_map: np.ndarray, box, scale: float, photo_shape, interpolation=cv2.INTER_NEAREST):
    """Place an analysis-frame map (or picture: channels are kept) back into a photo-sized array (zeros outside
    the crop)."""
    x0, y0, x1, y1 = box
    out = np.zeros(tuple(photo_shape[:2]) + frame_map.shape[2:], dtype=frame_map.dtype)
    if scale == 1.0 and frame_map.shape == (y1 - y0, x1 - x0):
        out[y0:y1, x0:x1] = frame_map
    else:
        out[y0:y1, x0:x1] = cv2.resize(frame_map, (x1 - x0, y1 - y0), interpolation=interpolation)
    return out


def region(
    rgb: np.ndarray, landmarks: FaceLandmarks, eyelids: str = "exclude", hairline_max: float = DEFAULT_HAIRLINE_MAX
) -> FacialArea:
    """Build the facial area and its units for the face given by ``landmarks``.

    Args:
        rgb: (H, W, 3) uint8 photo.
        landmarks: from :func:`vitiscore.face.locate` on the same photo.
        eyelids: "exclude" (default) or "include" the eyelid skin.
        hairline_max: band limit for the hairline, as a multiple (0.3-1.5) of the nasion-to-chin distance
            above the nasion.

    Raises:
        ValueError: a bad ``eyelids`` or ``hairline_max``, or a face outside the photo.
    """
    if eyelids not in EYELID_CHOICES:
        raise UsageError(f"eyelids must be one of {EYELID_CHOICES}, got {eyelids!r}")
    if not 0.3 <= hairline_max <= 1.5:
        raise UsageError(f"hairline_max must be between 0.3 and 1.5 (x nasion-chin distance), got {hairline_max}")
    box, scale = analysis_frame(landmarks.points, rgb.shape, hairline_max)
    crop = crop_to_frame(rgb, box, scale)
    points = frame_points(landmarks.points, box, scale)
    shape = crop.shape[:2]
    eye_distance = landmarks.eye_distance_px * scale

    exclusions = (
        _dilate(
            _fill(shape, _poly(points, ix.RIGHT_EYE)) | _fill(shape, _poly(points, ix.LEFT_EYE)), 0.04 * eye_distance
        )
        | _dilate(_fill(shape, _poly(points, ix.LIPS)), 0.02 * eye_distance)
        | _dilate(
            _fill(shape, _poly(points, ix.RIGHT_BROW)) | _fill(shape, _poly(points, ix.LEFT_BROW)), 0.03 * eye_distance
        )
    )
    if eyelids == "exclude":
        exclusions |= _fill(shape, _poly(points, ix.RIGHT_EYELID_RING)) | _fill(
            shape, _poly(points, ix.LEFT_EYELID_RING)
        )

    up, _, limit = _geometry(points, hairline_max)
    line = _poly(points, ix.FOREHEAD_LINE)
    zone_outline = np.vstack([line, np.round(limit[::-1]).astype(np.int32)])
    zone = _fill(shape, zone_outline)
    oval = _fill(shape, _poly(points, ix.FACE_OVAL))
    forehead, hair_stop = _forehead_in_window(crop, zone & ~exclusions, zone_outline, points, up)
    area = ((oval & ~zone) | forehead) & ~exclusions

    labels = np.where(
        _side_of_midline(shape, points) > 0, UNIT_LABELS["right_cheek"], UNIT_LABELS["left_cheek"]
    ).astype(np.uint8)
    labels[_fill(shape, _poly(points, ix.PERIORAL))] = UNIT_LABELS["chin_perioral"]
    labels[_fill(shape, _poly(points, ix.NOSE))] = UNIT_LABELS["nose"]
    labels[_fill(shape, _poly(points, ix.RIGHT_PERIORBITAL))] = UNIT_LABELS["right_periorbital"]
    labels[_fill(shape, _poly(points, ix.LEFT_PERIORBITAL))] = UNIT_LABELS["left_periorbital"]
    labels[zone] = UNIT_LABELS["forehead"]
    labels[~area] = 0
    return FacialArea(
        labels=labels, crop=crop, box=box, scale=scale, points=points, eyelids=eyelids, forehead_hair_stop=hair_stop
    )


def _side_of_midline(shape, points: np.ndarray) -> np.ndarray:
    """Positive on the patient's right side of the nasion-chin line (the image's left in a frontal photo)."""
    nasion, chin = points[ix.NASION, :2], points[ix.CHIN, :2]
    down = chin - nasion
    ys, xs = np.arange(shape[0])[:, None], np.arange(shape[1])[None, :]  # broadcast: no frame-sized grids
    return down[0] * (ys - nasion[1]) - down[1] * (xs - nasion[0])


def _gaussian_reach(sigma: float) -> int:
    """Pixels a float image's cv2.GaussianBlur of ``sigma`` reaches from each side (its kernel's half width)."""
    return (int(round(sigma * 8 + 1)) | 1) // 2


def _forehead_in_window(
    crop: np.ndarray, zone: np.ndarray, outline: np.ndarray, points: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, float]:
    """:func:`_forehead_skin` on the part of the crop around the forehead zone (``outline``: its polygon), with a
    margin wider than every filter it applies reaches, so that every pixel it decides is the same as on the
    whole crop (the tests compare them); the forehead is a third of the crop, and this is the costliest step of
    drawing the facial area."""
    face_height = float(np.hypot(*(points[ix.NASION, :2] - points[ix.CHIN, :2])))
    hair_reach = max(_gaussian_reach(SMOOTH_SIGMA), _gaussian_reach(FINE_SIGMA) + _gaussian_reach(TEXTURE_SIGMA))
    reach = hair_reach + _gaussian_reach(_density_sigma(face_height)) + EDGE_STEP
    margin = max(reach, _opening_radius(face_height)) + 2
    height, width = zone.shape
    x0, y0 = np.maximum(outline.min(axis=0) - margin, 0)
    x1, y1 = np.minimum(outline.max(axis=0) + margin + 1, (width, height))
    if x1 <= x0 or y1 <= y0:
        x0, y0, x1, y1 = 0, 0, width, height
    x0, y0, x1, y1 = int(x0), int(y0), int(x1), int(y1)
    lab = rgb_to_lab(crop[y0:y1, x0:x1])
    window, hair_stop = _forehead_skin(lab, zone[y0:y1, x0:x1], points, up, offset=(x0, y0))
    forehead = np.zeros(zone.shape, bool)
    forehead[y0:y1, x0:x1] = window
    return forehead, hair_stop


def _density_sigma(face_height: float) -> float:
    return max(1.0, HAIR_DENSITY_SHARE * face_height)


def _opening_radius(face_height: float) -> int:
    return max(1, int(OPENING_SHARE * face_height))


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _forehead_skin(
    lab: np.ndarray, zone: np.ndarray, points: np.ndarray, up: np.ndarray, offset: tuple[int, int] = (0, 0)
) -> tuple[np.ndarray, float]:
    """Skin in the forehead zone reachable from just above the brows without crossing hair.

    The fill starts from three rows of seeds above the brows (0.05, 0.09 and 0.13 of the nasion-chin distance).
    The reference colour is the skin of the lowest row only (forehead skin differs from cheek skin): a fringe
    can reach the upper rows (the astronaut's does), and hair in the reference widens the tolerances until
    the fringe itself passes for skin. Returns the forehead mask and the share of its upper edge that ended on
    hair. ``lab`` and ``zone`` may be a window of the frame whose corner is ``offset`` (x, y) in the frame that
    ``points`` are in.
    """
    face_height = float(np.hypot(*(points[ix.NASION, :2] - points[ix.CHIN, :2])))
    brow_tops = points[[63, 105, 66, 107, 336, 296, 334, 293], :2]
    rows = []
    for lift in (0.05, 0.09, 0.13):
        row = np.zeros(zone.shape, np.uint8)
        for x, y in np.round(brow_tops + lift * face_height * up).astype(int) - offset:
            cv2.circle(row, (int(x), int(y)), max(2, int(0.02 * face_height)), 1, -1)
        rows.append(row.astype(bool) & zone)
    seeds = np.logical_or.reduce(rows)
    smooth = cv2.GaussianBlur(lab, (0, 0), SMOOTH_SIGMA)
    ref = rows[0] if rows[0].sum() >= 20 else seeds if seeds.sum() >= 20 else zone
    skin_lab = np.median(smooth[ref], axis=0)
    spread = np.maximum(1.4826 * np.median(np.abs(smooth[ref] - skin_lab), axis=0), (2.0, 1.5, 1.5))
    delta_l = smooth[..., 0] - skin_lab[0]
    darker = delta_l < -max(10.0, 3.0 * spread[0])
    # Hue angle in the a*b* plane: hair (brown, blond, red-blond) is yellower than skin at a given lightness,
    # because it lacks the haemoglobin red; depigmented skin moves the other way (b* falls, a* stays).
    hue = np.degrees(np.arctan2(smooth[..., 2], smooth[..., 1]))
    skin_hue = float(np.degrees(np.arctan2(skin_lab[2], skin_lab[1])))
    hue_spread = max(2.0, float(1.4826 * np.median(np.abs(hue[ref] - skin_hue))))
    yellower = (hue - skin_hue > max(8.0, 3.0 * hue_spread)) & (delta_l < 3.0)
    # Hair strands make fine lightness texture that forehead skin lacks (relative to the reference strip, so
    # camera noise and sharpening cancel out).
    fine = lab[..., 0] - cv2.GaussianBlur(lab[..., 0], (0, 0), FINE_SIGMA)
    texture = np.sqrt(cv2.GaussianBlur(fine * fine, (0, 0), TEXTURE_SIGMA))
    textured = texture > 2.5 * max(float(np.median(texture[ref])), 0.5)
    # A white patch's border is a lightness step, which reads as texture along it: near a smooth lighter patch
    # (depigmented skin; grey hair is lighter but textured) texture is not hair, or the patch walls the fill off.
    patch = (delta_l > max(6.0, 2.0 * spread[0])) & ~textured
    radius = _opening_radius(face_height)
    patch = _around(patch, radius, lambda window: cv2.morphologyEx(window, cv2.MORPH_OPEN, _disc(radius)))
    reach = _gaussian_reach(FINE_SIGMA) + _gaussian_reach(TEXTURE_SIGMA)
    textured &= ~_around(patch, reach, lambda window: cv2.dilate(window, _disc(reach))).astype(bool)
    hair = darker | yellower | textured
    # Hair is a region, not single pixels: where over a third of the neighbourhood (1 % of the face height)
    # looks like hair, it is hair. This keeps pores and freckles out and makes the edge stable between
    # re-encodings of the same photo.
    density = cv2.GaussianBlur(hair.astype(np.float32), (0, 0), _density_sigma(face_height))
    hair = density > 0.35
    skin = zone & ~hair
    n, comp = cv2.connectedComponents(skin.astype(np.uint8), connectivity=4)
    keep = np.unique(comp[seeds & skin])
    forehead = np.isin(comp, keep[keep > 0])
    # Skin seen through a parting or between strands makes thin spikes into the hair: an opening about 2 % of
    # the face height wide removes them, then only what still touches the seeds is kept.
    opened = _around(forehead, radius, lambda window: cv2.morphologyEx(window, cv2.MORPH_OPEN, _disc(radius)))
    n, comp = cv2.connectedComponents(opened, connectivity=4)
    keep = np.unique(comp[seeds & opened.astype(bool)])
    forehead = np.isin(comp, keep[keep > 0])
    # Moles and freckles enclosed by forehead skin are skin: fill enclosed holes.
    filled = forehead.astype(np.uint8)
    contours, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    forehead = filled.astype(bool) & zone
    # Upper edge: forehead pixels whose neighbour two pixels further up is not forehead; count those that
    # end on hair (the rest end at the band limit or the zone's sides).
    sx, sy = np.round(up * EDGE_STEP).astype(int)

    def above(mask):
        # Beyond the frame's edge is neither forehead nor hair (a roll would bring in the chin's rows).
        out = np.zeros_like(mask)
        h, w = mask.shape
        out[max(0, -sy) : h - max(0, sy), max(0, -sx) : w - max(0, sx)] = mask[
            max(0, sy) : h - max(0, -sy), max(0, sx) : w - max(0, -sx)
        ]
        return out

    edge = forehead & ~above(forehead)
    edge_hair = edge & above(hair)
    hair_stop = float(edge_hair.sum() / edge.sum()) if edge.any() else 0.0
    return forehead, hair_stop
