"""A rater's few marks refine one photo's mask: the model adapted to that photo.

A copy of the learned model, starting from its shipped weights every time, is trained for a few steps on the one
image, then predicts that image again. The loss has two terms: binary cross-entropy on the marked pixels the model
still disagrees with (lesion marks and normal-skin marks weigh half each, however many of each there are; a mark
the model already agrees with by the margin changes nothing, and when every mark agrees no step is run), and an
anchor that keeps the unmarked pixels at the model's own probabilities, so that a mark moves the answer around it
and where the photo looks like it, not over the whole photo (without it, two marks spread lesion over clear skin;
measured by research/marks_eval.py). Batch-norm statistics stay as trained (a single image says nothing
reliable about them); every weight may move. The same marks, image, settings and seed give the same mask. The
adapted copy is thrown away: no other photo sees it.

Why the network and not a colour model of the marked pixels: the network already knows what skin looks like and
needs only to be told where this photo's boundary lies; two clicks are too few to fit colours from (the
comparison: research/marks_eval.py, recorded in docs/experiments/).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from vitiscore.errors import UsageError
from vitiscore.files.marks import Mark, raster
from vitiscore.segment.protocol import Segmentation, check_inputs

# Chosen on 20 real training photos and 12 synthetic missed patches, never the validation photos
# (research/marks_eval.py; the record is indexed in docs/experiments/).
REFINE_STEPS = 30
REFINE_LEARNING_RATE = 3e-4
REFINE_SEED = 0
REFINE_ANCHOR = 3.0
REFINE_MARGIN: float | None = 0.5


@dataclass(frozen=True)
class RefineSettings:
    """How a photo's model is adapted to its marks: Adam ``steps`` (>= 0; 0 = the model's own answer), the
    random ``seed``, the ``learning_rate`` (> 0) and the ``anchor`` (>= 0): the weight of a second loss term that
    keeps the unmarked pixels at the model's own probabilities; the ``margin`` (0-1, or None): a marked pixel
    stops pulling once it is that share of the way from the threshold to certainty on its own side (0.5 with a
    threshold of 0.5: lesion marks at 0.75 or more, normal-skin marks at 0.25 or less), so that marks the model
    already agrees with change nothing; None keeps pulling every marked pixel towards certainty."""

    steps: int = REFINE_STEPS
    seed: int = REFINE_SEED
    learning_rate: float = REFINE_LEARNING_RATE
    anchor: float = REFINE_ANCHOR
    margin: float | None = REFINE_MARGIN

    def __post_init__(self):
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or self.steps < 0:
            raise UsageError(f"refine steps must be a whole number >= 0, got {self.steps!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise UsageError(f"refine seed must be a whole number, got {self.seed!r}")
        if not (isinstance(self.learning_rate, (int, float)) and math.isfinite(self.learning_rate)):
            raise UsageError(f"refine learning_rate must be a number > 0, got {self.learning_rate!r}")
        if self.learning_rate <= 0:
            raise UsageError(f"refine learning_rate must be > 0, got {self.learning_rate!r}")
        if not (isinstance(self.anchor, (int, float)) and math.isfinite(self.anchor) and self.anchor >= 0):
            raise UsageError(f"refine anchor must be a number >= 0, got {self.anchor!r}")
        if self.margin is not None and not (isinstance(self.margin, (int, float)) and 0 <= self.margin < 1):
            raise UsageError(f"refine margin must be None or a number in [0, 1), got {self.margin!r}")

    def as_dict(self) -> dict:
        return asdict(self)


def can_refine(segmenter) -> bool:
    """Whether ``segmenter`` can be adapted to marks (a learned model; not the classical method)."""
    return hasattr(segmenter, "trainable_network")


def refine(
    segmenter, rgb: np.ndarray, area: np.ndarray, marks: list[Mark], settings: RefineSettings | None = None
) -> Segmentation:
    """The segmentation of ``rgb`` ((h, w, 3) uint8) inside ``area`` ((h, w) bool) by ``segmenter`` adapted to
    ``marks`` (centres and radii in ``rgb``'s pixels). Without marks, or with 0 steps, it is the model's own
    answer.

    Raises:
        ValueError: bad inputs, or a segmenter that cannot learn (the classical method).
    """
    settings = settings or RefineSettings()
    check_inputs(rgb, area)
    if not marks or settings.steps == 0:
        return segmenter.predict(rgb, area)
    if not can_refine(segmenter):
        raise UsageError(
            f"marks refine a learned model; {getattr(segmenter, 'model_id', 'this model')!r} cannot be adapted"
        )
    network = adapted_network(segmenter, rgb, marks, settings, area)
    return segmenter.predict_batch([rgb], [area], network=network)[0]


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def adapted_network(segmenter, rgb: np.ndarray, marks: list[Mark], settings: RefineSettings, area=None):
    """A copy of ``segmenter``'s network trained ``settings.steps`` steps on ``rgb`` with the loss on ``marks``
    only, ready for inference (see the module's docstring); None when no mark reaches the network's grid.
    ``area`` (the facial area) is where a model that reads colour relative to the skin finds that skin."""
    import torch

    from vitiscore.segment.learned import inference_network, network_input

    size = segmenter.input_size
    relative = getattr(segmenter, "relative", False)
    batch, _ = network_input([rgb], size, segmenter._mean, segmenter._std, [area], relative)
    scale = size / max(rgb.shape[:2])
    lesion, normal = raster(marks, (size, size), scale=scale, min_radius=1.0)
    if not (lesion.any() or normal.any()):
        return None
    torch.manual_seed(settings.seed)
    network = segmenter.trainable_network()
    network.eval()  # batch norms keep their trained statistics
    optimiser = torch.optim.Adam(network.parameters(), lr=settings.learning_rate)
    image = torch.from_numpy(batch)
    targets = [(torch.from_numpy(m), float(label)) for m, label in ((lesion, 1), (normal, 0)) if m.any()]
    t = segmenter.threshold
    if settings.margin is not None:
        # A marked pixel is satisfied beyond these logits: lesion marks above, normal-skin marks below.
        satisfied = {
            1.0: _logit(t + settings.margin * (1 - t)),
            0.0: _logit(t - settings.margin * t),
        }
    if settings.anchor > 0:
        with torch.inference_mode():
            own = torch.sigmoid(network(image)[0, 0]).clone()
        unmarked = torch.from_numpy(~(lesion | normal))
    with torch.enable_grad():
        for step in range(settings.steps):
            # Every other step sees the mirror image, so the adaptation is not tied to one pixel grid.
            flip = step % 2 == 1
            x = torch.flip(image, dims=[3]) if flip else image
            logits = network(x)[0, 0]
            if flip:
                logits = torch.flip(logits, dims=[1])
            terms, pulling = [], 0
            for where, label in targets:
                marked = logits[where]
                per_pixel = torch.nn.functional.binary_cross_entropy_with_logits(
                    marked, torch.full_like(marked, label), reduction="none"
                )
                if settings.margin is not None:
                    active = (marked.detach() < satisfied[1.0]) if label else (marked.detach() > satisfied[0.0])
                    per_pixel = per_pixel * active
                    pulling += int(active.sum())
                else:
                    pulling += marked.numel()
                # Each kind of mark weighs the same, however many pixels it covers.
                terms.append(per_pixel.sum() / marked.numel())
            if not pulling:
                if step == 0:
                    return None  # the model already agrees with every mark: its own answer stands
                break  # every mark is satisfied: further steps would only carry the optimiser's momentum
            loss = sum(terms) / len(targets)
            if settings.anchor > 0:
                loss = loss + settings.anchor * torch.nn.functional.binary_cross_entropy_with_logits(
                    logits[unmarked], own[unmarked]
                )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return inference_network(network)
