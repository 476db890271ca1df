"""Every launch-mode write, each one event appended to the state's backend. Input is validated
before the event is made, so a bad flag never touches the state."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from linkflow_console.errors import UserError, required_text, suggest
from linkflow_console.launch.model import Decision, LogKind
from linkflow_console.launch.schedule import CheckIn, Schedule
from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.state import events as ev
from linkflow_console.state.backend import StateBackend
from linkflow_console.state.model import State
from linkflow_console.timefmt import iso, read_moment, stamp, to_seconds

HALF_DAY = timedelta(hours=12)
TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})$")
MOMENT_HINT = "give a time like 2026-11-26T09:00Z, '2026-11-26 09:00' (UTC) or 09:00 (UTC, nearest to now), or 'now'"


def nearest_time_of_day(hour: int, minute: int, now: datetime) -> datetime:
    """HH:MM (UTC) on the day that puts it nearest to now: 23:50 typed at 00:10 is yesterday's."""
    moment = now.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment - now > HALF_DAY:
        return moment - 2 * HALF_DAY
    if now - moment > HALF_DAY:
        return moment + 2 * HALF_DAY
    return moment


def parse_moment(text: str, now: datetime) -> datetime:
    """'now', HH:MM (UTC, the nearest such time) or an ISO date-time (UTC unless it says otherwise)."""
    text = text.strip()
    if text.lower() == "now":
        return to_seconds(now)
    match = TIME_OF_DAY.match(text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return nearest_time_of_day(int(match.group(1)), int(match.group(2)), now)
    moment = read_moment(text)
    if moment is None:
        raise UserError(f"{text!r} is not a time", fix=MOMENT_HINT)
    return moment.astimezone(UTC)


def start_clock(store: StateBackend, by: str, t0: datetime, *, force: bool = False) -> State:
    """Set T0 once; moving it later needs `force` (and the audit log keeps the old one)."""
    return store.record(ev.LAUNCH_START, "launch", {"t0": iso(t0), "force": force}, by)


def complete_checkin(store: StateBackend, schedule: Schedule, checkin_id: str, by: str, note: str = "") -> State:
    checkin = schedule.get(checkin_id)
    if checkin is None:
        raise unknown_checkin(schedule, checkin_id)
    raw_t0 = store.load().launch.get("t0")  # read afresh: another console may have started the clock
    if raw_t0 is None:
        raise UserError("the launch clock has not started", fix="start it first: `linkflow-console launch start [--at TIME]`")
    t0 = read_moment(raw_t0)
    if t0 is None:
        raise UserError("launch.t0 in the state is not a date-time", fix="move it with `launch start --at TIME --force`")
    event = store.new_event(ev.CHECKIN_DONE, checkin_id, {"note": (note or "").strip()}, by)
    refuse_early(checkin, t0, event.at)
    return store.append(event)


def reopen_checkin(store: StateBackend, schedule: Schedule, checkin_id: str, by: str) -> State:
    """Undo a check-in marked done by mistake; the audit log keeps both."""
    if schedule.get(checkin_id) is None:
        raise unknown_checkin(schedule, checkin_id)
    done = store.load().launch.get("checkins", {}).get(checkin_id) or {}
    return store.record(ev.CHECKIN_REOPEN, checkin_id, {"was_done_by": str(done.get("by", ""))}, by)


def refuse_early(checkin: CheckIn, t0: datetime, now: datetime) -> None:
    """A timed check-in is a look at production at that moment: ticking T+24h off at T+2h would
    silence it (and its probes) when it comes due. First Week tasks may be done early."""
    if checkin.week or now - t0 >= checkin.opens:
        return
    due = t0 + checkin.opens
    raise UserError(f"check-in {checkin.id!r} is not due yet: it comes due at T+{checkin.label} ({stamp(due)})",
                    fix="mark it done once it is due; record what you saw now with `launch log TEXT`")


def unknown_checkin(schedule: Schedule, checkin_id: str) -> UserError:
    hint = suggest(checkin_id, list(schedule.ids()), "`linkflow-console launch status --all` lists the check-in ids")
    return UserError(f"unknown check-in {checkin_id!r}", path=schedule.path, fix=hint)


def add_log_entry(store: StateBackend, by: str, kind: str, text: str, decision: str | None = None) -> State:
    text = required_text(text, "log text", "say what to record as the log text")
    try:
        kind_value = LogKind(kind)
        decision_value = Decision(decision) if decision else None
    except ValueError as exc:
        raise UserError(str(exc), fix=f"kinds: {', '.join(LogKind)}; decisions: {', '.join(Decision)}") from None
    if (kind_value is LogKind.DECISION) != (decision_value is not None):
        raise UserError("a decision entry needs --decision, and only a decision entry takes one",
                        fix="e.g. launch log 'all blockers clear' --kind decision --decision go")
    if decision_value is not None:
        return store.record(ev.DECISION, "launch", {"decision": str(decision_value), "text": text}, by)
    return store.record(ev.LOG, "launch", {"kind": str(kind_value), "text": text}, by)


def record_samples(store: StateBackend, results: Iterable[ProbeResult], answered: dict[str, list[str]]) -> State:
    """Keep each probe result's numbers with its time (the live panel's series) and the check-ins
    it answered. Skipped probes have nothing to say and are not kept."""
    kept = [r for r in results if r.status is not Status.SKIPPED]
    if not kept:
        return store.state
    samples = [{"at": iso(r.started_at), "probe": r.probe_id, "status": str(r.status), "summary": r.summary,
                "values": dict(r.values), "checkins": answered.get(r.probe_id, [])} for r in kept]
    return store.record(ev.SAMPLES, "launch", {"samples": samples}, "console")
