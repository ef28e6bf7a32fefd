"""vitiscore: facial vitiligo measurement from clinical photographs.

Python API::

    import vitiscore
    result = vitiscore.score_image("photo.jpg")            # a FaceScore
    batch = vitiscore.score_folder(["photos/"], "out/")    # writes out/results.csv and friends
    masks = vitiscore.segment_folder(["closeups/"], "out/") # whole photos, no face needed
    visits = vitiscore.compare("out/results.csv", "baseline", ["week24"])  # per_subject and cohort tables
    vitiscore.write_comparison(visits, "out/compare/")      # the same files as `vitiscore compare`

The package follows the data flow: ``io`` -> ``face`` -> ``segment`` -> ``measure`` -> ``visits`` /
``agreement`` -> ``report``; ``pipeline`` scores one photo, ``commands`` are the CLI's commands, ``schema``
declares every output column.
"""

from vitiscore.commands.score import score_folder
from vitiscore.commands.segment import segment_folder
from vitiscore.pipeline import FaceScore, ScoreOptions, score_image
from vitiscore.version import __version__
from vitiscore.visits import compare, write_comparison

__all__ = [
    "FaceScore",
    "ScoreOptions",
    "__version__",
    "compare",
    "score_folder",
    "score_image",
    "segment_folder",
    "write_comparison",
]
