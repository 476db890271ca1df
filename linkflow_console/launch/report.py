"""Plain-text launch status for `launch status`: clock, go/no-go, what is due, what is next."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from linkflow_console.checklist.model import Checklist
from linkflow_console.launch.model import (
    CheckInView,
    GoNoGo,
    LaunchData,
    Phase,
    clock_text,
    go_no_go,
    last_decision,
    latest_samples,
    next_upcoming,
    open_checkins,
    owner_of,
)
from linkflow_console.launch.schedule import Schedule
from linkflow_console.status import ItemView


def hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def clock_line(data: LaunchData, now: datetime) -> str:
    if data.t0 is None:
        return "Launch clock not started: `linkflow-console launch start [--at TIME]`"
    return f"Launch clock {clock_text(data.t0, now)} (T0 {stamp(data.t0)}, started by {data.started_by or '?'})"


def verdict_lines(verdict: GoNoGo, owners: Mapping[str, str]) -> list[str]:
    if verdict.go:
        return ["Go/no-go: GO (every Launch Day item and blocker is clear)"]
    lines = [f"Go/no-go: NO-GO, {len(verdict.holding)} holding:"]
    lines += [f"  {v.glyph} {v.item.id}  {v.shown}  (owner {owner_of(v, owners)})" for v in verdict.holding]
    return lines


def checkin_line(view: CheckInView, now: datetime) -> str:
    line = f"  {view.glyph} {view.checkin.id}  {view.phase}, due {hhmm(view.due_at)} UTC"
    if view.phase is Phase.DUE:
        line += f", overdue at {hhmm(view.overdue_at)}"
    elif view.phase is Phase.UPCOMING:
        line += f" (in {max(0, int((view.due_at - now).total_seconds() // 60))} min)"
    elif view.done is not None:
        line += f", done by {view.done.by} at {hhmm(view.done.at)}" + (f": {view.done.note}" if view.done.note else "")
    line += "".join(f"\n      {s.probe_id}: {s.status} {s.summary}" for s in latest_samples(view.samples))
    return line


def status_text(checklist: Checklist, schedule: Schedule, data: LaunchData, views: Mapping[str, ItemView],
                checkins: list[CheckInView], now: datetime, *, show_all: bool = False) -> str:
    lines = [clock_line(data, now), *verdict_lines(go_no_go(checklist, views), schedule.owners)]
    decision = last_decision(data)
    if decision is not None:
        lines.append(f"Last decision: {decision.decision} by {decision.by} at {stamp(decision.at)}: {decision.text}")
    if data.t0 is not None:
        shown = checkins if show_all else open_checkins(checkins)
        title = "Check-ins:" if show_all else ("Due and overdue check-ins:" if shown else "Nothing due or overdue.")
        lines += [title, *(checkin_line(v, now) for v in shown)]
        upcoming = next_upcoming(checkins)
        if upcoming is not None and not show_all:
            lines += ["Next:", checkin_line(upcoming, now)]
    return "\n".join(lines) + "\n"
