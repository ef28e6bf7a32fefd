"""Where a rater's marks go, by a fixed rule from reference masks, and synthetic cases the model mostly misses:
test data for the marks tests and the marks study (research/marks_eval.py)."""

from __future__ import annotations

import cv2
import numpy as np

from vitiscore.colour import skin_coloured

CLEARANCE_PX = 10
RING_PX = 40


def _distance_outside(reference: np.ndarray) -> np.ndarray:
    """Distance (pixels) of every pixel from the nearest reference lesion pixel (0 inside; large without lesions)."""
    if not reference.any():
        return np.full(reference.shape, np.inf, np.float32)
    return cv2.distanceTransform((~reference).astype(np.uint8), cv2.DIST_L2, 5)


def lesion_points(reference: np.ndarray, k: int) -> list[tuple[int, int]]:
    """Up to ``k`` (x, y) points at the deepest interior of ``reference`` (bool): the distance transform's maximum,
    then again after blanking a disc of radius max(CLEARANCE_PX, that depth) around each chosen point."""
    depth = cv2.distanceTransform(np.pad(reference, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    rows, cols = np.ogrid[: depth.shape[0], : depth.shape[1]]
    points = []
    for _ in range(k):
        y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
        if depth[y, x] <= 0:
            break
        points.append((int(x), int(y)))
        r = max(CLEARANCE_PX, float(depth[y, x]))
        depth[(cols - x) ** 2 + (rows - y) ** 2 <= r * r] = 0
    return points


def normal_points(rgb: np.ndarray, reference: np.ndarray, k: int, seed: int = 0) -> list[tuple[int, int]]:
    """Up to ``k`` (x, y) points at least CLEARANCE_PX from every lesion pixel of ``reference``, preferring
    skin-coloured pixels in the ring up to RING_PX from the lesions, spread by farthest-point sampling."""
    distance = _distance_outside(reference)
    clear = distance >= CLEARANCE_PX
    skin = skin_coloured(rgb)
    for candidates in (clear & skin & (distance <= RING_PX), clear & skin, clear):
        if candidates.any():
            break
    else:
        return []
    ys, xs = np.nonzero(candidates)
    rng = np.random.default_rng(seed)
    chosen = [int(rng.integers(len(xs)))]
    nearest = (xs - xs[chosen[0]]) ** 2 + (ys - ys[chosen[0]]) ** 2
    while len(chosen) < min(k, len(xs)):
        nxt = int(np.argmax(nearest))
        chosen.append(nxt)
        nearest = np.minimum(nearest, (xs - xs[nxt]) ** 2 + (ys - ys[nxt]) ** 2)
    return [(int(xs[i]), int(ys[i])) for i in chosen]


def synthetic_cases(n: int = 12, seed: int = 0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, rgb, lesion) cases the model mostly misses, for choosing the refinement's settings without the
    validation photos: one elliptic patch of partial depigmentation (strength 0.4-0.7) on the public-domain
    astronaut face at half size, re-toned light, tan or brown, at a random place on the cheeks or forehead."""
    from vitiscore.training import synth

    face = cv2.resize(synth.astronaut_face(), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    h, w = face.shape[:2]
    rng = np.random.default_rng(seed)
    sites = [(0.68, 0.62), (0.32, 0.62), (0.5, 0.25), (0.7, 0.45), (0.3, 0.45)]
    cases = []
    for i in range(n):
        tone = ("light", "tan", "brown")[i % 3]
        cx, cy = sites[i % len(sites)]
        lesion = np.zeros((h, w), np.uint8)
        axes = (int(rng.uniform(15, 35)), int(rng.uniform(12, 25)))
        centre = (int(w * cx + rng.uniform(-10, 10)), int(h * cy + rng.uniform(-10, 10)))
        cv2.ellipse(lesion, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        strength = float(rng.uniform(0.4, 0.7))
        rgb = synth.paint_depigmentation(synth.retone(face, tone), lesion > 0, strength=strength)
        cases.append((f"synthetic-{i}-{tone}-{strength:.2f}", rgb, lesion > 0))
    return cases
