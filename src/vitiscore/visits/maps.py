"""Where skin repigmented: the follow-up mask aligned to the baseline photo through the face mesh.

Each mesh triangle is the same patch of skin at both visits, so the affine map between a triangle's corners in
the baseline photo and in the follow-up photo carries every baseline pixel to the same skin in the follow-up
photo (piecewise-affine alignment; the forehead band above the mesh uses the map of the nearest triangle).
Each pixel of the baseline facial area is then

* ``normal``: pigmented at both visits;
* ``repigmented``: depigmented at baseline, pigmented at follow-up;
* ``still depigmented``: depigmented at both;
* ``newly depigmented``: pigmented at baseline, depigmented at follow-up (new or spreading lesions);
* ``not compared``: the follow-up photo does not show that skin well (its triangle faces away at more than 80
  degrees, is more than half hidden, e.g. behind the nose, or the point lies outside the follow-up facial area).

Shares are of the compared facial *surface*: each pixel weighs its triangle's 3D area per projected pixel
(:mod:`vitiscore.measure.surface`), so a foreshortened cheek is not undercounted.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from vitiscore import files as files_mod
from vitiscore import schema
from vitiscore.errors import UsageError
from vitiscore.face import mesh
from vitiscore.face.facial_area import UNIT_LABELS, UNITS, to_photo
from vitiscore.face.landmarks import turn
from vitiscore.files.masks import read_labels, read_mask
from vitiscore.measure import surface
from vitiscore.measure.mask_score import frame_of

log = logging.getLogger(__name__)

OUTSIDE, NORMAL, REPIGMENTED, STILL, NEW, NOT_COMPARED = range(6)
CLASS_NAMES = {
    NORMAL: "normal",
    REPIGMENTED: "repigmented",
    STILL: "still depigmented",
    NEW: "newly depigmented",
    NOT_COMPARED: "not compared",
}
# Okabe-Ito colours (readable with colour-blindness); normal skin is left as photographed.
CLASS_COLOURS = {REPIGMENTED: (0, 114, 178), STILL: (240, 228, 66), NEW: (213, 94, 0), NOT_COMPARED: (150, 150, 150)}
MIN_VISIBLE_SHARE = 0.5
UNIT_COLUMNS = schema.MAP_UNITS.names
MAP_COLUMNS = [c.name for c in schema.MAP_COLUMNS]


@dataclass(frozen=True)
class ChangeMap:
    """Per-pixel change on the baseline photo.

    Attributes:
        labels: (H, W) uint8 in baseline photo pixels: 0 outside the facial area, then NORMAL, REPIGMENTED,
            STILL, NEW, NOT_COMPARED (module constants).
        weight: (H, W) float32 surface per pixel (square pixels of skin per projected pixel, >= 1), 0 outside.
    """

    labels: np.ndarray
    weight: np.ndarray

    def shares(self, where: np.ndarray | None = None) -> dict[str, float]:
        """Surface shares (%, 0-100) of each class among the compared pixels (``where`` limits them), and
        ``not_compared`` as a % of the whole (limited) facial surface. An empty area gives NaN everywhere."""
        inside = self.labels > OUTSIDE if where is None else (self.labels > OUTSIDE) & where
        total = float(self.weight[inside].sum())
        compared = inside & (self.labels != NOT_COMPARED)
        denominator = float(self.weight[compared].sum())

        def pct(label, base):
            return 100 * float(self.weight[inside & (self.labels == label)].sum()) / base if base > 0 else math.nan

        return {
            "repigmented_pct": pct(REPIGMENTED, denominator),
            "still_depigmented_pct": pct(STILL, denominator),
            "newly_depigmented_pct": pct(NEW, denominator),
            "not_compared_pct": pct(NOT_COMPARED, total),
            "compared_share": denominator / total if total > 0 else math.nan,
        }


def _affines(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3, 2) matrices M with [x, y, 1] @ M = [x', y'] for each triangle, and which are well defined."""
    s = np.concatenate([src, np.ones(src.shape[:2] + (1,))], axis=2)  # (T, 3, 3)
    det = np.linalg.det(s)
    valid = np.abs(det) > 1e-6
    m = np.zeros((len(src), 3, 2))
    m[valid] = np.linalg.solve(s[valid], dst[valid])
    return m, valid


