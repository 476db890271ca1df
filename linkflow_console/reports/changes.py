"""What changed in the probe results since a moment (`check --since 24h`): new failures first, then
other regressions, changed evidence and fixes. Read from the state's events (every sweep is a
`probe-results` event), so it works the same on the file and on a team store, and every console
of a team sees the same history."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from linkflow_console.errors import UserError
from linkflow_console.state import events as ev
from linkflow_console.state.events import Event
from linkflow_console.timefmt import iso, read_moment

# how bad a status is; "could not tell" sits between a warning and a failure
_RANK = {"pass": 0, "skipped": 0, "warn": 1, "error": 2, "fail": 3}
_ORDER = {"new-failure": 0, "regressed": 1, "evidence-changed": 2, "fixed": 3, "improved": 4}


@dataclass(frozen=True)
class Change:
    probe: str
    kind: str  # new-failure, regressed, evidence-changed, fixed, improved
    before: str | None  # status then (None: no result then)
    after: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {"probe": self.probe, "change": self.kind, "before": self.before, "after": self.after, "summary": self.summary}


def parse_since(text: str, now: datetime) -> datetime:
    """`24h`, `30m`, `7d`, `90s`, or a moment like 2026-11-26T09:00Z."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text)
    if match:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
        return now - timedelta(**{unit: float(match.group(1))})
    moment = read_moment(text.replace("Z", "+00:00"))
    if moment is None:
        raise UserError(f"--since {text!r} is neither a duration nor a moment", fix="write --since 24h, 30m, 7d or 2026-11-26T09:00Z")
    return moment


def results_as_of(events: Iterable[Event], moment: datetime | None = None) -> dict[str, dict[str, Any]]:
    """The latest result of each probe recorded at or before `moment` (None: the latest of all)."""
    latest: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.kind != ev.PROBE_RESULTS or (moment is not None and event.at > moment):
            continue
        for result in event.field_dict().get("results", []):
            if isinstance(result, dict) and "probe" in result and "status" in result:
                latest[str(result["probe"])] = result
    return latest


def _evidence(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e.get("label"), e.get("expected"), e.get("actual"), e.get("ok")) for e in result.get("evidence", []) if isinstance(e, dict)]


def changes_since(events: list[Event], since: datetime) -> list[Change]:
    """Each probe whose latest result differs from its latest result at `since`, regressions first."""
    before, now = results_as_of(events, since), results_as_of(events)
    found = []
    for probe, result in now.items():
        then = before.get(probe)
        status, old = str(result["status"]), (str(then["status"]) if then else None)
        rank, old_rank = _RANK.get(status, 0), _RANK.get(old or "pass", 0)
        if status == "fail" and old != "fail":
            kind = "new-failure"
        elif rank > old_rank:
            kind = "regressed"
        elif rank < old_rank:
            kind = "fixed" if old == "fail" else "improved"
        elif then is not None and (status != old or _evidence(result) != _evidence(then)):
            kind = "evidence-changed"
        else:
            continue
        found.append(Change(probe, kind, old, status, str(result.get("summary", ""))))
    return sorted(found, key=lambda c: (_ORDER[c.kind], c.probe))


def to_lines(changes: list[Change], since: datetime) -> list[str]:
    from linkflow_console.timefmt import stamp

    if not changes:
        return [f"no probe result changed since {stamp(since)}"]
    lines = [f"changed since {stamp(since)} ({len(changes)}):"]
    for change in changes:
        lines.append(f"  {change.kind:<16} {change.probe:<36} {change.before or '-'} -> {change.after}  {change.summary}")
    return lines


def to_json_fields(changes: list[Change], since: datetime) -> dict[str, Any]:
    return {"since": iso(since), "changes": [c.to_dict() for c in changes]}
