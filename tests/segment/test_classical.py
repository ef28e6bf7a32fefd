"""Lesions of known area painted on the astronaut face: the classical baseline must measure the depigmented
fraction of the facial area within 0.03 (absolute) on light and dark skin. The lesion layout uses a different
seed from the one the baseline's thresholds were chosen on."""

import numpy as np
import pytest

from vitiscore.face import locate, region
from vitiscore.pipeline import ScoreOptions, score_image
from vitiscore.training import synth

# Sub-pixel placements of the lesion layout: the landmark model's output differs by fractions of a pixel between
# CPUs, which moves the painted lesions, and the week-24 recall on light skin ranged 0.12-0.18 over such shifts
# (0.5 px SD). A bound on one placement fails on some machines; the median of five does not.
PLACEMENTS = 5
JITTER_PX = 0.5


@pytest.mark.slow
@pytest.mark.parametrize("tone", ["light", "brown"])
@pytest.mark.parametrize("visit", ["baseline", "week24"])
def test_classical_fraction_within_003(astronaut, tone, visit):
    from vitiscore.segment import load_segmenter

    segmenter = load_segmenter("classical")
    base = synth.retone(astronaut, tone)
    landmarks = locate(base)
    area = region(base, landmarks).photo_labels(base.shape) > 0
    found = []
    for k in range(PLACEMENTS):
        shift = np.random.default_rng(k).normal(0, JITTER_PX, landmarks.points.shape) if k else 0.0
        truth = synth.demo_lesions(base.shape[:2], landmarks.points + shift, area, visit, seed=7)
        assert truth.sum() > 0.015 * area.sum()
        result = score_image(synth.paint_depigmentation(base, truth), ScoreOptions(model="classical"), segmenter)
        assert result.status == "ok"
        scored_area = result.labels > 0
        true_fraction = (truth & scored_area).sum() / scored_area.sum()
        assert abs(result.depigmented_fraction - true_fraction) <= 0.03
        found.append((result.depigmented & truth).sum() / truth.sum())
    # The right pixels, not only the right total: the classical model finds about 0.56 (light) and 0.78 (brown) of
    # the baseline lesions, and 0.12-0.18 and 0.35-0.41 of the week-24 ones, which are speckled with repigmentation
    # islands whose edges the map smoothing blurs, and faint near the light-skinned hairline.
    assert np.median(found) > (0.5 if visit == "baseline" else 0.10)


def test_synthesis_is_deterministic_and_inside_the_area(astronaut, astronaut_landmarks):
    facial = region(astronaut, astronaut_landmarks)
    area = facial.photo_labels(astronaut.shape) > 0
    a = synth.demo_lesions(astronaut.shape[:2], astronaut_landmarks.points, area, "baseline", seed=3)
    b = synth.demo_lesions(astronaut.shape[:2], astronaut_landmarks.points, area, "baseline", seed=3)
    w = synth.demo_lesions(astronaut.shape[:2], astronaut_landmarks.points, area, "week24", seed=3)
    assert np.array_equal(a, b) and not (a & ~area).any()
    assert 0 < w.sum() < 0.6 * a.sum()  # week 24 has less depigmentation


def test_no_lesions_gives_little_depigmentation(astronaut):
    # the unpainted face: whatever the baseline marks is a false positive
    result = score_image(astronaut, ScoreOptions(model="classical"))
    assert result.status == "ok" and result.depigmented_fraction < 0.04
