"""A tiny training set-up shared by the training tests and the research recipe's tests: a network of 16 channels
on 64-pixel synthetic pairs, one step per run."""

from dataclasses import replace

import numpy as np

from vitiscore.training import datasets
from vitiscore.training.batches import fit_long_side
from vitiscore.training.config import TrainConfig
from vitiscore.training.data import synthesize

TINY = replace(
    TrainConfig(),
    decoder_channels=(16, 16, 16, 16, 16),
    input_size=64,
    crop=64,
    batch_size=2,
    steps=1,
    checkpoint_every=1,
    validate_every=1,
    threads=1,
)


def tiny_pairs(n: int = 3, seed: int = 0) -> list:
    """``n`` (image, label) pairs painted on the astronaut, fitted to TINY's input size."""
    base = datasets.astronaut_base()
    rng = np.random.default_rng(seed)
    return [fit_long_side(*synthesize(base, rng), TINY.input_size) for _ in range(n)]


def weights_of(network) -> dict:
    """A copy of a network's state as numpy arrays."""
    return {k: v.detach().numpy().copy() for k, v in network.state_dict().items()}
