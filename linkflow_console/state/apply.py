"""The one function that applies an event to a state document.

A state document is the data of a state file: a tomlkit document (the TOML backend, so a
person's comments and layout survive) or plain dicts and lists (a backend that folds events in
memory). `apply_event` writes both the same way; `build_state` turns either into the `State`.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from linkflow_console.errors import UserError
from linkflow_console.state import events as ev
from linkflow_console.state.events import Event
from linkflow_console.state.model import SCHEMA_VERSION, State, build_state
from linkflow_console.timefmt import read_moment, to_seconds


class EventRefused(UserError):
    """The event does not apply to this state (e.g. the launch clock already started). Under a
    lock the user is told; when folding a history in a server's order, the event is skipped."""


class _Plain:
    """Containers for a plain-dict document."""

    table = inline = dict
    aot = array = list
    is_plain = True


class _Kit:
    """Containers for a tomlkit document: the same shapes the file has always had."""

    is_plain = False

    @staticmethod
    def table(**kwargs: Any) -> Any:
        import tomlkit

        return tomlkit.table(**kwargs)

    @staticmethod
    def inline(mapping: dict[str, Any] | None = None) -> Any:
        import tomlkit

        table = tomlkit.inline_table()
        table.update(mapping or {})
        return table

    @staticmethod
    def aot() -> Any:
        import tomlkit

        return tomlkit.aot()

    @staticmethod
    def array(rows: Iterable[dict[str, Any]] = ()) -> Any:
        import tomlkit

        array = tomlkit.array()
        array.multiline(True)
        for row in rows:
            array.append(_Kit.inline(row))
        return array


def _kit(doc: MutableMapping[str, Any]) -> type[_Plain] | type[_Kit]:
    return _Kit if type(doc).__module__.startswith("tomlkit") else _Plain


def apply_event(doc: MutableMapping[str, Any], event: Event) -> MutableMapping[str, Any]:
    """Apply one event of any kind to the document, in place; returns it. Raises EventRefused when
    the event cannot apply to this state."""
    kit = _kit(doc)
    fields = event.field_dict()
    if event.kind in ev.ITEM_KINDS:
        _apply_item(kit, doc, event, fields)
    elif event.kind == ev.PROBE_RESULTS:
        _apply_results(kit, doc, fields)
    elif event.kind == ev.CARRY_OVER:
        for carried in fields.get("events", []):
            try:
                apply_event(doc, Event.from_dict(carried))
            except EventRefused:
                continue  # the same rule as a fold: what does not apply here is skipped
    else:
        _apply_launch(kit, doc, event, fields)
    return doc


def fold(events: Iterable[Event], doc: MutableMapping[str, Any] | None = None) -> MutableMapping[str, Any]:
    """The document a sequence of events gives, in their order; refused events are skipped."""
    doc = {} if doc is None else doc
    for event in events:
        try:
            apply_event(doc, event)
        except EventRefused:
            continue
    return doc


def state_from_events(events: Iterable[Event], *, checklist: str, environment: str, where: str = "events") -> State:
    """The State a sequence of events gives (for a backend that keeps events, not a file)."""
    doc = fold(events, {"schema": SCHEMA_VERSION, "checklist": checklist, "environment": environment})
    return build_state(dict(doc), "", Path(where))


# -- items --------------------------------------------------------------------------------------


def _apply_item(kit: Any, doc: MutableMapping[str, Any], event: Event, fields: dict[str, Any]) -> None:
    at, by = event.at, event.by
    text, changes = "", dict[str, Any]()
    note = str(fields.get("note") or "")
    if event.kind in (ev.TICK, ev.UNTICK):
        # without a note the item's earlier note stays (it is a note, not part of the tick)
        changes = {"done": event.kind == ev.TICK, "by": by, "at": at, **({"note": note} if note.strip() else {})}
        text = note
    elif event.kind == ev.NOTE:
        changes, text = {"note": note}, note
    elif event.kind == ev.NA:
        text = str(fields.get("reason", ""))
        changes = {"na_reason": text}
    elif event.kind == ev.CLEAR_NA:
        changes = {"na_reason": ""}
    elif event.kind == ev.WAIVE:
        until = date.fromisoformat(str(fields["until"]))
        reason, owner = str(fields.get("reason", "")), str(fields.get("owner", ""))
        changes = {"waiver": kit.inline({"reason": reason, "owner": owner, "until": until, "by": by, "at": at})}
        text = f"{reason} (owner {owner}, until {until.isoformat()})"
    elif event.kind == ev.UNWAIVE:
        changes = {"waiver": ""}
    table = _item_table(kit, doc, event.target)
    for key, value in changes.items():
        if value in ("", None):
            table.pop(key, None)
        else:
            table[key] = value
    _history(kit, table, event.kind, by, at, text)


def _super_table(kit: Any, doc: MutableMapping[str, Any], key: str) -> Any:
    if key not in doc:
        doc[key] = kit.table() if kit.is_plain else kit.table(is_super_table=True)
    return _standard_table(kit, doc, key, super_table=True)