def change_map(
    base_points: np.ndarray,
    base_area: np.ndarray,
    base_depigmented: np.ndarray,
    follow_points: np.ndarray,
    follow_area: np.ndarray,
    follow_depigmented: np.ndarray,
) -> ChangeMap:
    """Classify every pixel of the baseline facial area (see the module notes).

    Args:
        base_points, follow_points: (478, 3) landmarks in each photo's pixels (x, y, z).
        base_area, follow_area: bool facial-area masks, photo-sized.
        base_depigmented, follow_depigmented: bool depigmentation masks, photo-sized.

    An empty baseline facial area gives all-zero labels. Raises ValueError when masks and photos disagree in
    size.
    """
    if base_area.shape != base_depigmented.shape or follow_area.shape != follow_depigmented.shape:
        raise ValueError("each visit's facial-area and depigmentation masks must have the same size")
    tris = mesh.triangles()
    p0, p1 = surface.scaled_depth(base_points), surface.scaled_depth(follow_points)
    g0, g1 = mesh.geometry(p0), mesh.geometry(p1)
    map0 = surface.triangle_map(base_points, base_area.shape, g0)
    map1 = surface.triangle_map(follow_points, follow_area.shape, g1)
    affine, valid = _affines(p0[tris, :2], p1[tris, :2])
    shown = np.bincount(map1[map1 >= 0], minlength=len(tris))
    seen1 = (g1["facing"] >= surface.MIN_FACING) & (shown >= MIN_VISIBLE_SHARE * np.maximum(g1["area_2d"], 1))
    ratio = np.where(g0["area_2d"] > 0, g0["area_3d"] / np.maximum(g0["area_2d"], 1e-9), 1.0)

    labels = np.zeros(base_area.shape, np.uint8)
    weight = np.zeros(base_area.shape, np.float32)
    ys, xs = np.nonzero(base_area)
    if ys.size == 0:
        return ChangeMap(labels, weight)
    usable = (map0 >= 0) & valid[np.maximum(map0, 0)]
    k = map0[ys, xs]
    on_mesh = usable[ys, xs]
    if not on_mesh.all():
        if not usable.any():
            raise ValueError("the baseline mesh covers no pixel")
        # Off-mesh pixels (the forehead band) borrow the map of the nearest usable triangle.
        _, (iy, ix) = ndimage.distance_transform_edt(~usable, return_indices=True)
        k = np.where(on_mesh, k, map0[iy[ys, xs], ix[ys, xs]])
    m = affine[k]
    x1 = np.rint(xs * m[:, 0, 0] + ys * m[:, 1, 0] + m[:, 2, 0]).astype(np.int64)
    y1 = np.rint(xs * m[:, 0, 1] + ys * m[:, 1, 1] + m[:, 2, 1]).astype(np.int64)
    h1, w1 = follow_area.shape
    inside = (x1 >= 0) & (x1 < w1) & (y1 >= 0) & (y1 < h1)
    x1c, y1c = np.clip(x1, 0, w1 - 1), np.clip(y1, 0, h1 - 1)
    comparable = inside & follow_area[y1c, x1c] & (seen1[k] | ~on_mesh)
    before = base_depigmented[ys, xs]
    after = follow_depigmented[y1c, x1c]
    cls = np.select([~comparable, before & after, before, after], [NOT_COMPARED, STILL, REPIGMENTED, NEW], NORMAL)
    labels[ys, xs] = cls
    weight[ys, xs] = ratio[k]
    return ChangeMap(labels, weight)


