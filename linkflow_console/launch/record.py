"""Every launch-mode write, each one StateStore.mutate call: locked, re-read, audited, atomic.
Input is validated before the lock is taken, so a bad flag never touches the file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import tomlkit
from tomlkit.toml_document import TOMLDocument

from linkflow_console.errors import UserError, required_text, suggest
from linkflow_console.launch.model import Decision, LogKind, moment_of
from linkflow_console.launch.schedule import CheckIn, Schedule
from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.state.model import State
from linkflow_console.state.store import StateStore

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
        return now.astimezone(UTC).replace(microsecond=0)
    match = TIME_OF_DAY.match(text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return nearest_time_of_day(int(match.group(1)), int(match.group(2)), now)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise UserError(f"{text!r} is not a time", fix=MOMENT_HINT) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _launch(doc: TOMLDocument) -> Any:
    if "launch" not in doc:
        doc.add("launch", tomlkit.table())
    return doc["launch"]


def _aot(table: Any, key: str) -> Any:
    if key not in table:
        table[key] = tomlkit.aot()
    return table[key]


def start_clock(store: StateStore, by: str, t0: datetime, *, force: bool = False) -> State:
    """Set T0 once; moving it later needs `force` (and the audit log keeps the old one)."""

    def apply(doc: TOMLDocument, now: datetime) -> dict[str, Any]:
        launch = _launch(doc)
        previous = launch.get("t0")
        if previous is not None and not force:
            raise UserError(f"the launch clock already started at {previous}", fix="pass --force to move T0 (the audit log keeps the old one)")
        launch["t0"] = t0
        launch["started_by"] = by
        return {"action": "launch-start", "by": by, "t0": t0.isoformat(), "previous": str(previous) if previous else ""}

    return store.mutate(apply)


def complete_checkin(store: StateStore, schedule: Schedule, checkin_id: str, by: str, note: str = "") -> State:
    if schedule.get(checkin_id) is None:
        raise unknown_checkin(schedule, checkin_id)
    note = (note or "").strip()

    checkin = schedule.get(checkin_id)

    def apply(doc: TOMLDocument, now: datetime) -> dict[str, Any]:
        raw_t0 = _launch(doc).get("t0")
        if raw_t0 is None:
            raise UserError("the launch clock has not started", fix="start it first: `linkflow-console launch start [--at TIME]`")
        t0 = moment_of(raw_t0)
        if t0 is None:
            raise UserError("launch.t0 in the state is not a date-time", fix="move it with `launch start --at TIME --force`")
        refuse_early(checkin, t0, now)
        checkins = _launch(doc).setdefault("checkins", tomlkit.table(is_super_table=True))
        entry = tomlkit.table()
        entry.update({"by": by, "at": now})
        if note:
            entry["note"] = note
        checkins[checkin_id] = entry
        return {"action": "launch-checkin", "checkin": checkin_id, "by": by, "note": note}

    return store.mutate(apply)


def reopen_checkin(store: StateStore, schedule: Schedule, checkin_id: str, by: str) -> State:
    """Undo a check-in marked done by mistake; the audit log keeps both."""
    if schedule.get(checkin_id) is None:
        raise unknown_checkin(schedule, checkin_id)

    def apply(doc: TOMLDocument, now: datetime) -> dict[str, Any]:
        checkins = _launch(doc).get("checkins")
        if checkins is None or checkin_id not in checkins:
            raise UserError(f"check-in {checkin_id!r} is not done", fix="nothing to reopen; `launch status --all` shows what is done")
        done = checkins[checkin_id]
        del checkins[checkin_id]
        return {"action": "launch-checkin-reopened", "checkin": checkin_id, "by": by, "was_done_by": str(done.get("by", ""))}

    return store.mutate(apply)


def refuse_early(checkin: CheckIn, t0: datetime, now: datetime) -> None:
    """A timed check-in is a look at production at that moment: ticking T+24h off at T+2h would
    silence it (and its probes) when it comes due. First Week tasks may be done early."""
    if checkin.week or now - t0 >= checkin.opens:
        return
    due = t0 + checkin.opens
    raise UserError(f"check-in {checkin.id!r} is not due yet: it comes due at T+{checkin.label} ({due.astimezone(UTC):%Y-%m-%d %H:%M} UTC)",
                    fix="mark it done once it is due; record what you saw now with `launch log TEXT`")


def unknown_checkin(schedule: Schedule, checkin_id: str) -> UserError:
    hint = suggest(checkin_id, list(schedule.ids()), "`linkflow-console launch status --all` lists the check-in ids")
    return UserError(f"unknown check-in {checkin_id!r}", path=schedule.path, fix=hint)


def add_log_entry(store: StateStore, by: str, kind: str, text: str, decision: str | None = None) -> State:
    text = required_text(text, "log text", "say what to record as the log text")
    try:
        kind_value = LogKind(kind)
        decision_value = Decision(decision) if decision else None
    except ValueError as exc:
        raise UserError(str(exc), fix=f"kinds: {', '.join(LogKind)}; decisions: {', '.join(Decision)}") from None
    if (kind_value is LogKind.DECISION) != (decision_value is not None):
        raise UserError("a decision entry needs --decision, and only a decision entry takes one",
                        fix="e.g. launch log 'all blockers clear' --kind decision --decision go")

    def apply(doc: TOMLDocument, now: datetime) -> dict[str, Any]:
        entry = tomlkit.table()
        entry.update({"at": now, "by": by, "kind": str(kind_value), "text": text})
        if decision_value:
            entry["decision"] = str(decision_value)
        _aot(_launch(doc), "log").append(entry)
        return {"action": "launch-log", "by": by, "kind": str(kind_value), "decision": str(decision_value or ""), "text": text}

    return store.mutate(apply)


def record_samples(store: StateStore, results: Iterable[ProbeResult], answered: dict[str, list[str]]) -> State:
    """Keep each probe result's numbers with its time (the live panel's series) and the check-ins
    it answered. Skipped probes have nothing to say and are not kept."""
    kept = [r for r in results if r.status is not Status.SKIPPED]
    if not kept:
        return store.state

    def apply(doc: TOMLDocument, now: datetime) -> dict[str, Any]:
        samples = _aot(_launch(doc), "samples")
        for result in kept:
            entry = tomlkit.table()
            values = tomlkit.inline_table()
            values.update(dict(result.values))
            entry.update({"at": result.started_at.astimezone(UTC).replace(microsecond=0), "probe": result.probe_id,
                          "status": str(result.status), "summary": result.summary, "values": values})
            entry["checkins"] = answered.get(result.probe_id, [])
            samples.append(entry)
        return {"action": "launch-samples", "by": "console", "probes": [r.probe_id for r in kept],
                "values": {r.probe_id: dict(r.values) for r in kept}}

    return store.mutate(apply)

