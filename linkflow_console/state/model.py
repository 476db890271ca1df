"""Read-side model of a state file: plain frozen data built from the TOML document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from linkflow_console.errors import StateError, line_of
from linkflow_console.probes.base import ProbeResult
from linkflow_console.state.validation import check_launch, check_results, check_top

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


class _Bad(Exception):
    """A value of a hand-edited item that cannot be used: the key it is under, and why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _date_value(value: Any, key: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(key, f"{key} must be a date like 2026-12-31, not {value!r}")


def _moment(value: Any, key: str) -> datetime | None:
    """A timestamp; one without a time zone is taken as UTC, a bare date as its midnight UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _moment(datetime.fromisoformat(value.strip()), key)
        except ValueError:
            pass
    raise _Bad(key, f"{key} must be a date and time like 2026-11-26T09:30:00Z, not {value!r}")


def _text(raw: dict[str, Any], key: str, *, required: bool = False, where: str = "") -> str:
    name = f"{where}.{key}" if where else key
    value = raw.get(key)
    if value is None:
        if required:
            raise _Bad(name, f"{where or 'the item'} is missing {key!r}")
        return ""
    if isinstance(value, (dict, list)):
        raise _Bad(name, f"{name} must be text, not a {'table' if isinstance(value, dict) else 'list'}")
    return str(value)


def _waiver(raw: Any) -> Waiver | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _Bad("waiver", 'waiver must be a table like { reason = "...", owner = "...", until = 2026-12-31 }')
    if "until" not in raw:
        raise _Bad("waiver", "the waiver has no 'until' date")
    return Waiver(
        _text(raw, "reason", required=True, where="waiver"),
        _text(raw, "owner", required=True, where="waiver"),
        _date_value(raw["until"], "waiver.until"),
        _text(raw, "by", where="waiver"),
        _moment(raw.get("at"), "waiver.at"),
    )


def _history(raw: Any) -> tuple[HistoryEntry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _Bad("history", "history must be a list of [[...history]] tables")
    entries = []
    for h in raw:
        if not isinstance(h, dict):
            raise _Bad("history", "every history entry must be a table")
        if "action" not in h:
            raise _Bad("action", "a history entry is missing 'action'")
        at = _moment(h.get("at"), "at") or datetime(1970, 1, 1, tzinfo=UTC)
        entries.append(HistoryEntry(_text(h, "action"), _text(h, "by"), at, _text(h, "text")))
    return tuple(entries)


def _item_state(raw: dict[str, Any]) -> ItemState:
    done = raw.get("done", False)
    if not isinstance(done, bool):
        raise _Bad("done", f"done must be true or false (no quotes), not {done!r}")
    return ItemState(
        done=done,
        by=_text(raw, "by"),
        at=_moment(raw.get("at"), "at"),
        note=_text(raw, "note"),
        na_reason=_text(raw, "na_reason"),
        waiver=_waiver(raw.get("waiver")),
        history=_history(raw.get("history")),
    )


def _item_line(text: str, item_id: str, key: str) -> int | None:
    """The line of `key` under the item's table (else the table's own line)."""
    import re

    header = None
    lines = text.splitlines()
    for number, row in enumerate(lines, 1):
        if item_id in row and (row.lstrip().startswith("[") or "=" in row):
            header = number
            break
    if header is None:
        return None
    leaf = key.rsplit(".", 1)[-1]
    pattern = re.compile(rf"(^|[\s{{,.]){re.escape(leaf)}\s*=")
    for number in range(header, len(lines) + 1):
        row = lines[number - 1]
        if number > header and row.lstrip().startswith("[") and item_id not in row:
            break
        if pattern.search(row):
            return number
    return header


def build_state(data: dict[str, Any], text: str, path: Path) -> State:
    """Plain dict (tomlkit unwrapped) -> State, with type errors that name the line. The whole
    file is checked: a state that fails here is never written to."""
    check_top(data, text, path)
    check_results(data.get("results"), text, path)
    check_launch(data.get("launch"), text, path)
    items: dict[str, ItemState] = {}
    raw_items = data.get("items", {})
    if not isinstance(raw_items, dict):
        raise StateError(
            "'items' must be a table", path=path, line=line_of(text, "items"),
            fix='write items as [items."ID"] tables; nothing was written',
        )
    for item_id, raw in raw_items.items():
        try:
            if not isinstance(raw, dict):
                raise _Bad("", "must be a table of done, by, at, note, ...")
            items[item_id] = _item_state(raw)
        except _Bad as exc:
            raise StateError(
                f"item {item_id!r}: {exc.message}",
                path=path,
                line=_item_line(text, item_id, exc.key) if exc.key else line_of(text, item_id),
                fix="correct the value by hand (the file is plain TOML); nothing was written",
            ) from None
    results: dict[str, ProbeResult] = {}
    for probe_id, raw in dict(data.get("results", {})).items():
        try:
            results[probe_id] = ProbeResult.from_dict({**raw, "probe": probe_id})
        except (KeyError, TypeError, ValueError, OverflowError):
            continue  # checked above; what from_dict still cannot use is only a cache entry
    launch = data.get("launch", {})
    return State(
        checklist=str(data.get("checklist", "")),
        environment=str(data.get("environment", "")),
        items=items,
        results=results,
        launch=launch if isinstance(launch, dict) else {},
    )
