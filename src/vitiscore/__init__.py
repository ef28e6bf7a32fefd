"""vitiscore: facial vitiligo measurement from clinical photographs."""

__version__ = "0.1.0"
