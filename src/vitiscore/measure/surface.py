"""Surface-true accounting: depigmentation measured per mesh triangle and weighted by skin surface, not pixels.

A frontal photo shrinks the sides of the face: a cheek turned 60 degrees from the camera shows half its area.
Every triangle of the face mesh (:mod:`vitiscore.face.mesh`) is the same patch of skin in every photo, so each
photo is reduced to one *element table*: for each triangle, the pixels it covers in the photo, how many of them
are facial area and how many depigmented, its surface area from the landmarks' x, y and z, and how squarely it
faces the camera. One extra element, the last, is the forehead band above the mesh.

Surface-weighted depigmented fraction = sum(surface_t x facial_t x depigmented_t) / sum(surface_t x facial_t)
over the elements seen well enough, where ``facial_t`` is the share of the triangle that is facial area (lips,
eyes and brows are not) and ``depigmented_t`` the share of that facial part which is depigmented.

Decisions written out:

* **Depth.** The mesh's z is used as it is (:data:`DEPTH_SCALE` 1.0): rotating the frontal mesh by a photo's
  labelled head turn predicts the triangles' projected areas in the turned photo best at that scale
  (``research/check_surface.py`` on real head turns). The depth of a turned photo's own mesh is corrected
  separately (next point).
* **Turned heads** (:func:`turn_corrected`). On a turned head the landmark model rotates its mesh too little out
  of the image plane (its ear-to-ear line shows 0.8 x the true turn, the same compression that
  ``YAW_CALIBRATION`` corrects), so the far side of the face looks squarer to the camera and smaller on the
  surface than it is. Each photo's mesh is re-rotated in depth to the calibrated turn, keeping x and y. The
  rest of the error at 45 degrees comes from landmarks that sit a few pixels off on the far side, where each
  pixel stands for much surface.
* **Visibility.** Triangles are drawn far to near, so a nearer triangle hides what lies behind it (the nose
  over the far cheek). A triangle is *seen* in a photo when it faces the camera at 80 degrees or less
  (facing >= cos 80 = 0.17) and covers at least :data:`MIN_PIXELS` pixels; unseen skin is left out of that
  photo's fraction (it is assumed to be like the seen skin) and reported as ``unseen_fraction`` (share of the
  facial surface). Even a frontal photo leaves about 15 % of the F-VASI facial area unseen: the area runs
  to the tragus, round the side of the head. 80 degrees, not 70, because at 70 the fused three-view score of
  synthetic head turns of known truth was several times further off.
* **Forehead band above the mesh.** The mesh stops 1-3 cm below the hairline. Each band pixel is given the
  surface-per-pixel ratio (3D area / projected area) of the nearest triangle of the mesh's top row: the band is
  taken to continue the slope of the skin just below it. Where the forehead curves back towards the hairline
  this underestimates its surface a little (the band is typically 10-15 % of the facial area, and the missing
  curvature a few per cent of it); a turned head is handled, since the nearest top-row triangles on the far side
  are foreshortened too.
* **Fusing views.** For every element, each view that sees it gives a depigmented share; they are averaged
  with weights ``pixels x facing^2`` (more pixels and a squarer view are more reliable; at 45 degrees a view
  counts half as much per pixel as a frontal one). Surface shares are averaged over views with the same
  weights. An element no view sees is unseen; where no view shows any of its pixels its facial share is
  taken as 1 (such triangles lie on the cheeks next to the ears, which are facial skin).
* **Clinical-style degree** (:func:`vitiscore.measure.fvasi.clinical_degree`): the involved area of a unit is its
  depigmented patches including the speckled repigmentation inside them (a morphological closing of the mask,
  radius 2.5 mm); the density is depigmented / involved surface, binned to the nearest of the seven F-VASI
  degrees (cut points half-way between them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from vitiscore.face import mesh
from vitiscore.face.facial_area import UNIT_LABELS, UNITS
from vitiscore.face.landmarks import YAW_CALIBRATION, mesh_yaw_deg
from vitiscore.measure.fvasi import UnitSurface, clinical_degree

DEPTH_SCALE = 1.0
MIN_FACING = float(np.cos(np.radians(80)))
MIN_PIXELS = 3


@dataclass(frozen=True)
class ElementTable:
    """One photo reduced to the mesh's elements (852 triangles, then the forehead band).

    All arrays have one entry per element. Pixel counts are in the grid the table was measured on.

    Attributes:
        visible_px: pixels the element covers in the photo (nearer elements drawn over farther ones).
        facial_px: of those, pixels inside the facial area.
        depigmented_px: of those, depigmented pixels.
        involved_px: of the facial pixels, pixels inside depigmented patches (mask closed over the speckled
            repigmentation), for the clinical-style degree.
        area_3d: surface area, square pixels of the same grid (z scaled by :data:`DEPTH_SCALE`).
        facing: cosine of the angle between the element's outward normal and the camera direction (-1..1).
        unit: facial unit label (``UNIT_LABELS``) covering most of the element's facial pixels, 0 for none.
    """

    visible_px: np.ndarray
    facial_px: np.ndarray
    depigmented_px: np.ndarray
    involved_px: np.ndarray
    area_3d: np.ndarray
    facing: np.ndarray
    unit: np.ndarray

    def seen(self) -> np.ndarray:
        return (self.facing >= MIN_FACING) & (self.visible_px >= MIN_PIXELS)


ELEMENT_COLUMNS = ("visible_px", "facial_px", "depigmented_px", "involved_px", "area_3d", "facing", "unit")


def n_elements() -> int:
    return len(mesh.triangles()) + 1


def scaled_depth(points: np.ndarray) -> np.ndarray:
    p = np.array(points, dtype=np.float64, copy=True)
    p[:, 2] *= DEPTH_SCALE
    return p


def turn_corrected(points: np.ndarray) -> np.ndarray:
    """Mesh points (pixels) of a turned head with their depth made consistent with the calibrated turn.

    On a turned head the mesh is rotated too little out of the image plane (its own turn is about 0.8 x the true
    one, :data:`vitiscore.face.landmarks.YAW_CALIBRATION`), while x and y follow the photo. The points are
    rotated back by the mesh's own turn and forward by the calibrated one about the vertical axis through their
    centre, keeping x and y: z = tan(t) x + z0 / cos(t), with t the calibrated turn and z0 the depth of the face
    seen straight on. A frontal photo is left nearly unchanged. (See the module notes for what it changed.)
    """
    raw = np.radians(mesh_yaw_deg(points))
    turn = YAW_CALIBRATION * raw
    if abs(turn) >= np.radians(85):
        turn = np.sign(turn) * np.radians(85)
    p = np.array(points, dtype=np.float64, copy=True)
    centre = p[: mesh.N_SURFACE_POINTS, [0, 2]].mean(axis=0)
    x, z = p[:, 0] - centre[0], p[:, 2] - centre[1]
    straight_depth = -np.sin(raw) * x + np.cos(raw) * z
    p[:, 2] = centre[1] + np.tan(turn) * x + straight_depth / np.cos(turn)
    return p


def triangle_map(points: np.ndarray, shape: tuple[int, int], geometry: dict | None = None) -> np.ndarray:
    """(h, w) int32 map of the triangle each pixel shows, -1 where none; nearer triangles drawn last.
    ``geometry`` is :func:`vitiscore.face.mesh.geometry` of the depth-scaled points, when already computed."""
    p = scaled_depth(points)
    tris = mesh.triangles()
    geometry = geometry if geometry is not None else mesh.geometry(p)
    out = np.full(shape, -1, np.int32)
    depth = p[tris, 2].mean(axis=1)
    corners = np.round(p[:, :2]).astype(np.int32)
    for k in np.argsort(-depth, kind="stable"):
        if geometry["facing"][k] <= 0:
            continue  # a triangle facing away is behind the skin that faces the camera
        cv2.fillConvexPoly(out, corners[tris[k]], int(k))
    return out


def involved_patches(depigmented: np.ndarray, radius_px: float) -> np.ndarray:
    """Depigmented patches including the speckled repigmentation inside them: a closing of radius
    ``radius_px`` pixels, then enclosed holes filled. An empty mask gives an empty result."""
    mask = depigmented.astype(np.uint8)
    if not mask.any():
        return mask.astype(bool)
    r = max(1, int(round(radius_px)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(closed, contours, -1, 1, thickness=cv2.FILLED)
    return closed.astype(bool) | depigmented.astype(bool)


def element_table(
    points: np.ndarray, labels: np.ndarray, depigmented: np.ndarray, patch_radius_px: float
) -> ElementTable:
    """Reduce one photo to its element table.

    Args:
        points: (478, 3) landmarks on the grid of ``labels`` (pixels; z relative depth in pixels).
        labels: (h, w) facial unit labels, 0 outside the facial area.
        depigmented: (h, w) bool depigmentation mask (outside the facial area ignored).
        patch_radius_px: closing radius for the involved patches, pixels (see :func:`involved_patches`).
    """
    if labels.shape != depigmented.shape:
        raise ValueError(f"labels {labels.shape} and depigmented {depigmented.shape} must have the same shape")
    points = turn_corrected(points)
    p = scaled_depth(points)
    n_tri = len(mesh.triangles())
    band = n_tri
    geometry = mesh.geometry(p)
    tri_map = triangle_map(points, labels.shape, geometry)
    facial = labels > 0
    depig = depigmented.astype(bool) & facial
    involved = involved_patches(depig, patch_radius_px) & facial
    element = tri_map.copy()
    # Forehead skin above the mesh: the band element.
    element[(element < 0) & (labels == UNIT_LABELS["forehead"])] = band
    counts = n_tri + 1

    def count(mask):
        return np.bincount(element[mask & (element >= 0)], minlength=counts).astype(np.float64)

    visible = count(np.ones(labels.shape, bool))
    facial_px = count(facial)
    area_3d = np.append(geometry["area_3d"], 0.0)
    facing = np.append(geometry["facing"], 0.0)
    # Majority unit per element.
    n_units = len(UNITS) + 1
    both = element[facial & (element >= 0)].astype(np.int64) * n_units + labels[facial & (element >= 0)]
    per_unit = np.bincount(both, minlength=counts * n_units).reshape(counts, n_units)
    unit = np.where(per_unit[:, 1:].sum(axis=1) > 0, per_unit[:, 1:].argmax(axis=1) + 1, 0)

    band_pixels = element == band
    if band_pixels.any():
        ratio_map, facing_map = _nearest_top_row(tri_map, geometry, band_pixels)
        area_3d[band] = float(ratio_map.sum())
        facing[band] = float(facing_map.mean())
    return ElementTable(
        visible_px=visible,
        facial_px=facial_px,
        depigmented_px=count(depig),
        involved_px=count(involved),
        area_3d=area_3d,
        facing=facing,
        unit=unit.astype(np.int64),
    )


def _nearest_top_row(tri_map: np.ndarray, geometry: dict, band_pixels: np.ndarray):
    """Surface-per-pixel ratio and facing of the top-row triangle nearest to each band pixel."""
    from scipy import ndimage

    top = mesh.top_row()
    on_top = np.isin(tri_map, top)
    ratio = np.clip(geometry["area_3d"] / np.maximum(geometry["area_2d"], 1e-9), 1.0, 1.0 / MIN_FACING)
    if not on_top.any():
        # No top-row triangle visible (a face turned far away): fall back to the mesh's median slope.
        return np.full(int(band_pixels.sum()), float(np.median(ratio))), np.full(1, MIN_FACING)
    ys = np.nonzero(band_pixels.any(axis=1))[0]
    y0, y1 = int(ys.min()), int(ys.max()) + 1
    # Search window: the band's rows, grown downwards into the mesh until the top-row pixels are inside.
    ty = np.nonzero(on_top.any(axis=1))[0]
    y1 = max(y1, int(ty.max()) + 1)
    window = ~on_top[y0:y1]
    _, (iy, ix_) = ndimage.distance_transform_edt(window, return_indices=True)
    nearest = tri_map[y0:y1][iy, ix_]
    inside = band_pixels[y0:y1]
    chosen = nearest[inside]
    return ratio[chosen], geometry["facing"][chosen]


def write_table(path, table: ElementTable) -> None:
    """Write an element table as CSV, one row per element (``element`` 0-851 are mesh triangles, 852 the
    forehead band above the mesh); pixel counts and areas are in the analysis-frame pixels it was measured in."""
    from vitiscore.files import write_bytes

    # Built as text column by column: through files.write_csv's dictionary rows the 853 rows took 25-35 ms a photo,
    # the largest share of a batch's writing time; this takes 8-15 ms and writes the same bytes.
    columns = [[_cell(v) for v in np.asarray(getattr(table, c)).tolist()] for c in ELEMENT_COLUMNS]
    lines = [",".join(["element", *ELEMENT_COLUMNS])]
    lines += [",".join([str(k), *cells]) for k, cells in enumerate(zip(*columns))]
    write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def read_table(path) -> ElementTable:
    """An element table written by :func:`write_table`.

    Raises:
        ValueError: the file lacks the table's columns.
    """
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or any(c not in rows[0] for c in ELEMENT_COLUMNS):
        raise ValueError(f"{path} is not a triangle table (columns {', '.join(ELEMENT_COLUMNS)})")
    values = {c: np.array([float(r[c] or "nan") for r in rows]) for c in ELEMENT_COLUMNS}
    values["unit"] = values["unit"].astype(np.int64)
    return ElementTable(**values)


def _cell(value) -> str:
    """A table cell: the value rounded to 4 decimal places, empty for NaN or infinity."""
    value = float(value)
    return repr(round(value, 4)) if np.isfinite(value) else ""


@dataclass(frozen=True)
class SurfaceScore:
    """Surface-true measures of one photo or of several views fused.

    Attributes:
        depigmented_fraction: depigmented share of the seen facial surface, 0-1 (0 for an empty mask).
        unseen_fraction: share of the facial surface that no view saw well, 0-1.
        facial_surface_px2: facial surface in the first view's square pixels (all elements, seen or not).
        depigmented_surface_px2: depigmented surface in the same units, extrapolated to unseen skin at the
            seen fraction.
        units: per unit, its :class:`~vitiscore.measure.fvasi.UnitSurface`.
        view_shares: share of the measured surface that came from each view (sums to 1; one view -> 1.0).
    """

    depigmented_fraction: float
    unseen_fraction: float
    facial_surface_px2: float
    depigmented_surface_px2: float
    units: dict[str, UnitSurface] = field(default_factory=dict)
    view_shares: tuple[float, ...] = ()


def fuse(tables: list[ElementTable]) -> SurfaceScore:
    """Surface-weighted measures from one or more views of the same face and visit (see the module notes).

    An all-empty depigmentation mask gives fraction 0 and every degree 0. Raises ValueError when no view shows
    any facial skin.
    """
    share, facial, depig, involved, any_seen, norm_w, weight, totals = per_element(tables)
    surface = share * facial
    measured = any_seen & (surface > 0)
    total = float(surface.sum())
    if total <= 0 or not measured.any():
        raise ValueError("no view shows any facial skin")
    seen_surface = float(surface[measured].sum())
    fraction = float((surface[measured] * depig[measured]).sum() / seen_surface)
    view_shares = tuple(
        float((surface[measured] * norm_w[v, measured]).sum() / seen_surface) for v in range(len(tables))
    )

    unit_of = _element_units(tables, weight)
    units = {}
    for name in UNITS:
        in_unit = unit_of == UNIT_LABELS[name]
        unit_surface = float(surface[in_unit].sum())
        m = in_unit & measured
        s = float(surface[m].sum())
        if unit_surface <= 0 or s <= 0:
            units[name] = UnitSurface(unit_surface / total, float("nan"), float("nan"), 0)
            continue
        d = float((surface[m] * depig[m]).sum() / s)
        inv = float((surface[m] * involved[m]).sum() / s)
        density = d / inv if inv > 0 else 0.0
        units[name] = UnitSurface(unit_surface / total, d, inv, clinical_degree(min(density, 1.0)))
    first_total = totals[0]
    return SurfaceScore(
        depigmented_fraction=fraction,
        unseen_fraction=1.0 - seen_surface / total,
        facial_surface_px2=total * first_total,
        depigmented_surface_px2=fraction * total * first_total,
        units=units,
        view_shares=view_shares,
    )


def per_element(tables: list[ElementTable]):
    """Each element's surface share, facial share, depigmented and involved fractions over the views (weighted by
    how well each view sees it), whether any view sees it, the view weights and each view's total surface."""
    if not tables:
        raise ValueError("tables must hold at least one view")
    n = n_elements()
    for t in tables:
        if len(t.area_3d) != n:
            raise ValueError(f"element tables must have {n} elements, got {len(t.area_3d)}")
    seen = np.array([t.seen() for t in tables])  # (V, n)
    facing = np.array([t.facing for t in tables])
    weight = np.where(seen, np.array([t.visible_px for t in tables]) * np.clip(facing, 0, 1) ** 2, 0.0)
    any_seen = weight.sum(axis=0) > 0
    norm_w = np.where(any_seen, weight / np.where(any_seen, weight.sum(axis=0), 1.0), 0.0)

    # Surface share of each element in each view (scale-free), averaged with the view weights where seen.
    totals = np.array([t.area_3d.sum() for t in tables])
    if not np.all(totals > 0):
        raise ValueError("a view has no mesh surface")
    shares = np.array([t.area_3d for t in tables]) / totals[:, None]
    share = np.where(any_seen, (norm_w * shares).sum(axis=0), shares.mean(axis=0))

    def ratio(numer, denom):
        return np.divide(numer, denom, out=np.full(numer.shape, np.nan), where=denom > 0)

    facial_v = np.array([ratio(t.facial_px, t.visible_px) for t in tables])
    depig_v = np.array([ratio(t.depigmented_px, t.facial_px) for t in tables])
    involved_v = np.array([ratio(t.involved_px, t.facial_px) for t in tables])
    facial = _weighted(facial_v, norm_w, any_seen)
    # Never seen well: take the facial share from any view that shows the element at all, else 1.
    shown = np.array([t.visible_px for t in tables])
    fallback = np.nansum(facial_v * shown, axis=0) / np.maximum(shown.sum(axis=0), 1)
    facial = np.where(any_seen, facial, np.where(shown.sum(axis=0) > 0, fallback, 1.0))
    facial = np.nan_to_num(facial, nan=0.0)
    depig = _weighted(depig_v, norm_w, any_seen)
    involved = _weighted(involved_v, norm_w, any_seen)

    return share, facial, depig, involved, any_seen, norm_w, weight, totals


def _weighted(values: np.ndarray, norm_w: np.ndarray, any_seen: np.ndarray) -> np.ndarray:
    v = np.where(norm_w > 0, np.nan_to_num(values, nan=0.0), 0.0)
    return np.where(any_seen, (v * norm_w).sum(axis=0), np.nan)


def _element_units(tables: list[ElementTable], weight: np.ndarray) -> np.ndarray:
    """Each element's unit from the view that weighs most for it (else from any view that labels it)."""
    units = np.array([t.unit for t in tables])
    best = weight.argmax(axis=0)
    chosen = units[best, np.arange(units.shape[1])]
    fallback = units.max(axis=0)
    return np.where(chosen > 0, chosen, fallback)
