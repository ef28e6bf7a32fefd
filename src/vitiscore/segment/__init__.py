"""Depigmentation models behind one interface: ``load_segmenter(id).predict(rgb, area)``."""

from vitiscore.segment.base import Segmentation, Segmenter, available_models, load_segmenter

__all__ = ["Segmentation", "Segmenter", "available_models", "load_segmenter"]
