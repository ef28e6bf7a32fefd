"""vitiscore: facial vitiligo measurement from clinical photographs.

Python API::

    import vitiscore
    result = vitiscore.score_image("photo.jpg")            # a FaceScore
    batch = vitiscore.score_folder(["photos/"], "out/")    # writes out/results.csv and friends
    masks = vitiscore.segment_folder(["closeups/"], "out/") # whole photos, no face needed
    visits = vitiscore.compare("out/results.csv", "baseline", ["week24"])  # per_subject and cohort tables
    vitiscore.write_comparison(visits, "out/compare/")      # the same files as `vitiscore compare`

The package follows the data flow (CONTRIBUTING.md draws it): ``io`` -> ``face`` -> ``segment`` -> ``measure``
-> ``pipeline`` (one photo) -> ``visits`` / ``agreement`` -> ``report`` -> ``batch`` (folders of photos) ->
``commands`` (the CLI). These names load on first use, so that ``vitiscore --help`` and a command that needs
neither torch nor OpenCV start quickly.
"""

from __future__ import annotations

import importlib

from vitiscore.version import __version__  # noqa: F401 - public, in __all__

# Public name -> the module that defines it.
_API = {
    "FaceScore": "vitiscore.pipeline",
    "ScoreOptions": "vitiscore.pipeline",
    "score_image": "vitiscore.pipeline",
    "score_folder": "vitiscore.batch.score",
    "segment_folder": "vitiscore.batch.segment",
    "compare": "vitiscore.visits",
    "write_comparison": "vitiscore.report.comparison",
}

__all__ = ["__version__", *sorted(_API)]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'vitiscore' has no attribute {name!r}")
