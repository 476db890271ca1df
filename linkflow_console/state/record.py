"""Item changes and probe results as events, on any backend. Input is checked before an event
is made, so a bad value never reaches the state or the audit log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from linkflow_console.errors import UserError, required_text
from linkflow_console.probes.base import ProbeResult
from linkflow_console.state import events as ev
from linkflow_console.state.backend import StateBackend
from linkflow_console.state.model import State


def tick(backend: StateBackend, item_id: str, by: str, note: str = "") -> State:
    return backend.record(ev.TICK, item_id, {"note": note}, by)


def untick(backend: StateBackend, item_id: str, by: str, note: str = "") -> State:
    return backend.record(ev.UNTICK, item_id, {"note": note}, by)


def add_note(backend: StateBackend, item_id: str, by: str, text: str) -> State:
    text = required_text(text, "note", "say what you want to record")
    return backend.record(ev.NOTE, item_id, {"note": text}, by)


def set_na(backend: StateBackend, item_id: str, by: str, reason: str) -> State:
    reason = required_text(reason, "reason", "N/A needs a reason, e.g. --reason 'single region deployment'")
    return backend.record(ev.NA, item_id, {"reason": reason}, by)


def clear_na(backend: StateBackend, item_id: str, by: str) -> State:
    return backend.record(ev.CLEAR_NA, item_id, {}, by)


def waive(backend: StateBackend, item_id: str, by: str, reason: str, owner: str, until: date) -> State:
    reason = required_text(reason, "reason", "a waiver needs a reason")
    owner = required_text(owner, "owner", "a waiver needs an owner who will close it")
    if until < backend.clock().date():
        raise UserError(f"waiver date {until} is in the past", fix="give --until a future date (YYYY-MM-DD)")
    return backend.record(ev.WAIVE, item_id, {"reason": reason, "owner": owner, "until": until.isoformat()}, by)


def unwaive(backend: StateBackend, item_id: str, by: str) -> State:
    return backend.record(ev.UNWAIVE, item_id, {}, by)


def record_results(backend: StateBackend, results: Iterable[ProbeResult], by: str = "console") -> State:
    """Keep the latest result of each probe, so every console shows them offline."""
    results = list(results)
    counts = Counter(str(result.status) for result in results)
    fields = {"counts": dict(counts), "results": [result.to_dict() for result in results]}
    return backend.record(ev.PROBE_RESULTS, "", fields, by)
