"""Offline state: ticks, notes, N/A, waivers, probe results, launch data. TOML + audit log."""

from linkflow_console.state.model import HistoryEntry, ItemState, State, Waiver
from linkflow_console.state.store import StateStore

__all__ = ["HistoryEntry", "ItemState", "State", "StateStore", "Waiver"]
