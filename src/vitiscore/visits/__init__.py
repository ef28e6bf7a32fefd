"""Comparing visits: scores by subject and visit (:mod:`.scores`), per-subject change and responder rates
(:mod:`.responders`) and repigmentation maps (:mod:`.maps`)."""

from vitiscore.visits.responders import compare, responder_flags
from vitiscore.visits.scores import read_scores

__all__ = ["compare", "read_scores", "responder_flags"]
