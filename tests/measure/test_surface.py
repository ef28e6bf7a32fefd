"""Surface-true accounting: mesh topology, geometry with known truth, synthetic head turns, fusion, clinical degree."""

from collections import Counter
from itertools import combinations

import numpy as np
import pytest

from tests.support import bare_forehead, head_turn
from vitiscore.face import indices as ix
from vitiscore.face import locate, mesh, region
from vitiscore.face.facial_area import UNIT_LABELS
from vitiscore.face.landmarks import YAW_CALIBRATION, mesh_yaw_deg
from vitiscore.measure import fvasi, surface


def test_triangulation_is_the_mesh_disc_with_three_holes():
    tris = mesh.triangles()
    assert tris.shape == (852, 3)
    undirected = Counter(tuple(sorted(e)) for t in tris for e in combinations(t, 2))
    assert max(undirected.values()) == 2
    # Euler characteristic of a disc with three holes (two eyes, the mouth): V - E + F = 1 - 3.
    assert 468 - len(undirected) + len(tris) == -2
    # One orientation: every directed edge is used once at most.
    directed = Counter((t[i], t[(i + 1) % 3]) for t in tris for i in range(3))
    assert max(directed.values()) == 1
    assert len(mesh.top_row()) >= 10


def test_frontal_face_triangles_face_the_camera(astronaut_landmarks):
    facing = mesh.geometry(astronaut_landmarks.points)["facing"]
    assert (facing > 0).mean() > 0.97


def test_flat_face_turned_60_degrees_has_facing_one_half_and_double_surface(astronaut_landmarks):
    flat = astronaut_landmarks.points.copy()
    flat[:, 2] = 0.0
    turned = head_turn.rotate(flat, 60.0)
    geometry = mesh.geometry(turned)
    big = geometry["area_3d"] > 1.0
    # A few triangles fold over in the frontal layout (the mesh wraps round the cheeks): they face away.
    assert np.allclose(np.abs(geometry["facing"][big]), 0.5, atol=1e-9)
    assert (geometry["facing"][big] > 0).mean() > 0.97
    assert np.allclose(geometry["area_3d"][big], 2 * geometry["area_2d"][big], rtol=1e-9)
    assert np.allclose(geometry["area_3d"], mesh.geometry(flat)["area_3d"], rtol=1e-9)


def test_turn_correction_restores_the_depth_of_an_under_rotated_mesh(astronaut_landmarks):
    """A mesh made as the landmark model makes a turned head: x and y of a true 40-degree turn, depth turned
    by only 40 / 1.25 = 32 degrees. The correction gives back the true turn's depth, so the triangles face the
    camera as they truly do; the uncorrected mesh overstates how squarely the turned-away side faces it."""
    frontal = astronaut_landmarks.points.astype(np.float64)
    across = frontal[ix.LEFT_TRAGUS_SIDE] - frontal[ix.RIGHT_TRAGUS_SIDE]
    frontal = head_turn.rotate(frontal, -np.degrees(np.arctan2(across[2], across[0])))  # her own slight turn
    assert abs(mesh_yaw_deg(frontal)) < 1e-6
    true = head_turn.rotate(frontal, 40.0)
    seen_turn = np.radians(40.0 / YAW_CALIBRATION)
    centre = frontal[:, [0, 2]].mean(axis=0)
    dz = frontal[:, 2] - centre[1]
    x = true[:, 0] - true[:, 0].mean()
    own_dx = (x + np.sin(seen_turn) * dz) / np.cos(seen_turn)
    found = true.copy()
    found[:, 2] = np.sin(seen_turn) * own_dx + np.cos(seen_turn) * dz
    # (the mesh's turn is measured on the ear-to-ear line, which her head tilt lifts slightly out of level)
    assert mesh_yaw_deg(found) == pytest.approx(np.degrees(seen_turn), abs=0.2)
    facing = {
        name: mesh.geometry(p)["facing"]
        for name, p in (("true", true), ("found", found), ("corrected", surface.turn_corrected(found)))
    }
    assert np.abs(facing["corrected"] - facing["true"]).max() < 0.01
    assert np.median(np.abs(facing["found"] - facing["true"])) > 0.02
    assert np.allclose(surface.turn_corrected(frontal), frontal)  # a frontal mesh is left as it is


@pytest.fixture(scope="module")
def pose_sweep(astronaut, astronaut_landmarks):
    return head_turn.pose_sweep(astronaut, astronaut_landmarks, yaws=(0, 15, 30, 45, -30), seed=0)


def test_surface_fraction_holds_across_head_turns_while_flat_drifts(pose_sweep):
    """Against the truth over the skin each photo shows, the surface-weighted fraction stays within 10 % from
    0 to 45 degrees; the flat pixel fraction of the same photos drifts by more."""
    views = pose_sweep.views
    surface_err, flat_err = [], []
    for yaw in (0, 15, 30, 45):
        view = views[yaw]
        measured = surface.fuse([view.table]).depigmented_fraction
        surface_err.append(measured / view.seen_truth - 1)
        flat_err.append(view.flat / view.seen_truth - 1)
    assert max(abs(e) for e in surface_err) <= 0.10, surface_err
    assert max(flat_err) - min(flat_err) > max(surface_err) - min(surface_err) + 0.05, (flat_err, surface_err)


