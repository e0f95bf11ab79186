"""chatdex: local full-text search over AI chat exports."""

__version__ = "0.1.0"
