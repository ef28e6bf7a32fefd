"""Synthetic head turns with known truth, for checking surface-true scoring.

A frontal photo and its face mesh define a textured 3D surface (x, y in pixels, z = the mesh depth scaled by
:data:`vitiscore.measure.surface.DEPTH_SCALE`). :func:`turn` rotates that surface about the vertical axis through the
face's centre and renders it again with an orthographic camera, triangle by triangle (piecewise-affine texture,
far triangles drawn first), on a plain background. A lesion pattern defined per triangle is carried along
exactly, so the depigmented share of the facial *surface* is known at every angle, while its share of the
*pixels* changes with the turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vitiscore.face import mesh
from vitiscore.measure import surface
from vitiscore.measure.surface import scaled_depth


def rotate(points: np.ndarray, yaw_deg: float) -> np.ndarray:
    """Mesh points turned by ``yaw_deg`` degrees about the vertical axis through their centre (pixels; z scaled
    to true depth). Positive yaw brings the image's right side of the face towards the camera."""
    p = scaled_depth(points)[: mesh.N_SURFACE_POINTS]
    centre = p.mean(axis=0)
    theta = np.radians(yaw_deg)
    c, s = np.cos(theta), np.sin(theta)
    out = p.copy()
    dx, dz = p[:, 0] - centre[0], p[:, 2] - centre[2]
    out[:, 0] = centre[0] + c * dx - s * dz
    out[:, 2] = centre[2] + s * dx + c * dz
    return out