def _standard_table(kit: Any, container: Any, key: str, *, super_table: bool = False) -> Any:
    """container[key] as a standard table: a hand-written inline table `{ ... }` cannot take
    new sub-tables (tomlkit would write invalid TOML), so it becomes `[key]` at the end."""
    value = container[key]
    if kit.is_plain:
        return value
    from tomlkit.items import InlineTable

    if not isinstance(value, InlineTable):
        return value
    table = kit.table(is_super_table=super_table)
    for k, v in value.items():
        table[k] = v
    container.remove(key)
    container.append(key, table)
    return container[key]


def _item_table(kit: Any, doc: MutableMapping[str, Any], item_id: str) -> Any:
    items = _super_table(kit, doc, "items")
    if item_id not in items:
        items[item_id] = kit.table()
    return _standard_table(kit, items, item_id)


def _history(kit: Any, table: Any, action: str, by: str, at: datetime, text: str) -> None:
    if "history" not in table:
        table["history"] = kit.aot()
    elif not kit.is_plain:
        from tomlkit.items import AoT

        if not isinstance(table["history"], AoT):  # hand-written `history = [{...}]`
            aot = kit.aot()
            for old in table["history"]:
                row = kit.table()
                row.update(old.unwrap() if hasattr(old, "unwrap") else dict(old))
                aot.append(row)
            table["history"] = aot
    entry = kit.table()
    entry.update({"action": action, "by": by, "at": at})
    if text:
        entry["text"] = text
    table["history"].append(entry)


# -- probe results ------------------------------------------------------------------------------


def _apply_results(kit: Any, doc: MutableMapping[str, Any], fields: dict[str, Any]) -> None:
    """Keep the latest result of each probe. Audit lines from before events carry only counts:
    they change nothing (results are a cache of the last sweep)."""
    table = _super_table(kit, doc, "results")
    for data in fields.get("results", []):
        entry = kit.table()
        for key in ("status", "summary", "duration_ms", "started_at"):
            entry[key] = data[key]
        entry["evidence"] = kit.array(data.get("evidence", []))
        entry["raw"] = kit.inline(data.get("raw", {}))
        entry["values"] = kit.inline(data.get("values", {}))
        table[data["probe"]] = entry


# -- launch day ---------------------------------------------------------------------------------


def _launch(kit: Any, doc: MutableMapping[str, Any]) -> Any:
    if "launch" not in doc:
        doc["launch"] = kit.table()
    return doc["launch"]


def _aot(kit: Any, table: Any, key: str) -> Any:
    if key not in table:
        table[key] = kit.aot()
    return table[key]


def _apply_launch(kit: Any, doc: MutableMapping[str, Any], event: Event, fields: dict[str, Any]) -> None:
    launch = _launch(kit, doc)
    if event.kind == ev.LAUNCH_START:
        previous = launch.get("t0")
        if previous is not None and not fields.get("force") and "previous" not in fields:
            raise EventRefused(f"the launch clock already started at {previous}",
                               fix="pass --force to move T0 (the audit log keeps the old one)")
        launch["t0"] = read_moment(fields["t0"])
        launch["started_by"] = event.by
    elif event.kind == ev.CHECKIN_DONE:
        if launch.get("t0") is None:
            raise EventRefused("the launch clock has not started", fix="start it first: `linkflow-console launch start [--at TIME]`")
        checkins = launch.setdefault("checkins", kit.table() if kit.is_plain else kit.table(is_super_table=True))
        entry = kit.table()
        entry.update({"by": event.by, "at": event.at})
        if fields.get("note"):
            entry["note"] = str(fields["note"])
        checkins[event.target] = entry
    elif event.kind == ev.CHECKIN_REOPEN:
        checkins = launch.get("checkins")
        if checkins is None or event.target not in checkins:
            raise EventRefused(f"check-in {event.target!r} is not done", fix="nothing to reopen; `launch status --all` shows what is done")
        del checkins[event.target]
    elif event.kind in (ev.LOG, ev.DECISION):
        entry = kit.table()
        kind = ev.DECISION if event.kind == ev.DECISION else str(fields.get("kind") or "note")
        entry.update({"at": event.at, "by": event.by, "kind": kind, "text": str(fields.get("text", ""))})
        if fields.get("decision"):
            entry["decision"] = str(fields["decision"])
        _aot(kit, launch, "log").append(entry)
    elif event.kind == ev.SAMPLES:
        _apply_samples(kit, launch, fields)


def _apply_samples(kit: Any, launch: Any, fields: dict[str, Any]) -> None:
    """Audit lines from before events carry the values without status or time: nothing to add."""
    samples = fields.get("samples")
    if not samples:
        return
    table = _aot(kit, launch, "samples")
    for sample in samples:
        entry = kit.table()
        at = read_moment(sample["at"])
        entry.update({"at": to_seconds(at) if at else sample["at"], "probe": sample["probe"], "status": sample["status"],
                      "summary": sample.get("summary", ""), "values": kit.inline(dict(sample.get("values", {})))})
        entry["checkins"] = list(sample.get("checkins", []))
        table.append(entry)
