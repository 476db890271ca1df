"""Read-side model of a state file: plain frozen data built from the TOML document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from linkflow_console.errors import StateError, line_of
from linkflow_console.probes.base import ProbeResult

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Waiver:
    reason: str
    owner: str
    until: date
    by: str = ""
    at: datetime | None = None

    def expired(self, today: date) -> bool:
        return today > self.until


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    action: str  # tick, untick, note, na, clear-na, waive, unwaive
    by: str
    at: datetime
    text: str = ""  # note, reason, or waiver summary


@dataclass(frozen=True, slots=True)
class ItemState:
    done: bool = False
    by: str = ""
    at: datetime | None = None
    note: str = ""
    na_reason: str = ""
    waiver: Waiver | None = None
    history: tuple[HistoryEntry, ...] = ()

    @property
    def is_na(self) -> bool:
        return bool(self.na_reason)


EMPTY_ITEM = ItemState()


@dataclass(frozen=True)
class State:
    checklist: str = ""
    environment: str = ""
    items: dict[str, ItemState] = field(default_factory=dict)
    results: dict[str, ProbeResult] = field(default_factory=dict)
    launch: dict[str, Any] = field(default_factory=dict)

    def item(self, item_id: str) -> ItemState:
        return self.items.get(item_id, EMPTY_ITEM)


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        return _aware(datetime.fromisoformat(value))
    return None


def build_state(data: dict[str, Any], text: str, path: Path) -> State:
    """Plain dict (tomlkit unwrapped) -> State, with type errors that name the line."""

    def bad(item_id: str, message: str) -> StateError:
        return StateError(
            f"item {item_id!r}: {message}",
            path=path,
            line=line_of(text, item_id),
            fix="correct the value by hand (the file is plain TOML); nothing was written",
        )

    items: dict[str, ItemState] = {}
    raw_items = data.get("items", {})
    if not isinstance(raw_items, dict):
        raise StateError("'items' must be a table", path=path, line=line_of(text, "items"))
    for item_id, raw in raw_items.items():
        if not isinstance(raw, dict):
            raise bad(item_id, "must be a table")
        try:
            waiver = None
            if isinstance(raw.get("waiver"), dict):
                w = raw["waiver"]
                until = w["until"]
                if isinstance(until, datetime):
                    until = until.date()
                elif isinstance(until, str):
                    until = date.fromisoformat(until)
                if not isinstance(until, date):
                    raise TypeError("waiver.until must be a date like 2026-12-31")
                waiver = Waiver(str(w["reason"]), str(w["owner"]), until, str(w.get("by", "")), _aware(w.get("at")))
            done = raw.get("done", False)
            if not isinstance(done, bool):
                raise TypeError("done must be true or false")
            history = tuple(
                HistoryEntry(str(h["action"]), str(h.get("by", "")), _aware(h["at"]) or datetime.now(UTC), str(h.get("text", "")))
                for h in raw.get("history", [])
            )
            items[item_id] = ItemState(
                done=done,
                by=str(raw.get("by", "")),
                at=_aware(raw.get("at")),
                note=str(raw.get("note", "")),
                na_reason=str(raw.get("na_reason", "")),
                waiver=waiver,
                history=history,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(item_id, f"{type(exc).__name__}: {exc}") from None
    results: dict[str, ProbeResult] = {}
    for probe_id, raw in dict(data.get("results", {})).items():
        try:
            results[probe_id] = ProbeResult.from_dict({**raw, "probe": probe_id})
        except (KeyError, TypeError, ValueError):
            continue  # a stale or hand-mangled cached result is only a cache: drop it, keep going
    launch = data.get("launch", {})
    return State(
        checklist=str(data.get("checklist", "")),
        environment=str(data.get("environment", "")),
        items=items,
        results=results,
        launch=launch if isinstance(launch, dict) else {},
    )
