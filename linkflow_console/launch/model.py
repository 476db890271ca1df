"""Launch data as kept in the state (placeholder until launch mode lands)."""

from __future__ import annotations

from linkflow_console.state.model import State


def log_lines(state: State) -> list[str]:
    return []