def test_three_views_fused_are_within_5_percent_of_the_whole_surface_truth(pose_sweep):
    truth, views = pose_sweep.truth, pose_sweep.views
    fused = surface.fuse([views[0].table, views[30].table, views[-30].table])
    assert abs(fused.depigmented_fraction / truth - 1) <= 0.05, (fused.depigmented_fraction, truth)
    assert fused.unseen_fraction < 0.05
    assert sum(fused.view_shares) == pytest.approx(1.0)
    frontal_only = surface.fuse([views[0].table])
    assert frontal_only.unseen_fraction > fused.unseen_fraction + 0.05


@pytest.mark.parametrize(
    "density, degree",
    [
        (1.0, 100),
        (0.96, 100),
        (0.9, 90),
        (0.8, 75),
        (0.7, 75),
        (0.5, 50),
        (0.3, 25),
        (0.12, 10),
        (0.04, 0),
        (0.0, 0),
        (float("nan"), 0),
    ],
)
def test_clinical_degree_bins(density, degree):
    assert fvasi.clinical_degree(density) == degree


def test_speckled_patch_gives_the_degree_of_its_density(astronaut, astronaut_landmarks):
    """The whole right cheek depigmented except pigment specks on a regular grid: 1 px specks every 4 px
    (1/16 pigmented: density 0.94 -> 90 %), 2x2 px every 4 px (1/4 pigmented: 0.75 -> 75 %)."""
    facial_area = region(astronaut, astronaut_landmarks)
    cheek = facial_area.labels == UNIT_LABELS["right_cheek"]
    for speck, expected in ((1, 90), (2, 75)):
        specks = np.zeros(cheek.shape, bool)
        for dy in range(speck):
            for dx in range(speck):
                specks[dy::4, dx::4] = True
        table = surface.element_table(facial_area.points, facial_area.labels, cheek & ~specks, 3)
        result = surface.fuse([table])
        cheek_score = result.units["right_cheek"]
        assert cheek_score.degree == expected
        assert cheek_score.involved_fraction == pytest.approx(1.0, abs=0.02)
        assert result.units["left_cheek"].degree == 0


def test_empty_mask_scores_zero(astronaut, astronaut_landmarks):
    facial_area = region(astronaut, astronaut_landmarks)
    table = surface.element_table(facial_area.points, facial_area.labels, np.zeros(facial_area.labels.shape, bool), 5)
    result = surface.fuse([table])
    assert result.depigmented_fraction == 0.0
    assert fvasi.clinical_fvasi(result.units.values(), 3.0) == 0.0
    assert all(u.degree == 0 for u in result.units.values())


def test_forehead_band_takes_the_slope_of_the_top_row(astronaut, astronaut_landmarks):
    """Band pixels get the surface-per-pixel ratio of the nearest top-row triangle: the band's surface lies
    between its pixel count x the smallest and x the largest top-row ratio."""
    bare = bare_forehead(astronaut, astronaut_landmarks.points)
    landmarks = locate(bare)
    facial_area = region(bare, landmarks)
    table = surface.element_table(facial_area.points, facial_area.labels, np.zeros(facial_area.labels.shape, bool), 5)
    band_px = table.facial_px[-1]
    assert band_px > 1000  # the bare forehead above the mesh
    geometry = mesh.geometry(surface.scaled_depth(facial_area.points))
    top = mesh.top_row()
    ratios = (geometry["area_3d"] / geometry["area_2d"])[top]
    ratios = ratios[geometry["facing"][top] > 0]
    assert band_px * max(1.0, ratios.min()) <= table.area_3d[-1] <= band_px * ratios.max()
    no_band = region(bare, landmarks, hairline_max=0.3)
    assert (
        surface.element_table(no_band.points, no_band.labels, np.zeros(no_band.labels.shape, bool), 5).area_3d[-1]
        == 0.0
    )


def test_fuse_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one view"):
        surface.fuse([])


def test_triangle_table_round_trips_through_csv(tmp_path):
    # Values chosen by hand: 4-decimal rounding, a NaN facing (an element not seen) and integer units.
    from vitiscore.measure.surface import ElementTable, read_table, write_table

    table = ElementTable(
        visible_px=np.array([12.0, 0.0]),
        facial_px=np.array([10.0, 0.0]),
        depigmented_px=np.array([3.0, 0.0]),
        involved_px=np.array([4.0, 0.0]),
        area_3d=np.array([20.123456, 7.5]),
        facing=np.array([0.87654321, np.nan]),
        unit=np.array([3, 0]),
    )
    write_table(tmp_path / "t.csv", table)
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == "element,visible_px,facial_px,depigmented_px,involved_px,area_3d,facing,unit"
    assert lines[1:] == ["0,12.0,10.0,3.0,4.0,20.1235,0.8765,3.0", "1,0.0,0.0,0.0,0.0,7.5,,0.0"]
    back = read_table(tmp_path / "t.csv")
    assert back.area_3d.tolist() == [20.1235, 7.5] and back.unit.tolist() == [3, 0]
    assert back.facing[0] == 0.8765 and np.isnan(back.facing[1])
