"""Launch data as kept in the state's [launch] table, and the pure functions over it: the phase
of each check-in at a given moment, the go/no-go verdict, the live series, the export lines.
No Textual and no I/O here: the clock is always passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from linkflow_console.checklist.model import Checklist, Item, Severity
from linkflow_console.errors import StateError
from linkflow_console.launch.schedule import CheckIn, Schedule
from linkflow_console.state.model import State
from linkflow_console.status import ItemView, Shown
from linkflow_console.timefmt import read_moment, stamp

LAUNCH_DAY_SUBSECTION = "launch-day"
CLEAR = frozenset({Shown.PASS, Shown.DONE, Shown.NA})  # what lets an item stand for "go"


class Phase(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


PHASE_GLYPHS = {Phase.UPCOMING: "○", Phase.DUE: "●", Phase.OVERDUE: "‼", Phase.DONE: "✓"}


class LogKind(StrEnum):
    NOTE = "note"
    INCIDENT = "incident"
    INCIDENT_RESOLVED = "incident-resolved"
    DECISION = "decision"


class Decision(StrEnum):
    GO = "go"
    NO_GO = "no-go"
    ROLLBACK = "rollback"


# -- the recorded data ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Completion:
    by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: datetime
    by: str
    kind: LogKind
    text: str
    decision: Decision | None = None

    @property
    def headline(self) -> str:
        if self.kind is LogKind.DECISION and self.decision:
            return f"decision: {self.decision}"
        return str(self.kind)


@dataclass(frozen=True, slots=True)
class Sample:
    """One probe run recorded for launch mode: its numbers, and the check-ins it answered."""

    at: datetime
    probe_id: str
    status: str
    summary: str
    values: Mapping[str, float]
    checkins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LaunchData:
    t0: datetime | None = None
    started_by: str = ""
    completions: Mapping[str, Completion] = field(default_factory=dict)
    log: tuple[LogEntry, ...] = ()
    samples: tuple[Sample, ...] = ()


def launch_data(state: State) -> LaunchData:
    """The [launch] table -> LaunchData. A bad T0 is an error (the clock is the point); a hand-
    mangled log entry, completion or sample is left out rather than stopping the war room."""
    raw = state.launch
    t0 = read_moment(raw.get("t0"))
    if "t0" in raw and t0 is None:
        raise StateError("launch.t0 is not a date-time", fix="write it like t0 = 2026-11-26T09:00:00Z, or remove it")
    return LaunchData(t0, str(raw.get("started_by", "")), _completions(raw.get("checkins")), _log(raw.get("log")), _samples(raw.get("samples")))


def _completions(raw: Any) -> dict[str, Completion]:
    found = {}
    for checkin_id, entry in (raw or {}).items() if isinstance(raw, dict) else ():
        at = read_moment(entry.get("at")) if isinstance(entry, dict) else None
        if at is not None:
            found[checkin_id] = Completion(str(entry.get("by", "")), at, str(entry.get("note", "")))
    return found


def _log(raw: Any) -> tuple[LogEntry, ...]:
    entries = []
    for entry in raw if isinstance(raw, list) else ():
        at = read_moment(entry.get("at")) if isinstance(entry, dict) else None
        kind = entry.get("kind") if at else None
        if kind not in set(LogKind):
            continue
        decision = entry.get("decision")
        entries.append(LogEntry(at, str(entry.get("by", "")), LogKind(kind), str(entry.get("text", "")),
                                Decision(decision) if decision in set(Decision) else None))
    return tuple(sorted(entries, key=lambda e: e.at))


def _samples(raw: Any) -> tuple[Sample, ...]:
    samples = []
    for entry in raw if isinstance(raw, list) else ():
        at = read_moment(entry.get("at")) if isinstance(entry, dict) else None
        if at is None:
            continue
        values = entry.get("values", {})
        numbers = {str(k): float(v) for k, v in values.items() if isinstance(v, int | float)} if isinstance(values, dict) else {}
        checkins = tuple(str(c) for c in entry.get("checkins", []) if isinstance(c, str))
        samples.append(Sample(at, str(entry.get("probe", "")), str(entry.get("status", "")), str(entry.get("summary", "")), numbers, checkins))
    return tuple(sorted(samples, key=lambda s: s.at))


# -- check-ins ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckInView:
    checkin: CheckIn
    phase: Phase
    due_at: datetime
    overdue_at: datetime
    done: Completion | None
    samples: tuple[Sample, ...]

    @property
    def glyph(self) -> str:
        return PHASE_GLYPHS[self.phase]

    @property
    def open(self) -> bool:
        return self.phase in (Phase.DUE, Phase.OVERDUE)


def phase_at(checkin: CheckIn, t0: datetime, now: datetime, done: bool) -> Phase:
    if done:
        return Phase.DONE
    elapsed = now - t0
    if elapsed < checkin.opens:
        return Phase.UPCOMING
    return Phase.DUE if elapsed < checkin.closes else Phase.OVERDUE


def checkin_views(schedule: Schedule, data: LaunchData, now: datetime) -> list[CheckInView]:
    """Every check-in's phase at `now`; empty while the launch clock has not started."""
    if data.t0 is None:
        return []
    t0 = data.t0
    return [
        CheckInView(
            checkin,
            phase_at(checkin, t0, now, checkin.id in data.completions),
            t0 + checkin.at,
            t0 + checkin.closes,
            data.completions.get(checkin.id),
            tuple(s for s in data.samples if checkin.id in s.checkins),
        )
        for checkin in schedule.checkins
    ]