def unit_table(change: ChangeMap, units: np.ndarray) -> list[dict]:
    """Per facial unit (``units``: the baseline unit-label map) and for the whole face (first row): the share
    of the surface compared (0-1), depigmented % at each visit, repigmented / still / newly depigmented % of the
    compared surface, and the relative change of the depigmented surface (%; NaN with no baseline
    depigmentation)."""
    rows = []
    for name, where in [("face", None)] + [(u, units == UNIT_LABELS[u]) for u in UNITS]:
        s = change.shares(where)
        base = s["repigmented_pct"] + s["still_depigmented_pct"]
        follow = s["still_depigmented_pct"] + s["newly_depigmented_pct"]
        rows.append(
            {
                "unit": name,
                "compared_share": s["compared_share"],
                "baseline_depigmented_pct": base,
                "followup_depigmented_pct": follow,
                "repigmented_pct": s["repigmented_pct"],
                "still_depigmented_pct": s["still_depigmented_pct"],
                "newly_depigmented_pct": s["newly_depigmented_pct"],
                "change_pct": 100 * (follow - base) / base if base > 0 else math.nan,
            }
        )
    return rows


def pick_pair(base_photos: list[dict], follow_photos: list[dict]) -> tuple[dict, dict] | None:
    """A baseline and a follow-up photo of the same view (frontal first), else the first scored of each."""
    base = [p for p in base_photos if p.get("status") == "ok" and p.get("mask_depigmented")]
    follow = [p for p in follow_photos if p.get("status") == "ok" and p.get("mask_depigmented")]
    if not base or not follow:
        return None
    for view in ["frontal"] + [p.get("view", "") for p in base]:
        a = [p for p in base if p.get("view", "") == view]
        b = [p for p in follow if p.get("view", "") == view]
        if a and b:
            return a[0], b[0]
    return base[0], follow[0]


def subject_map(results_dir: Path, base_row: dict, follow_row: dict) -> tuple[np.ndarray, ChangeMap, np.ndarray]:
    """The change map of one photo pair from a vitiscore results folder: the baseline photo, the map and the
    baseline unit labels. Landmarks and masks are read from the results folder (paths relative to it); only the
    baseline photo itself is needed beside them, as the map's background.

    Raises:
        FileNotFoundError: a mask or landmarks file is no longer on disk.
        ValueError: the baseline photo cannot be read, or the masks do not match it.
    """
    out = []
    for row in (base_row, follow_row):
        area = read_mask(results_dir / row["mask_facial_area"])
        depigmented = read_mask(results_dir / row["mask_depigmented"])
        out.append((_landmarks(results_dir, row), area, depigmented))
    (p0, a0, d0), (p1, a1, d1) = out
    rgb = _background(results_dir, base_row, a0.shape)
    if a0.shape != rgb.shape[:2]:
        raise UsageError(f"{base_row['image_id']}: the masks are not the photo's size")
    units = read_labels(results_dir / base_row["mask_units"])
    return rgb, change_map(p0, a0, d0, p1, a1, d1), units


def _background(results_dir: Path, row: dict, shape) -> np.ndarray:
    """The baseline photo in the frame it was scored in; where it is no longer readable, the face crop the run kept
    (``crops/<id>.jpg``) placed on a black photo-sized background.

    Raises:
        ValueError: neither the photo nor a kept crop can be read.
    """
    try:
        rgb = files_mod.load_photo(results_dir / row["path"]).rgb
        turns = int(float(row.get("turned_deg") or 0)) // 90
        return turn(rgb, turns)  # the frame it was scored in
    except files_mod.PhotoError as exc:
        if not (row.get("crop") and (results_dir / row["crop"]).is_file()):
            raise UsageError(
                f"{row['image_id']}: the baseline photo {row['path']} (relative to the scores' folder) cannot be "
                f"read: {exc}"
            ) from None
    box, scale = frame_of(row)
    crop = files_mod.load_photo(results_dir / row["crop"]).rgb
    return to_photo(crop, box, scale, shape, interpolation=cv2.INTER_LINEAR)


def _landmarks(results_dir: Path, row: dict) -> np.ndarray:
    """The photo's landmarks as scored (``landmarks/<id>.csv``); found again on the photo for outputs written
    before the landmarks were kept."""
    if row.get("landmarks"):
        return files_mod.read_points(results_dir / row["landmarks"])
    from vitiscore.face import NoFaceError, locate

    try:
        return locate(files_mod.load_photo(results_dir / row["path"]).rgb).points
    except files_mod.PhotoError as exc:
        raise UsageError(f"{row['image_id']}: no landmarks kept and the photo cannot be read: {exc}") from None
    except NoFaceError as exc:
        raise UsageError(f"{row['image_id']}: {exc}") from None
