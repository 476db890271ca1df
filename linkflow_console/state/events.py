"""Every change to a state is an Event: a small immutable value with a unique id. Backends store
and deliver events; `linkflow_console.state.apply.apply_event` is the one function that applies
them. An event's JSON (one line of the audit log) is the contract between backends:

    {"v": 1, "id": "<uuid4 hex>", "kind": "tick", "target": "<item id>", "fields": {"note": ""},
     "by": "alice", "at": "2026-11-26T09:30:00+00:00", "checklist": "production",
     "environment": "default"}

Audit lines written before events existed (keys at, action, item, by and the change's own keys)
are read as events too: action -> kind, item -> target, the rest -> fields, and an id derived
from the line's text, so reading the same log twice gives the same ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from linkflow_console.timefmt import iso, json_value, read_moment, to_seconds

EVENT_VERSION = 1

# item changes: target is the item id
TICK, UNTICK, NOTE, NA, CLEAR_NA, WAIVE, UNWAIVE = "tick", "untick", "note", "na", "clear-na", "waive", "unwaive"
ITEM_KINDS = frozenset({TICK, UNTICK, NOTE, NA, CLEAR_NA, WAIVE, UNWAIVE})
# the latest result of each probe (target ""); launch-day samples (target "launch")
PROBE_RESULTS, SAMPLES = "probe-results", "samples"
# launch day: target "launch", or the check-in id for check-ins
LAUNCH_START, CHECKIN_DONE, CHECKIN_REOPEN, LOG, DECISION = "launch-start", "checkin-done", "checkin-reopen", "log", "decision"
LAUNCH_KINDS = frozenset({LAUNCH_START, CHECKIN_DONE, CHECKIN_REOPEN, LOG, DECISION})
# another environment's recorded work brought into this one (target: that environment)
CARRY_OVER = "carry-over"
KINDS = ITEM_KINDS | LAUNCH_KINDS | {PROBE_RESULTS, SAMPLES, CARRY_OVER}
# work a person recorded (what a carry-over brings), as opposed to measurements of a deployment
WORK_KINDS = ITEM_KINDS | LAUNCH_KINDS

_LEGACY_KINDS = {"launch-checkin": CHECKIN_DONE, "launch-checkin-reopened": CHECKIN_REOPEN, "launch-log": LOG,
                 "launch-samples": SAMPLES}
_JSON_KEYS = ("v", "id", "kind", "target", "fields", "by", "at", "checklist", "environment")


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _thawed(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


@dataclass(frozen=True, slots=True, eq=True)
class Event:
    id: str
    kind: str
    target: str
    fields: Mapping[str, Any] = field(compare=True)
    by: str
    at: datetime
    checklist: str = ""
    environment: str = ""

    def __post_init__(self) -> None:
        # JSON-able and immutable all the way down: a round trip through JSON normalises dates
        plain = json.loads(json.dumps(_thawed(self.fields), default=json_value))
        object.__setattr__(self, "fields", _frozen(plain))
        object.__setattr__(self, "at", to_seconds(self.at))

    __hash__ = None  # type: ignore[assignment]  # equal by value; ids are what identify

    @classmethod
    def new(cls, kind: str, target: str, fields: Mapping[str, Any], *, by: str, at: datetime,
            checklist: str = "", environment: str = "") -> Event:
        import uuid  # on the first change only: start-up reads, it does not record

        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        return cls(uuid.uuid4().hex, kind, target, fields, by, at, checklist, environment)

    def field_dict(self) -> dict[str, Any]:
        """The fields as plain (mutable) dicts and lists."""
        return _thawed(self.fields)

    def to_dict(self) -> dict[str, Any]:
        return {"v": EVENT_VERSION, "id": self.id, "kind": self.kind, "target": self.target,
                "fields": self.field_dict(), "by": self.by, "at": iso(self.at),
                "checklist": self.checklist, "environment": self.environment}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), default=json_value)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Event:
        """A v1 event object, or an audit entry from before events existed (`source` is its line,
        hashed into a stable id)."""
        if "v" not in data and "action" in data:
            return _legacy(data, source)
        if data.get("v") != EVENT_VERSION:
            raise ValueError(f"event version {data.get('v')!r} is not {EVENT_VERSION}: written by a newer console")
        kind, at = data.get("kind"), read_moment(data.get("at"))
        if kind not in KINDS or at is None or not isinstance(data.get("fields"), Mapping) or not data.get("id"):
            raise ValueError("not a console event (kind, at, fields and id are required)")
        return cls(str(data["id"]), str(kind), str(data.get("target", "")), data["fields"], str(data.get("by", "")), at,
                   str(data.get("checklist", "")), str(data.get("environment", "")))

    @classmethod
    def from_json(cls, line: str) -> Event:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("an event is a JSON object")
        return cls.from_dict(data, source=line)

    def moved_to(self, checklist: str, environment: str) -> Event:
        """The same event recorded in another state (same id: copying twice adds nothing)."""
        return Event(self.id, self.kind, self.target, self.fields, self.by, self.at, checklist, environment)


def _legacy(data: Mapping[str, Any], source: str) -> Event:
    import hashlib

    action = str(data["action"])
    kind = _LEGACY_KINDS.get(action, action)
    at = read_moment(data.get("at"))
    if kind not in KINDS or at is None:
        raise ValueError(f"audit action {action!r} is not known")
    fields = {k: v for k, v in data.items() if k not in ("at", "action", "item", "by", "checklist", "environment")}
    target = str(data.get("item", ""))
    if kind in (CHECKIN_DONE, CHECKIN_REOPEN):
        target = str(fields.pop("checkin", ""))
    elif kind == LOG and fields.get("kind") == "decision":
        kind = DECISION
    elif kind in (LAUNCH_START, LOG, SAMPLES):
        target = "launch"
    digest = hashlib.sha256((source or json.dumps(dict(data), sort_keys=True, default=str)).encode()).hexdigest()
    return Event(digest[:32], kind, target, fields, str(data.get("by", "")), at,
                 str(data.get("checklist", "")), str(data.get("environment", "")))


def read_events(lines: list[str], *, where: str = "") -> list[Event]:
    """Events of an audit log's lines. A line that is not an event (torn by a crash mid-append,
    over MAX_AUDIT_LINE, nested past json's limit, or another tool's text) is left out: the
    state file stays the truth for what it holds."""
    from linkflow_console.limits import MAX_AUDIT_LINE

    events = []
    for line in lines:
        if not line.strip() or len(line) > MAX_AUDIT_LINE:
            continue
        try:
            events.append(Event.from_json(line))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            continue
    return events