def latest_samples(samples: Iterable[Sample]) -> list[Sample]:
    """The newest sample of each probe, in probe order of first appearance."""
    latest: dict[str, Sample] = {}
    for sample in samples:
        latest[sample.probe_id] = sample
    return list(latest.values())


def open_checkins(views: Iterable[CheckInView]) -> list[CheckInView]:
    """Due and overdue ones, overdue first, oldest first: what the war room does next."""
    return sorted((v for v in views if v.open), key=lambda v: (v.phase is not Phase.OVERDUE, v.due_at))


def next_upcoming(views: Iterable[CheckInView]) -> CheckInView | None:
    return min((v for v in views if v.phase is Phase.UPCOMING), key=lambda v: v.due_at, default=None)


def clock_text(t0: datetime | None, now: datetime) -> str:
    """T+hh:mm since T0 (T-hh:mm before it); days roll into the hours (T+31:05)."""
    if t0 is None:
        return "T+--:--"
    seconds = int((now - t0).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    minutes = abs(seconds) // 60
    return f"T{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def launch_phase(t0: datetime | None, now: datetime) -> str:
    """Where the launch is: before T0, the first 24 hours, day N of the first week, or past it."""
    if t0 is None:
        return "not started"
    elapsed = now - t0
    if elapsed < timedelta(0):
        return "before T0"
    if elapsed < timedelta(days=1):
        return "first 24 hours"
    if elapsed < timedelta(days=7):
        return f"first week, day {elapsed.days + 1}"
    return "first week over"


# -- go / no-go --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoNoGo:
    holding: tuple[ItemView, ...]  # launch-day items and blockers not clear, in checklist order

    @property
    def go(self) -> bool:
        return not self.holding

    @property
    def verdict(self) -> str:
        return "GO" if self.go else "NO-GO"


def launch_day_items(checklist: Checklist) -> list[Item]:
    return [item for item in checklist.items() if item.subsection_id == LAUNCH_DAY_SUBSECTION]


def go_no_go(checklist: Checklist, views: Mapping[str, ItemView]) -> GoNoGo:
    """No-go while any Launch Day item, or any blocker of the whole checklist, is open, failing
    or only waived: a waiver accepts a risk, it does not clear a blocker for launch."""
    gated = {item.id for item in launch_day_items(checklist)}
    gated |= {item.id for item in checklist.all_items() if item.severity is Severity.BLOCKER}
    order = [item.id for item in checklist.all_items() if item.id in gated]
    return GoNoGo(tuple(views[i] for i in order if views[i].shown not in CLEAR))


def owner_of(view: ItemView, owners: Mapping[str, str]) -> str:
    """The schedule's owner, else the waiver's owner, else whoever recorded it last."""
    if view.item.id in owners:
        return owners[view.item.id]
    if view.manual.waiver:
        return view.manual.waiver.owner
    return view.manual.by or "—"


def last_decision(data: LaunchData) -> LogEntry | None:
    return next((e for e in reversed(data.log) if e.kind is LogKind.DECISION), None)


# -- live series --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metric:
    key: str  # the ProbeResult.values key
    probe_id: str
    title: str
    limit: float
    unit: str  # "%", "s" or "jobs"
    needs: str  # the profile key without which there can be no data

    def show(self, value: float) -> str:
        if self.unit == "%":
            return f"{value * 100:.2f} %"
        if self.unit == "s":
            return f"{value:.3f} s"
        return f"{value:.0f} {self.unit}"


METRICS = (
    Metric("error_rate", "prometheus.error-rate", "Error rate", 0.01, "%", "prometheus.url"),
    Metric("p95_seconds", "prometheus.latency-p95", "p95 latency", 2.0, "s", "prometheus.url"),
    Metric("queue_depth", "redis.queue-backlog", "Queue depth", 1000, "jobs", "redis.url"),
)
LIVE_PROBES = tuple(m.probe_id for m in METRICS)


def series(data: LaunchData, metric: Metric) -> list[tuple[datetime, float]]:
    """The metric's recorded values since T0, oldest first (nothing before the launch)."""
    if data.t0 is None:
        return []
    return [(s.at, s.values[metric.key]) for s in data.samples if s.at >= data.t0 and metric.key in s.values]


def last_failure(data: LaunchData, metric: Metric) -> Sample | None:
    """The metric's probe run since T0 that gave no value (an error, a timeout), when it is newer
    than the last value: the live panel says so instead of passing the silence off as calm."""
    if data.t0 is None:
        return None
    runs = [s for s in data.samples if s.at >= data.t0 and s.probe_id == metric.probe_id]
    return runs[-1] if runs and metric.key not in runs[-1].values else None


# -- export -------------------------------------------------------------------------------------


def log_lines(state: State) -> list[str]:
    """Markdown lines for the export: T0, the war-room log, the completed check-ins."""
    try:
        data = launch_data(state)
    except StateError as exc:
        return [f"- launch data unreadable: {exc.message}"]
    if data.t0 is None and not data.log:
        return []
    lines = [f"- T0: {stamp(data.t0)} (started by {data.started_by or '?'})" if data.t0 else "- T0: not started"]
    for entry in data.log:
        lines.append(f"- {stamp(entry.at)} ({clock_text(data.t0, entry.at)}) **{entry.headline}** {entry.by}: {entry.text}")
    for checkin_id, done in sorted(data.completions.items(), key=lambda pair: pair[1].at):
        note = f": {done.note}" if done.note else ""
        lines.append(f"- {stamp(done.at)} ({clock_text(data.t0, done.at)}) check-in `{checkin_id}` done by {done.by}{note}")
    return lines
