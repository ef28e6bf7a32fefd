import cv2
import numpy as np

from vitiscore.io import append_jsonl, read_jsonl
from vitiscore.pipeline import ScoreOptions, score_image


def test_two_faces_score_the_larger_and_flag_it(astronaut):
    small = cv2.resize(astronaut, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    canvas = np.full((astronaut.shape[0], astronaut.shape[1] + small.shape[1], 3), 230, np.uint8)
    canvas[:, : astronaut.shape[1]] = astronaut
    canvas[: small.shape[0], astronaut.shape[1] :] = small
    result = score_image(canvas)
    assert result.status == "ok" and "multiple_faces" in result.flags
    assert result.landmarks.n_faces == 2
    # the larger face (left) was scored
    assert result.landmarks.points[:, 0].max() < astronaut.shape[1]


def test_low_resolution_flag_follows_the_option(astronaut):
    small = cv2.resize(astronaut, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # eyes ~65 px apart
    flagged = score_image(small)
    assert flagged.status == "ok" and "low_resolution" in flagged.flags
    assert "low_resolution" not in score_image(small, ScoreOptions(min_eye_distance_px=40)).flags
    assert "low_resolution" not in score_image(astronaut).flags


def test_pose_flag_follows_the_option(astronaut):
    result = score_image(astronaut, ScoreOptions(max_pose_deg=0.5))  # any real face deviates by > 0.5 degrees
    assert "pose" in result.flags
    assert "pose" not in score_image(astronaut).flags


def test_journal_survives_a_torn_last_line(tmp_path):
    journal = tmp_path / "results.jsonl"
    append_jsonl(journal, {"image_id": "a", "status": "ok"})
    append_jsonl(journal, {"image_id": "b", "status": "no_face"})
    with open(journal, "a") as handle:
        handle.write('{"image_id": "c", "sta')  # a process killed mid-write
    assert [r["image_id"] for r in read_jsonl(journal)] == ["a", "b"]
    assert read_jsonl(tmp_path / "missing.jsonl") == []


def test_light_skin_is_flagged_for_review(astronaut):
    # The astronaut's normal skin measures about L* 70, b* 19: ITA 45 degrees, the light band (41-55). Adding
    # melanin for the demo's tan tone (L* -20) takes it to about 12 degrees, the tan band.
    from vitiscore.training import synth

    light = score_image(astronaut, ScoreOptions(model="classical"))
    tan = score_image(synth.retone(astronaut, "tan"), ScoreOptions(model="classical"))
    assert light.ita_band == "light" and "light_skin" in light.flags
    assert tan.ita_band == "tan" and "light_skin" not in tan.flags
