"""linkflow-console: the LinkFlow production checklist, proven live, in a terminal."""

from linkflow_console.collector import defer_during_startup

__version__ = "0.1.0"

defer_during_startup()  # every entry point imports this package first: see collector.py
