"""How ``vitiscore finetune`` fine-tunes a model on a study's masks: its settings and their defaults (the work
itself is :mod:`vitiscore.training.finetune`, which needs the ``train`` extra; these are read by the command line
without it)."""

from __future__ import annotations

from dataclasses import dataclass

from vitiscore.errors import UsageError

# 200 steps of batch 8 from the base weights: sized so that three folds and the final model of 50 photos take
# about a quarter of an hour on 2 CPU threads (research/bench_finetune.py measures it).
DEFAULT_STEPS = 200
DEFAULT_FOLDS = 3
DEFAULT_LEARNING_RATE = 3e-4
DEFAULT_SYNTHETIC_SHARE = 0.25
DEFAULT_TRAIN_ENCODER = True
# How the fine-tuned model's threshold is chosen (vitiscore.training.finetune.choose_cut).
THRESHOLD_RULES = ("best", "one-se", "clear-faces")
DEFAULT_THRESHOLD_RULE = "best"


@dataclass(frozen=True)
class FinetuneSettings:
    """``steps`` Adam steps per model (> 0), ``learning_rate`` (peak of the one-cycle schedule, > 0), ``folds``
    (>= 2; fewer when there are fewer groups), ``synthetic_share`` (0-1: the share of each batch that is the
    project's synthetic pairs), ``train_encoder`` (False: the decoder and head only), ``threshold_rule``
    (:data:`THRESHOLD_RULES`), ``seed``, ``device``
    ("cpu", "cuda" or "auto")."""

    steps: int = DEFAULT_STEPS
    learning_rate: float = DEFAULT_LEARNING_RATE
    folds: int = DEFAULT_FOLDS
    synthetic_share: float = DEFAULT_SYNTHETIC_SHARE
    train_encoder: bool = DEFAULT_TRAIN_ENCODER
    threshold_rule: str = DEFAULT_THRESHOLD_RULE
    seed: int = 0
    device: str = "auto"

    def __post_init__(self):
        if not isinstance(self.steps, int) or self.steps < 1:
            raise UsageError(f"steps must be a whole number >= 1, got {self.steps!r}")
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate < 10):
            raise UsageError(f"learning_rate must be a number in (0, 10), got {self.learning_rate!r}")
        if not isinstance(self.folds, int) or self.folds < 2:
            raise UsageError(f"folds must be a whole number >= 2, got {self.folds!r}")
        if not 0 <= self.synthetic_share < 1:
            raise UsageError(f"synthetic_share must be in [0, 1), got {self.synthetic_share!r}")
        if self.threshold_rule not in THRESHOLD_RULES:
            raise UsageError(f"threshold_rule must be one of {', '.join(THRESHOLD_RULES)}, got {self.threshold_rule!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise UsageError(f"device must be auto, cpu or cuda, got {self.device!r}")
