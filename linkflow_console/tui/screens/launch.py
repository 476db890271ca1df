"""Launch-day mode: the clock, the go/no-go board, first-24-hours check-ins, the first week, the
live panel and the war-room log on one screen (side by side when wide, stacked when narrow)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header

from linkflow_console.errors import UserError
from linkflow_console.launch import record as launch_record
from linkflow_console.launch.model import (
    METRICS,
    CheckInView,
    Decision,
    GoNoGo,
    LaunchData,
    LogKind,
    Phase,
    checkin_views,
    go_no_go,
    last_decision,
    last_failure,
    launch_data,
    series,
)
from linkflow_console.launch.report import stamp
from linkflow_console.launch.probing import configured, probes_due, run_and_record, sample_live
from linkflow_console.launch.schedule import Schedule, schedule_for
from linkflow_console.session import Session
from linkflow_console.tui.dialogs.form import Field, FormDialog
from linkflow_console.tui.widgets.checkin_detail import CheckinDetail
from linkflow_console.tui.widgets.checkin_grid import CheckinGrid
from linkflow_console.tui.widgets.clock_bar import ClockBar
from linkflow_console.tui.widgets.go_board import GoBoard
from linkflow_console.tui.widgets.live_panel import LivePanel
from linkflow_console.tui.widgets.war_room_log import WarRoomLog
from linkflow_console.tui.widgets.week_table import WeekTable
from linkflow_console.tui.state_sync import StateSync
from linkflow_console.tui.messages import StateChanged
from linkflow_console.tui.widgets.key_bar import KeyBar

TICK_SECONDS = 15.0  # the clock shows minutes; check-ins come due on minute boundaries
WIDE_MIN_WIDTH = 150
WIDE_MIN_HEIGHT = 40
HOLDING_NAMED = 12  # in the go confirmation; the rest are counted


class LaunchProbesFinished(Message):
    """A launch probe run ended (recorded, or failed to record with `error`)."""

    def __init__(self, error: str = "") -> None:
        super().__init__()
        self.error = error


@dataclass(frozen=True)
class LogForm:
    title: str
    kind: LogKind
    placeholder: str
    fields: list[Field] = field(default_factory=list)


LOG_FORMS = {
    "note": LogForm("War-room note", LogKind.NOTE, "what happened or was decided"),
    "incident": LogForm("Incident opened", LogKind.INCIDENT, "what is broken, who is on it"),
    "resolved": LogForm("Incident resolved", LogKind.INCIDENT_RESOLVED, "what fixed it"),
    # a choice with no default: two Enters never record "go"
    "decision": LogForm("Decision", LogKind.DECISION, "why", [Field("decision", "Decision:", choices=tuple(Decision))]),
}


def go_question(verdict: GoNoGo, values: dict[str, str]) -> str | None:
    """Choosing "go" while the board says NO-GO asks first, naming what still holds."""
    if values.get("decision") != Decision.GO or verdict.go:
        return None
    shown = verdict.holding[:HOLDING_NAMED]
    names = "\n".join(f"  {v.glyph} {v.item.id} ({v.shown})" for v in shown)
    more = f"\n  and {len(verdict.holding) - len(shown)} more (`launch status` lists all)" if len(verdict.holding) > len(shown) else ""
    return (f"The board says NO-GO: {len(verdict.holding)} item(s) still hold the launch:\n{names}{more}\n\n"
            "Record \"go\" anyway?")


class LaunchScreen(StateSync, Screen):
    CSS_PATH = "launch.tcss"
    BINDINGS = [
        Binding("t", "start_clock", "Start clock"),
        Binding("d", "complete", "Check-in done"),
        Binding("n", "log('note')", "Note"),
        Binding("i", "log('incident')", "Incident"),
        Binding("r", "log('resolved')", "Resolved"),
        Binding("g", "log('decision')", "Decision"),
        Binding("p", "sample", "Sample now"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.schedule: Schedule | None = None
        self.schedule_error = ""
        self.data = LaunchData()
        self.checkins: list[CheckInView] = []
        self.probing = False
        self.last_table: str = "#checkins"

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield ClockBar(id="launch-clock")
        with Horizontal(id="launch-body"):
            with VerticalScroll(id="launch-left", can_focus=False):
                yield GoBoard(id="board")
                yield CheckinGrid(id="checkins")
                yield CheckinDetail(id="checkin-detail")
            with VerticalScroll(id="launch-right", can_focus=False):
                yield LivePanel(id="live")
                yield WeekTable(id="week")
                with VerticalScroll(id="log", can_focus=False):
                    yield WarRoomLog(id="log-entries")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "Launch day"
        self.sub_title = f"{self.session.environment} — {self.session.operator}"
        for selector, title in (("#board", "Go / no-go"), ("#checkins", "First 24 hours"), ("#live", "Live since T0"),
                                ("#week", "First week"), ("#log", "War-room log")):
            self.query_one(selector).border_title = title
        self.load_schedule()
        self.refresh_all()
        self.query_one("#checkins", CheckinGrid).focus()
        self.set_interval(TICK_SECONDS, self.tick)
        self.run_due_probes()

    def on_resize(self) -> None:
        self.set_class(self.size.width < WIDE_MIN_WIDTH or self.size.height < WIDE_MIN_HEIGHT, "narrow")

    def load_schedule(self) -> None:
        try:
            self.schedule = schedule_for(self.session.checklist, self.session.checklist_path)
        except UserError as exc:  # shown on the screen: the rest of launch mode still works
            self.schedule, self.schedule_error = None, str(exc)

    # -- rendering ----------------------------------------------------------------------------
    def refresh_all(self) -> None:
        from linkflow_console.tui.team_watch import team_notice

        now = self.session.clock()
        self.sub_title = team_notice(self.session.store, f"{self.session.environment} — {self.session.operator}")
        try:
            self.data = launch_data(self.session.store.state)
        except UserError as exc:
            self.notify(str(exc), title="Launch data unreadable", severity="error", timeout=10, markup=False)
        self.checkins = checkin_views(self.schedule, self.data, now) if self.schedule else []
        views = self.session.views()
        verdict = go_no_go(self.session.checklist, views)
        self.query_one(ClockBar).show(self.data, verdict, self.checkins, now)
        owners = self.schedule.owners if self.schedule else {}
        self.query_one(GoBoard).show(self.session.checklist, views, verdict, owners, last_decision(self.data))
        self.query_one(CheckinGrid).show(self.session.checklist, [v for v in self.checkins if not v.checkin.week])
        self.query_one(WeekTable).show(self.session.checklist, [v for v in self.checkins if v.checkin.week])
        self.show_live(now)
        self.query_one(WarRoomLog).show(self.data)
        self.show_detail()

    def show_live(self, now) -> None:
        profile = self.session.profile
        self.query_one(LivePanel).show(
            {m.key: series(self.data, m) for m in METRICS}, now, {m.key: configured(m.probe_id, profile) for m in METRICS},
            {m.key: last_failure(self.data, m) for m in METRICS},
        )

    def show_detail(self) -> None:
        detail = self.query_one(CheckinDetail)
        if self.schedule is None:
            detail.update(Text(f"Launch schedule unusable: {self.schedule_error}"))
        elif self.data.t0 is None:
            detail.update("Check-ins appear once the launch clock is started (t).")
        else:
            detail.show(self.view_of(self.selected_checkin()), self.session.checklist, self.session.clock())

    def view_of(self, checkin_id: str | None) -> CheckInView | None:
        return next((v for v in self.checkins if v.checkin.id == checkin_id), None)

    def selected_checkin(self) -> str | None:
        table = self.query_one(self.last_table)
        return table.selected() if isinstance(table, CheckinGrid | WeekTable) else None

    @on(DataTable.CellHighlighted, "#checkins")
    @on(DataTable.RowHighlighted, "#week")
    def highlighted(self, event: DataTable.CellHighlighted | DataTable.RowHighlighted) -> None:
        if event.data_table.has_focus:  # a refresh re-highlights too; only the operator's table counts
            self.last_table = f"#{event.data_table.id}"
        self.show_detail()

    @on(DataTable.CellSelected, "#checkins")
    @on(DataTable.RowSelected, "#week")
    def selected(self) -> None:
        self.action_complete()

    # -- the clock tick -----------------------------------------------------------------------
    def tick(self) -> None:
        """Follow other consoles' writes, move the clock, run the probes of what came due."""
        if self.session.store.changed():
            self.reload_state()
            return
        self.refresh_all()
        self.run_due_probes()

    @on(StateChanged)
    def state_changed(self) -> None:
        self.refresh_all()
        self.run_due_probes()

    # -- recording (off the event loop: writes fsync) -------------------------------------------
    def action_start_clock(self) -> None:
        if self.data.t0 is not None:
            self.notify("The launch clock is running; move T0 with `launch start --at TIME --force`.", timeout=5)
            return
        store, who, clock = self.session.store, self.session.operator, self.session.clock

        def check(value: str) -> str | None:
            try:
                launch_record.parse_moment(value, clock())
            except UserError as exc:
                return exc.fix or exc.message
            return None

        def start(values: dict[str, str]):
            t0 = launch_record.parse_moment(values["t0"], clock())
            return lambda: launch_record.start_clock(store, who, t0), f"Launch clock started (T0 {t0:%H:%M} UTC)"

        fields = [Field("t0", "T0 (now, HH:MM UTC or 2026-11-26T09:00Z):", "now", value="now", check=check)]
        self.ask_then_record(FormDialog("Start the launch clock", fields, "T0 is kept in the state; every console shares it."), start)

    def action_complete(self) -> None:
        checkin_id = self.selected_checkin()
        if checkin_id is None or self.schedule is None:
            self.notify("Select a check-in first (arrows in First 24 hours or First week).", severity="warning")
            return
        view = self.view_of(checkin_id)
        store, who, schedule = self.session.store, self.session.operator, self.schedule
        if view is not None and view.done is not None:  # d again undoes a mistaken "done", like x for a tick
            self.record(lambda: launch_record.reopen_checkin(store, schedule, checkin_id, who), f"Reopened: {checkin_id}")
            return
        if view is not None and view.phase is Phase.UPCOMING and not view.checkin.week:
            self.notify(f"Not due yet: T+{view.checkin.label} comes due at {stamp(view.due_at)}. Log what you see now with n.",
                        severity="warning", timeout=5)
            return

        fields = [Field("note", "Note (optional):", "what did you see?", required=False)]
        self.ask_then_record(
            FormDialog("Check-in done", fields, checkin_id),
            lambda values: (lambda: launch_record.complete_checkin(store, schedule, checkin_id, who, values["note"]), f"Done: {checkin_id}"),
        )

    def action_log(self, form_name: str) -> None:
        form = LOG_FORMS[form_name]
        store, who = self.session.store, self.session.operator
        verdict = go_no_go(self.session.checklist, self.session.views())

        def entry(values: dict[str, str]):
            decision = values.get("decision")
            return lambda: launch_record.add_log_entry(store, who, form.kind, values["text"], decision), f"Logged: {form.title.lower()}"

        fields = [*form.fields, Field("text", "Entry:", form.placeholder)]
        dialog = FormDialog(form.title, fields, f"by {who}, in the state and the audit log",
                            confirm=lambda values: go_question(verdict, values))
        self.ask_then_record(dialog, entry)

    # -- probes -------------------------------------------------------------------------------
    def run_due_probes(self) -> None:
        answered = probes_due(self.checkins, self.session.profile)
        if answered and not self.probing:
            self.probing = True
            self.probe(lambda: run_and_record(self.session, answered))

    def action_sample(self) -> None:
        if self.probing:
            self.notify("Probes are already running.", timeout=2)
            return
        if not any(configured(m.probe_id, self.session.profile) for m in METRICS):
            self.notify("No live data source: set prometheus.url / redis.url in the --profile.", severity="warning", timeout=5)
            return
        self.probing = True
        self.probe(lambda: sample_live(self.session))

    @work(exclusive=True, group="launch-probes", exit_on_error=False)
    async def probe(self, run) -> None:
        try:
            await run()
        except Exception as exc:  # any failure must still end the run, or no probe would run again
            self.post_message(LaunchProbesFinished(f"Probe samples not saved: {exc}"))
            return
        self.post_message(LaunchProbesFinished())

    @on(LaunchProbesFinished)
    def probes_finished(self, event: LaunchProbesFinished) -> None:
        self.probing = False
        if event.error:
            self.notify(event.error, severity="error", timeout=8)
        self.refresh_all()
