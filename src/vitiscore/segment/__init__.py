"""Depigmentation models behind one interface: ``load_segmenter(id).predict(rgb, area)``."""

from vitiscore.segment.base import DEFAULT_MODEL, Segmentation, Segmenter, available_models, load_segmenter

__all__ = ["DEFAULT_MODEL", "Segmentation", "Segmenter", "available_models", "load_segmenter"]
