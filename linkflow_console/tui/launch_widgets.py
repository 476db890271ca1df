"""Launch-mode widgets. Each takes plain launch-model data in `show(...)` and renders it; none
of them reads the state or the clock itself, so the screen decides when things change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Label, Sparkline, Static

from linkflow_console.checklist.model import Checklist
from linkflow_console.launch.model import (
    METRICS,
    CheckInView,
    GoNoGo,
    LaunchData,
    LogEntry,
    LogKind,
    Metric,
    Phase,
    Sample,
    clock_text,
    launch_phase,
    latest_samples,
    launch_day_items,
    owner_of,
)
from linkflow_console.launch.report import hhmm, stamp, when
from linkflow_console.status import ItemView
from linkflow_console.timefmt import ago

PHASE_STYLES = {Phase.UPCOMING: "dim", Phase.DUE: "bold yellow", Phase.OVERDUE: "bold red", Phase.DONE: "green"}
LOG_GLYPHS = {LogKind.NOTE: "·", LogKind.INCIDENT: "▲", LogKind.INCIDENT_RESOLVED: "▼", LogKind.DECISION: "◆"}
HOLDING_SHOWN = 40  # the rest is counted: the board must stay one screen


def short_text(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class ClockBar(Static):
    """T+hh:mm, T0, the verdict and what is due: the line the war room reads first."""

    def show(self, data: LaunchData, verdict: GoNoGo, checkins: Sequence[CheckInView], now: datetime) -> None:
        if data.t0 is None:
            self.update(Text.assemble(("T+--:--", "bold"), "  launch clock not started: press ", ("t", "bold"), " to start it"))
            return
        due = sum(v.phase is Phase.DUE for v in checkins)
        overdue = sum(v.phase is Phase.OVERDUE for v in checkins)
        self.update(Text.assemble(
            # what the war room reads first comes first: at 80 columns only T0 is cut
            (clock_text(data.t0, now), "bold"), (f" {launch_phase(data.t0, now)}", "italic"), "   ",
            (verdict.verdict, "bold green" if verdict.go else "bold red"), "   ",
            (f"● {due} due", PHASE_STYLES[Phase.DUE] if due else "dim"), "  ",
            (f"‼ {overdue} overdue", PHASE_STYLES[Phase.OVERDUE] if overdue else "dim"),
            f"   T0 {stamp(data.t0)} ({data.started_by or '?'})",
        ))


class GoBoard(Vertical):
    """The Launch Day items with owner and status, the go/no-go verdict, then what holds it (a
    list the narrow layout hides: the verdict line already counts it)."""

    def compose(self) -> ComposeResult:
        yield Static(id="board-items")
        yield Static(id="board-holding")

    def show(self, checklist: Checklist, views: Mapping[str, ItemView], verdict: GoNoGo,
             owners: Mapping[str, str], decision: LogEntry | None) -> None:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
        table.add_column("", width=1)
        table.add_column("Launch Day", ratio=3)
        table.add_column("Owner", ratio=2)
        table.add_column("Status", width=8)
        for item in launch_day_items(checklist):
            view = views[item.id]
            table.add_row(view.glyph, item.text, owner_of(view, owners), str(view.shown))
        self.query_one("#board-items", Static).update(Group(table, self.verdict_text(verdict, decision)))
        self.query_one("#board-holding", Static).update(self.holding_text(verdict))

    @staticmethod
    def verdict_text(verdict: GoNoGo, decision: LogEntry | None) -> Text:
        text = Text()
        if verdict.go:
            text.append(" GO ", "bold black on green")
            text.append("  every Launch Day item and blocker is clear")
        else:
            text.append(" NO-GO ", "bold white on red")
            text.append(f"  {len(verdict.holding)} holding: Launch Day items and blockers open, failing or waived")
        if decision is not None:
            text.append(f"\nLast decision: {decision.decision} by {decision.by} at {hhmm(decision.at)} UTC: {decision.text}")
        return text

    @staticmethod
    def holding_text(verdict: GoNoGo) -> Text:
        shown = verdict.holding[:HOLDING_SHOWN]
        text = Text(", ".join(f"{v.glyph} {v.item.id} ({v.shown})" for v in shown), "dim")
        if len(verdict.holding) > HOLDING_SHOWN:
            text.append(f", +{len(verdict.holding) - HOLDING_SHOWN} more (`launch status` lists all)", "dim")
        return text


class CheckinGrid(DataTable):
    """First 24 hours as a grid: one row per task, one column per offset; a cell is a check-in."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=False, fixed_columns=1, **kwargs)  # the task stays when scrolled
        self.cells: dict[Coordinate, str] = {}  # cell -> check-in id
        self.shape: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    def show(self, checklist: Checklist, views: Sequence[CheckInView]) -> None:
        tasks = tuple(dict.fromkeys(v.checkin.item_id for v in views))
        labels = tuple(v.checkin.label for v in sorted({v.checkin.at: v for v in views}.values(), key=lambda v: v.checkin.at))
        if (tasks, labels) != self.shape:  # rebuild only when the schedule's shape changes: keeps the cursor
            self.clear(columns=True)
            self.add_column("Task", key="task")
            for label in labels:
                self.add_column(f"T+{label}", key=label)
            for task in tasks:
                item = checklist.get(task)
                self.add_row(short_text(item.text if item else task, 28), *([""] * len(labels)), key=task)
            self.shape = (tasks, labels)
        self.cells = {}
        for view in views:
            coordinate = Coordinate(tasks.index(view.checkin.item_id), labels.index(view.checkin.label) + 1)
            self.cells[coordinate] = view.checkin.id
            self.update_cell_at(coordinate, Text(f"{view.glyph} {hhmm(view.due_at)}", PHASE_STYLES[view.phase]))

    def selected(self) -> str | None:
        return self.cells.get(self.cursor_coordinate)


