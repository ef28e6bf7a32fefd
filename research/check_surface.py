"""Check surface-true scoring: the mesh depth scale on real head turns, and a pose sweep with known truth.

    python -m research.check_surface PATH/TO/faces_fasseg [--faces 5] [--seeds 5]

1. Depth scale: for each FASSEG multipose person, the frontal mesh is rotated by the labelled turn (15-45
   degrees) with depth x k, and the triangles' projected areas are compared with those found in the turned
   photo (median |log ratio| after normalising both to sum 1). The best k is what
   ``vitiscore.measure.surface.DEPTH_SCALE`` should be. The last two columns compare how squarely each triangle faces
   the camera (facing, a cosine) in the turned photo's own mesh, as found and after
   ``vitiscore.measure.surface.turn_corrected``, with the rotated frontal mesh.
2. Pose sweep: the astronaut and the first ``--faces`` FASSEG frontal test faces are turned synthetically
   (``tests.support.head_turn``) to 0, +-15, +-30, +-45 degrees with ``--seeds`` bilateral lesion patterns each;
   prints the flat and surface-weighted error against the truth over the seen surface, and the three-view
   fusion (0, +30, -30) against the whole-surface truth.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tests.support import head_turn
from vitiscore.face import locate, mesh
from vitiscore.face.landmarks import NoFaceError
from vitiscore.files import load_photo
from vitiscore.measure import surface
from vitiscore.training import synth


def projected(points: np.ndarray) -> np.ndarray:
    """Projected triangle areas, square pixels, negative for triangles facing away."""
    geometry = mesh.geometry(points)
    return geometry["area_2d"] * np.sign(geometry["facing"])


def depth_check(multipose: Path, scales=(0.6, 0.8, 1.0, 1.25, 1.5, 2.0)) -> None:
    frontal = {}
    for path in sorted((multipose / "0").glob("*.png")):
        try:
            frontal[path.name[:11]] = locate(load_photo(path).rgb).points
        except NoFaceError:
            pass
    print(
        "depth scale check (median |log area ratio| for each depth scale; then the median |facing error| of the"
        " turned photo's mesh as found and turn-corrected; lower is better)"
    )
    print(f"{'turn':>5} {'n':>3} " + " ".join(f"{'x' + str(k):>7}" for k in scales) + "   found corrected")
    for turn in ("+15", "+30", "+45", "-15", "-30", "-45"):
        errors = []
        for path in sorted((multipose / turn).glob("*.png")):
            if path.name[:11] not in frontal:
                continue
            try:
                turned = locate(load_photo(path).rgb).points
            except NoFaceError:
                continue
            found = projected(turned[:468])
            row = []
            for k in scales:
                best = np.inf
                for sign in (1, -1):  # the data set's sign convention for pan is not ours
                    source = frontal[path.name[:11]].copy()
                    source[:, 2] *= k / surface.DEPTH_SCALE
                    predicted = projected(head_turn.rotate(source, sign * float(turn)))
                    ok = (predicted > 0) & (found > 0)
                    ratio = (predicted[ok] / predicted[ok].sum()) / (found[ok] / found[ok].sum())
                    best = min(best, float(np.median(np.abs(np.log(ratio)))))
                row.append(best)
            errors.append(row + facing_errors(frontal[path.name[:11]], turned, float(turn)))
        if errors:
            mean = np.mean(errors, axis=0)
            print(f"{turn:>5} {len(errors):>3} " + " ".join(f"{e:>7.3f}" for e in mean))


def facing_errors(frontal: np.ndarray, turned: np.ndarray, turn_deg: float) -> list[float]:
    """Median |facing difference| of the triangles between the turned photo's mesh (as found, then with
    surface.turn_corrected) and the frontal mesh rotated by the labelled turn."""
    out = []
    for points in (turned, surface.turn_corrected(turned)):
        facing = mesh.geometry(surface.scaled_depth(points))["facing"]
        out.append(
            min(
                float(np.median(np.abs(facing - mesh.geometry(head_turn.rotate(frontal, sign * turn_deg))["facing"])))
                for sign in (1, -1)
            )
        )
    return out


def sweep(faces: list[tuple[str, np.ndarray]], seeds: int, yaws=(0, 15, 30, 45, -15, -30, -45)) -> None:
    print(
        "\npose sweep: relative error (measured / truth - 1); single views against the truth over the "
        "seen surface, fusion against the whole surface"
    )
    print(
        f"{'face':<28} {'seed':>4} {'truth':>6} "
        + " ".join(f"{y:>+4d} flat/surf" for y in yaws)
        + "   fused(0,+-30) unseen"
    )
    flat_all, surf_all, fused_all = {y: [] for y in yaws}, {y: [] for y in yaws}, []
    for name, rgb in faces:
        try:
            landmarks = locate(rgb)
        except NoFaceError:
            continue
        for seed in range(seeds):
            try:
                result = head_turn.pose_sweep(rgb, landmarks, yaws=yaws, seed=seed)
            except NoFaceError:
                print(f"{name:<28} {seed:>4} a turned view had no face")
                continue
            cells = []
            for y in yaws:
                v = result.views[y]
                f = v.flat / v.seen_truth - 1
                s = surface.fuse([v.table]).depigmented_fraction / v.seen_truth - 1
                flat_all[y].append(f)
                surf_all[y].append(s)
                cells.append(f"{f:+.2f}/{s:+.2f}".rjust(14))
            fused = surface.fuse([result.views[y].table for y in (0, 30, -30)])
            fused_all.append(fused.depigmented_fraction / result.truth - 1)
            print(
                f"{name[:28]:<28} {seed:>4} {result.truth:>6.3f} "
                + " ".join(cells)
                + f"   {fused_all[-1]:+.3f} {fused.unseen_fraction:.3f}"
            )
    print("\nmean |error| by turn:")
    for y in yaws:
        if flat_all[y]:
            print(
                f"  {y:+3d} deg: flat {np.mean(np.abs(flat_all[y])):.3f} (max {np.max(np.abs(flat_all[y])):.3f})"
                f"  surface {np.mean(np.abs(surf_all[y])):.3f} (max {np.max(np.abs(surf_all[y])):.3f})"
            )
    if fused_all:
        print(f"  fused 0/+30/-30: mean |error| {np.mean(np.abs(fused_all)):.3f}, max {np.max(np.abs(fused_all)):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fasseg", type=Path, help="the faces_fasseg folder (multipose/ and frontal/)")
    parser.add_argument("--faces", type=int, default=5, help="FASSEG frontal test faces in the pose sweep")
    parser.add_argument("--seeds", type=int, default=5, help="lesion patterns per face")
    args = parser.parse_args()
    depth_check(args.fasseg / "multipose" / "train" / "rgb")
    faces = [("astronaut", synth.astronaut_face())]
    for path in sorted((args.fasseg / "frontal" / "test" / "rgb").glob("*"))[: args.faces]:
        faces.append((path.name, load_photo(path).rgb))
    sweep(faces, args.seeds)


if __name__ == "__main__":
    main()
