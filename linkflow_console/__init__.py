"""linkflow-console: the LinkFlow production checklist, proven live, in a terminal."""

__version__ = "0.1.0"
