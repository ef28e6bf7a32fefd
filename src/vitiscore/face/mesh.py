"""The face mesh's fixed triangulation: the same triangle is the same patch of skin in every photo and visit.

MediaPipe ships the tessellation only as an edge list (``FACEMESH_TESSELATION``). The triangles are recovered as
the 3-cliques of that graph, minus the cliques that are no face of the mesh (their three edges each already
border two triangles), and are then oriented consistently, so that a normal computed from the vertex order
points out of the skin in every triangle. The result is checked against Euler's formula in the tests: the mesh
is a disc with three holes (the two eye openings and the mouth), so V - E + F = 1 - 3.
"""

from __future__ import annotations

import functools
from collections import deque
from itertools import combinations

import numpy as np

from vitiscore.face import indices as ix

N_SURFACE_POINTS = 468


def _edges() -> set[tuple[int, int]]:
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

    return {tuple(sorted(edge)) for edge in FACEMESH_TESSELATION}


@functools.cache
def triangles() -> np.ndarray:
    """(T, 3) int array of mesh triangles (T = 852), vertex order consistent across the mesh.

    The order is such that, for a face seen from the front in image coordinates (x right, y down, z away
    from the camera), the cross product (b - a) x (c - a) has a negative z: it points towards the camera.
    """
    edges = _edges()
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    cliques = {tuple(sorted((a, b, c))) for a, b in edges for c in neighbours[a] & neighbours[b]}
    uses: dict[tuple[int, int], int] = {}
    for tri in cliques:
        for edge in combinations(tri, 2):
            uses[edge] = uses.get(edge, 0) + 1
    # A clique whose every edge is shared by three cliques is a hole spanned by three real triangles.
    faces = [tri for tri in cliques if not all(uses[e] > 2 for e in combinations(tri, 2))]
    return _oriented(sorted(faces))


def _oriented(faces: list[tuple[int, int, int]]) -> np.ndarray:
    """Flip triangles so that neighbours traverse their shared edge in opposite directions (one orientation),
    then choose the global sign from :data:`ORIENTATION_KEY`."""
    by_edge: dict[tuple[int, int], list[int]] = {}
    for k, tri in enumerate(faces):
        for a, b in combinations(tri, 2):
            by_edge.setdefault((a, b), []).append(k)
    out = [list(t) for t in faces]
    done = [False] * len(faces)
    for start in range(len(faces)):
        if done[start]:
            continue
        done[start] = True
        queue = deque([start])
        while queue:
            k = queue.popleft()
            tri = out[k]
            for i in range(3):
                a, b = tri[i], tri[(i + 1) % 3]
                for j in by_edge[tuple(sorted((a, b)))]:
                    if done[j]:
                        continue
                    other = out[j]
                    # The neighbour must run b -> a; if it runs a -> b, reverse it.
                    for m in range(3):
                        if other[m] == a and other[(m + 1) % 3] == b:
                            other.reverse()
                            break
                    done[j] = True
                    queue.append(j)
    tris = np.array(out, dtype=np.int64)
    if not _runs(tris, ORIENTATION_KEY):
        tris = tris[:, ::-1].copy()
    return tris


# One triangle beside the nose tip and its winding when the outward normal points at the camera (pinned on a
# frontal photo; tests/measure/test_surface.py checks that nearly all triangles of a frontal face then face the camera).
ORIENTATION_KEY = (1, 274, 4)


def _runs(tris: np.ndarray, key: tuple[int, int, int]) -> bool:
    """Whether the triangle with the vertices of ``key`` lists them in ``key``'s cyclic order."""
    for tri in tris:
        if set(int(v) for v in tri) == set(key):
            order = [int(v) for v in tri]
            start = order.index(key[0])
            return order[start:] + order[:start] == list(key)
    raise RuntimeError("the face mesh lacks the orientation key triangle; the tessellation is not the expected one")


@functools.cache
def top_row() -> np.ndarray:
    """Indices of the triangles with an edge on the mesh's forehead arc (the row the forehead band continues)."""
    arc = ix.FOREHEAD_ARC
    pairs = {tuple(sorted(p)) for p in zip(arc[:-1], arc[1:])}
    tris = triangles()
    return np.array(
        [k for k, t in enumerate(tris) if any(tuple(sorted(e)) in pairs for e in combinations(t, 2))], dtype=np.int64
    )


def geometry(points: np.ndarray) -> dict[str, np.ndarray]:
    """Per-triangle geometry from (>=468, 3) mesh points (x, y in pixels, z depth in pixels, larger = further).

    Returns:
        area_2d: (T,) projected area in square pixels.
        area_3d: (T,) surface area in square pixels (x, y, z all in pixels).
        facing: (T,) cosine of the angle between the outward normal and the direction to the camera, -1..1
            (1 = squarely facing the camera, 0 = edge-on, negative = facing away).
    """
    tris = triangles()
    p = np.asarray(points, dtype=np.float64)[:N_SURFACE_POINTS]
    a, b, c = p[tris[:, 0]], p[tris[:, 1]], p[tris[:, 2]]
    normal = np.cross(b - a, c - a)
    norm = np.linalg.norm(normal, axis=1)
    area_3d = 0.5 * norm
    area_2d = 0.5 * np.abs(normal[:, 2])
    facing = np.where(norm > 0, -normal[:, 2] / np.maximum(norm, 1e-12), 0.0)
    return {"area_2d": area_2d, "area_3d": area_3d, "facing": facing}
