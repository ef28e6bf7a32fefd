"""Folders of photos: scoring and segmenting a batch into a run folder (``OUT``), its rows and files, resuming and
rescoring it, and the run record. The CLI's commands and the Python API both call these."""
