"""Synthetic head turns with known truth, for checking surface-true scoring.

A frontal photo and its face mesh define a textured 3D surface (x, y in pixels, z = the mesh depth scaled by
:data:`vitiscore.surface.DEPTH_SCALE`). :func:`turn` rotates that surface about the vertical axis through the
face's centre and renders it again with an orthographic camera, triangle by triangle (piecewise-affine texture,
far triangles drawn first), on a plain background. A lesion pattern defined per triangle is carried along
exactly, so the depigmented share of the facial *surface* is known at every angle, while its share of the
*pixels* changes with the turn.
"""

from __future__ import annotations

import cv2
import numpy as np

from vitiscore.face import mesh
from vitiscore.surface import scaled_depth


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


def surface_areas(points_true_depth: np.ndarray) -> np.ndarray:
    """(T,) triangle surface areas (square pixels) of points whose z is already true depth."""
    tris = mesh.triangles()
    p = points_true_depth
    a, b, c = p[tris[:, 0]], p[tris[:, 1]], p[tris[:, 2]]
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def turn(rgb: np.ndarray, points: np.ndarray, yaw_deg: float, triangle_labels: np.ndarray | None = None,
         background: tuple[int, int, int] = (40, 40, 40)) -> tuple[np.ndarray, np.ndarray | None]:
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
    a, b, c = dst3[tris[:, 0]], dst3[tris[:, 1]], dst3[tris[:, 2]]
    facing = -np.cross(b - a, c - a)[:, 2]
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
