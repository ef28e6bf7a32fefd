"""Comparing visits: per-subject change and responder rates (:mod:`.responders`) and repigmentation maps
(:mod:`.maps`)."""

from vitiscore.visits.responders import compare, read_scores, responder_flags, write_comparison

__all__ = ["compare", "read_scores", "responder_flags", "write_comparison"]
