"""SegAtlas bench: reference implementations, measurements and verdicts on claims."""

__version__ = "0.1.0"
