"""The checklist: an immutable model and its TOML loader."""

from linkflow_console.checklist.loader import load_checklist, load_checklist_text
from linkflow_console.checklist.model import Checklist, Item, Section, Severity, Subsection

__all__ = [
    "Checklist",
    "Item",
    "Section",
    "Severity",
    "Subsection",
    "load_checklist",
    "load_checklist_text",
]
