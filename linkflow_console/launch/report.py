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
    launch_phase,
    go_no_go,
    last_decision,
    latest_samples,
    next_upcoming,
    open_checkins,
    owner_of,
)
from linkflow_console.launch.schedule import Schedule
from linkflow_console.status import ItemView
from linkflow_console.timefmt import stamp  # noqa: F401 - the launch screens read the stamp here


def hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


def when(moment: datetime, now: datetime) -> str:
    """HH:MM UTC on the day of `now`, with the date on any other day: at T+26h "21:02" alone
    would read as tonight."""
    moment, today = moment.astimezone(UTC), now.astimezone(UTC)
    return f"{moment:%H:%M} UTC" if moment.date() == today.date() else f"{moment:%a %d %b %H:%M} UTC"


def span_until(moment: datetime, now: datetime) -> str:
    """'in 29 min', 'in 3 h 05 min', 'in 1 d 21 h'."""
    minutes = max(0, int((moment - now).total_seconds() // 60))
    if minutes < 60:
        return f"in {minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"in {hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"in {days} d {hours} h"


def clock_line(data: LaunchData, now: datetime) -> str:
    if data.t0 is None:
        return "Launch clock not started: `linkflow-console launch start [--at TIME]`"
    return f"Launch clock {clock_text(data.t0, now)}, {launch_phase(data.t0, now)} (T0 {stamp(data.t0)}, started by {data.started_by or '?'})"


def verdict_lines(verdict: GoNoGo, owners: Mapping[str, str]) -> list[str]:
    if verdict.go:
        return ["Go/no-go: GO (every Launch Day item and blocker is clear)"]
    lines = [f"Go/no-go: NO-GO, {len(verdict.holding)} holding:"]
    lines += [f"  {v.glyph} {v.item.id}  {v.shown}  (owner {owner_of(v, owners)})" for v in verdict.holding]
    return lines


def checkin_line(view: CheckInView, now: datetime) -> str:
    if view.checkin.week:  # due during its day, overdue after it: one moment to name
        line = f"  {view.glyph} {view.checkin.id}  {view.phase}, due by {when(view.due_at, now)}"
    else:
        line = f"  {view.glyph} {view.checkin.id}  {view.phase}, due {when(view.due_at, now)}"
        if view.phase is Phase.DUE:
            line += f", overdue at {when(view.overdue_at, now)}"
    if view.phase is Phase.UPCOMING:
        line += f" ({span_until(view.due_at, now)})"
    elif view.done is not None:
        line += f", done by {view.done.by} at {when(view.done.at, now)}" + (f": {view.done.note}" if view.done.note else "")
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
