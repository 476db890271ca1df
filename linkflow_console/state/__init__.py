"""Offline state: ticks, notes, N/A, waivers, probe results, launch data. Every change is an event
(`events`), applied by one function (`apply`), kept by a backend (`backend`; the TOML file is
`store`); `record` makes the item changes."""

from linkflow_console.state.model import HistoryEntry, ItemState, State, Waiver
from linkflow_console.state.store import StateStore

__all__ = ["HistoryEntry", "ItemState", "State", "StateStore", "Waiver"]
