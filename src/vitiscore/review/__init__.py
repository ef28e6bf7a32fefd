"""Review and correct: a rater checks each photo's mask in the browser (:mod:`.server`, :mod:`.page`), fixes it,
and every save is kept (:mod:`.log`) so that ``vitiscore rescore`` can recompute the run from the fixes."""