class WeekTable(DataTable):
    """First week, day by day: T+1d to T+7d with the tasks due that day."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.keys: list[str | None] = []

    def on_mount(self) -> None:
        self.add_columns("Day", "", "Task", "Done")

    def show(self, checklist: Checklist, views: Sequence[CheckInView]) -> None:
        row = self.cursor_row
        self.clear()
        self.keys = []
        for day in range(1, 8):
            todays = [v for v in views if v.checkin.at.days == day]
            when = f"T+{day}d {todays[0].due_at:%a %d %b}" if todays else f"T+{day}d"
            for view in todays or [None]:
                self.keys.append(view.checkin.id if view else None)
                if view is None:
                    self.add_row(when, "", Text("—", "dim"), "")
                    continue
                item = checklist.get(view.checkin.item_id)
                done = f"{view.done.by} {hhmm(view.done.at)}" if view.done else ""
                self.add_row(when, Text(view.glyph, PHASE_STYLES[view.phase]), item.text if item else view.checkin.item_id, done)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))

    def selected(self) -> str | None:
        return self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None


class CheckinDetail(Static):
    def show(self, view: CheckInView | None, checklist: Checklist, now: datetime) -> None:
        if view is None:
            self.update(Text("Select a check-in (arrows); d marks it done.", "dim"))
            return
        item = checklist.get(view.checkin.item_id)
        due = f"due by {stamp(view.due_at)}" if view.checkin.week else f"due at {stamp(view.due_at)}"
        text = Text.assemble((f"{view.glyph} {item.text if item else view.checkin.item_id} @ T+{view.checkin.label}", PHASE_STYLES[view.phase]),
                             f"  {view.phase}; {due}")
        if view.phase is Phase.DUE and not view.checkin.week:
            text.append(f", overdue at {when(view.overdue_at, now)}")
        if view.done:
            text.append(f"\ndone by {view.done.by} at {when(view.done.at, now)}" + (f": {view.done.note}" if view.done.note else ""))
        for sample in latest_samples(view.samples):
            text.append(f"\n{sample.probe_id}: {sample.status} {sample.summary} ({ago(sample.at, now)})")
        if view.checkin.probes and not view.samples:
            text.append(f"\nprobes when due: {', '.join(view.checkin.probes)}", "dim")
        self.update(text)


class MetricRow(Horizontal):
    def __init__(self, metric: Metric) -> None:
        super().__init__(classes="metric-row")
        self.metric = metric

    def compose(self) -> ComposeResult:
        yield Label(f"{self.metric.title}\nlimit {self.metric.show(self.metric.limit)}", classes="metric-title")
        yield Sparkline([], summary_function=max, classes="metric-spark")
        yield Label("", classes="metric-latest")

    def show(self, points: Sequence[tuple[datetime, float]], now: datetime, configured: bool, failure: Sample | None = None) -> None:
        spark = self.query_one(Sparkline)
        spark.data = [value for _, value in points]
        spark.display = bool(points)  # an empty sparkline still draws a baseline: that would look like data
        self.set_class(not points, "empty")
        latest = self.query_one(".metric-latest", Label)
        if not points:
            if failure is not None:  # probed, and it could not tell: say so, never a made-up value
                latest.update(Text.assemble(("no data", "bold"), f": last try {ago(failure.at, now)}: {failure.status} {failure.summary}"))
            else:
                why = "" if configured else f" ({self.metric.needs} not in the profile)"
                latest.update(Text(f"no data{why}", "dim"))
            self.set_class(False, "over")
            return
        at, value = points[-1]
        over = value > self.metric.limit
        self.set_class(over, "over")
        # a later run that gave no value replaces the peak: the value shown is not current
        second = (f"{ago(at, now)}; then ", (f"{failure.status} {ago(failure.at, now)}", "bold yellow")) if failure is not None \
            else (f"{ago(at, now)}, peak {self.metric.show(max(v for _, v in points))}",)
        latest.update(Text.assemble(("✘ " if over else "✔ ", "bold red" if over else "green"), (self.metric.show(value), "bold"),
                                    "\n", *second))


class LivePanel(Vertical):
    def compose(self) -> ComposeResult:
        for metric in METRICS:
            yield MetricRow(metric)

    def show(self, series: Mapping[str, Sequence[tuple[datetime, float]]], now: datetime, configured: Mapping[str, bool],
             failures: Mapping[str, Sample | None] | None = None) -> None:
        for row in self.query(MetricRow):
            row.show(series[row.metric.key], now, configured[row.metric.key], (failures or {}).get(row.metric.key))


class WarRoomLog(Static):
    def show(self, data: LaunchData) -> None:
        if not data.log:
            self.update(Text("No entries yet: n note, i incident, r resolved, g decision.", "dim"))
            return
        lines = []
        for entry in reversed(data.log):  # newest first: the top is what just happened
            style = "bold red" if entry.kind is LogKind.INCIDENT else ("bold" if entry.kind is LogKind.DECISION else "")
            lines.append(Text.assemble(f"{hhmm(entry.at)} {clock_text(data.t0, entry.at)} ",
                                       (f"{LOG_GLYPHS[entry.kind]} {entry.headline}", style), f" {entry.by}: {entry.text}"))
        self.update(Text("\n").join(lines))
