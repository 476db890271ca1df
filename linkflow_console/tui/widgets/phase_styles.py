"""Launch-mode styles shared by the widgets that show check-ins (a glyph always goes with them)."""

from __future__ import annotations

from linkflow_console.launch.model import Phase

PHASE_STYLES = {Phase.UPCOMING: "dim", Phase.DUE: "bold yellow", Phase.OVERDUE: "bold red", Phase.DONE: "green"}


def short_text(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
