"""vitiscore: facial vitiligo measurement from clinical photographs.

Python API::

    import vitiscore
    result = vitiscore.score_image("photo.jpg")            # a FaceScore
    batch = vitiscore.score_folder(["photos/"], "out/")    # writes out/results.csv and friends
    masks = vitiscore.segment_folder(["closeups/"], "out/") # whole photos, no face needed
    visits = vitiscore.compare("out/results.csv", "baseline", ["week24"])  # per_subject and cohort tables
    vitiscore.write_comparison(visits, "out/compare/")      # the same files as `vitiscore compare`
"""

__version__ = "0.1.0"

from vitiscore.batch import score_folder  # noqa: E402
from vitiscore.pipeline import FaceScore, ScoreOptions, score_image  # noqa: E402
from vitiscore.segment_photos import segment_folder  # noqa: E402
from vitiscore.visits import compare, write_comparison  # noqa: E402

__all__ = ["FaceScore", "ScoreOptions", "__version__", "compare", "score_folder", "score_image", "segment_folder",
           "write_comparison"]
