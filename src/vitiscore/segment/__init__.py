"""Depigmentation models behind one protocol: ``load_segmenter(id).predict(rgb, area)``.

:mod:`.protocol` says what a model is, :mod:`.registry` finds one by id (and takes new ones), :mod:`.classical`
is the colour-statistics baseline and :mod:`.learned` runs a trained network from a model folder.
"""

from vitiscore.segment.protocol import Segmentation, Segmenter
from vitiscore.segment.registry import (
    DEFAULT_MODEL,
    available_models,
    load_segmenter,
    model_folders,
    register_segmenter,
)

__all__ = [
    "DEFAULT_MODEL",
    "Segmentation",
    "Segmenter",
    "available_models",
    "load_segmenter",
    "model_folders",
    "register_segmenter",
]