def turn(
    rgb: np.ndarray,
    points: np.ndarray,
    yaw_deg: float,
    triangle_labels: np.ndarray | None = None,
    background: tuple[int, int, int] = (40, 40, 40),
) -> tuple[np.ndarray, np.ndarray | None]:
    """Render the face of ``rgb`` (mesh ``points`` in its pixels) turned by ``yaw_deg`` degrees.

    Args:
        rgb: (H, W, 3) uint8 frontal photo.
        points: (478, 3) mesh landmarks of that photo.
        yaw_deg: head turn, degrees, within +-60.
        triangle_labels: optional (T,) integers, one per mesh triangle (e.g. 1 = lesion), drawn into a map of
            the rendered photo. Labels go per triangle, not through the pixels: skin that is edge-on in the
            frontal photo has too few pixels to carry a pattern to a turned view.
        background: colour outside the rendered face.

    Returns:
        The rendered (H, W, 3) photo and the (H, W) map of ``triangle_labels`` (0 outside the face), or None.
    """
    if not -60 <= yaw_deg <= 60:
        raise ValueError(f"yaw_deg must be within +-60 degrees, got {yaw_deg}")
    src = np.asarray(points, dtype=np.float64)[: mesh.N_SURFACE_POINTS, :2]
    dst3 = rotate(points, yaw_deg)
    tris = mesh.triangles()
    facing = mesh.geometry(dst3)["facing"]
    order = np.argsort(-dst3[tris, 2].mean(axis=1), kind="stable")
    out = np.empty_like(rgb)
    out[:] = background
    carried = None
    if triangle_labels is not None:
        triangle_labels = np.asarray(triangle_labels)
        if triangle_labels.shape != (len(tris),):
            raise ValueError(f"triangle_labels must have shape ({len(tris)},), got {triangle_labels.shape}")
        carried = np.zeros(rgb.shape[:2], triangle_labels.dtype)
    height, width = rgb.shape[:2]
    for k in order:
        if facing[k] <= 0:
            continue
        s_tri = src[tris[k]].astype(np.float32)
        d_tri = dst3[tris[k], :2].astype(np.float32)
        x0, y0 = np.floor(d_tri.min(axis=0)).astype(int)
        x1, y1 = np.ceil(d_tri.max(axis=0)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if x1 <= x0 or y1 <= y0:
            continue
        matrix = cv2.getAffineTransform(s_tri, d_tri - np.float32([x0, y0]))
        size = (x1 - x0, y1 - y0)
        patch = cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(inside, np.round(d_tri - [x0, y0]).astype(np.int32), 1)
        inside = inside.astype(bool)
        out[y0:y1, x0:x1][inside] = patch[inside]
        if carried is not None:
            carried[y0:y1, x0:x1][inside] = triangle_labels[k]
    return out, carried


def bilateral_pattern(
    points: np.ndarray, facial: np.ndarray, seed: int = 0, n_pairs: int = 4, share: float = 0.02
) -> np.ndarray:
    """(T,) bool lesion flags: ``n_pairs`` pairs of mirrored patches (non-segmental vitiligo is mostly
    symmetric) started on the sides of the face (facing 0.3-0.75 in the frontal view, where a flat photo
    misjudges area most), each grown over neighbouring ``facial`` triangles to about ``share`` of the facial
    surface."""
    tris = mesh.triangles()
    geometry = mesh.geometry(scaled_depth(points))
    area, facing = geometry["area_3d"], geometry["facing"]
    centre = points[tris, :2].mean(axis=1)
    mid_x = np.median(points[[10, 168, 4, 2, 152], 0])
    rng = np.random.default_rng(seed)
    weight = area * facial * ((facing > 0.3) & (facing < 0.75))
    neighbours: dict[int, set[int]] = {}
    for k, tri in enumerate(tris):
        for v in tri:
            neighbours.setdefault(int(v), set()).add(k)
    target = share * (area * facial).sum()

    def grow(start):
        patch, queue, got = {start}, [start], area[start]
        while queue and got < target:
            k = queue.pop(0)
            for v in tris[k]:
                for j in neighbours[int(v)]:
                    if j not in patch and facial[j] and got < target:
                        patch.add(j)
                        queue.append(j)
                        got += area[j]
        return patch

    lesion = set()
    candidates = np.nonzero(facial)[0]
    for _ in range(n_pairs):
        start = int(rng.choice(len(tris), p=weight / weight.sum()))
        lesion |= grow(start)
        mirror = centre[start].copy()
        mirror[0] = 2 * mid_x - mirror[0]
        lesion |= grow(int(candidates[np.argmin(np.hypot(*(centre[candidates] - mirror).T))]))
    flags = np.zeros(len(tris), bool)
    flags[list(lesion)] = True
    return flags


@dataclass(frozen=True)
class TurnedView:
    """One rendered head turn: its element table, the flat pixel fraction, and the true depigmented share of
    the facial surface that this photo sees."""

    table: surface.ElementTable
    flat: float
    seen_truth: float
    yaw_detected_deg: float


@dataclass(frozen=True)
class PoseSweep:
    truth: float
    views: dict


def pose_sweep(rgb: np.ndarray, landmarks, yaws=(0, 15, 30, 45), seed: int = 0) -> PoseSweep:
    """Turn a frontal photo to each of ``yaws`` (degrees) with a known lesion pattern and measure it.

    The facial area is carried with the pattern, one unit label per triangle (taken from the frontal photo,
    with the forehead band above the mesh left out, since only the mesh is rendered): the sweep measures the
    geometry (landmarks found again on every rendered photo, visibility, surface weights), not the hair
    detection on rendered foreheads. ``truth`` is the depigmented share of the whole facial surface.
    """
    from vitiscore.face import locate, region

    points = landmarks.points
    facial_area = region(rgb, landmarks, hairline_max=0.3)
    frontal = surface.element_table(facial_area.points, facial_area.labels, np.zeros(facial_area.labels.shape, bool), 5)
    n = len(mesh.triangles())
    cover = np.divide(frontal.facial_px[:n], frontal.visible_px[:n], out=np.zeros(n), where=frontal.visible_px[:n] > 0)
    unit = np.where(cover > 0.5, frontal.unit[:n], 0).astype(np.uint8)
    facial = unit > 0
    lesion = bilateral_pattern(points, facial, seed=seed)
    area = mesh.geometry(scaled_depth(points))["area_3d"]
    truth = float((area * facial * lesion).sum() / (area * facial).sum())
    views = {}
    for yaw in yaws:
        turned, units = turn(rgb, points, yaw, unit)
        _, painted = turn(rgb, points, yaw, lesion.astype(np.uint8))
        found = locate(turned)
        depigmented = painted.astype(bool) & (units > 0)
        table = surface.element_table(found.points, units, depigmented, 5)
        seen = table.seen()[:n]
        views[yaw] = TurnedView(
            table=table,
            flat=float(depigmented.sum() / (units > 0).sum()),
            seen_truth=float((area * facial * lesion)[seen].sum() / (area * facial)[seen].sum()),
            yaw_detected_deg=found.yaw_deg,
        )
    return PoseSweep(truth=truth, views=views)
