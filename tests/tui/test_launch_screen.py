"""Launch-day mode in the TUI: Pilot tests of the operator's actions and snapshots of the board
at fixed moments (the session clock is frozen; every recorded time is set by the test)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from linkflow_console.state import record as state_record
from linkflow_console.launch import record
from linkflow_console.launch.model import Decision, LogKind, launch_data
from linkflow_console.launch.schedule import schedule_for
from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.session import Session, open_session
from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.dialogs.form import FormDialog
from linkflow_console.tui.screens.launch import LaunchScreen
from tests.conftest import FROZEN

T0 = FROZEN - timedelta(hours=1, minutes=5)
ERRORS_15M = "post-launch.first-24h.monitor-error-rates@15m"
WIDE, NARROW = (200, 60), (80, 24)


class SteppedClock:
    """A frozen clock the test moves: records get the times a real launch would have given them."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def launched_session(state_path: Path) -> Session:
    """T+01:05 of a launch: three samples (the last one over two limits), one check-in done,
    a go decision, an open incident, one Launch Day item ticked."""
    clock = SteppedClock(T0)
    session = open_session(state=state_path, operator="alice", environment="test", clock=clock)
    schedule = schedule_for(session.checklist, session.checklist_path)
    record.start_clock(session.store, "alice", T0)
    for minutes, (error_rate, p95, depth) in ((15, (0.002, 0.31, 12)), (35, (0.004, 0.52, 40)), (55, (0.012, 2.4, 310))):
        clock.now = T0 + timedelta(minutes=minutes)
        results = [ProbeResult("prometheus.error-rate", Status.PASS, "ok", values={"error_rate": error_rate}, started_at=clock.now),
                   ProbeResult("prometheus.latency-p95", Status.PASS, "ok", values={"p95_seconds": p95}, started_at=clock.now),
                   ProbeResult("redis.queue-backlog", Status.PASS, "ok", values={"queue_depth": depth}, started_at=clock.now)]
        record.record_samples(session.store, results, {"prometheus.error-rate": [ERRORS_15M]} if minutes == 15 else {})
    clock.now = T0 + timedelta(minutes=18)
    record.complete_checkin(session.store, schedule, ERRORS_15M, "bob", "0.2 %, quiet")
    record.add_log_entry(session.store, "carol", LogKind.DECISION, "blockers clear or owned", Decision.GO)
    clock.now = T0 + timedelta(minutes=40)
    record.add_log_entry(session.store, "bob", LogKind.INCIDENT, "webhook 502s from eu-west")
    state_record.tick(session.store, "pre-launch.launch-day.deployment-window", "alice")
    clock.now = FROZEN
    return session


async def open_launch(app: LinkflowConsole, pilot) -> LaunchScreen:
    await pilot.press("l")
    await pilot.pause()
    assert isinstance(app.screen, LaunchScreen)
    return app.screen


async def settle(app: LinkflowConsole, pilot) -> None:
    """Let the state-writing worker finish and its StateChanged message be handled."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_start_the_clock_from_the_screen(session: Session) -> None:
    app = LinkflowConsole(session)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_launch(app, pilot)
        assert "launch clock not started" in str(screen.query_one("#launch-clock").render())
        await pilot.press("t")
        assert isinstance(app.screen, FormDialog)
        await pilot.press("enter")  # the field holds "now"
        await settle(app, pilot)
        assert "T+00:00" in str(screen.query_one("#launch-clock").render())
    restarted = open_session(state=session.store.path, operator="bob", environment="test")
    assert launch_data(restarted.store.state).t0 == FROZEN


async def test_l_goes_back_to_the_checklist_and_it_still_works(state_path: Path) -> None:
    from linkflow_console.tui.screens.checklist import ChecklistScreen
    from linkflow_console.tui.screens.runbook import RunbookScreen

    app = LinkflowConsole(launched_session(state_path))
    async with app.run_test(size=NARROW) as pilot:
        checklist = app.screen
        await open_launch(app, pilot)
        await pilot.press("l")
        await pilot.pause()
        assert app.screen is checklist and isinstance(checklist, ChecklistScreen)
        checklist.select_item("security.network.cors")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, RunbookScreen)
        await pilot.press("escape", "l")  # and into launch mode again: the same screen, kept
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen)
    assert app.return_code in (0, None)


async def test_mark_a_check_in_done(state_path: Path) -> None:
    session = launched_session(state_path)
    app = LinkflowConsole(session)
    async with app.run_test(size=WIDE) as pilot:
        await open_launch(app, pilot)
        await pilot.press("down", "right")  # "Monitor performance metrics" at T+15m: overdue
        await pilot.press("d")
        await pilot.press(*"checked grafana", "enter")
        await settle(app, pilot)
    done = launch_data(session.store.load()).completions["post-launch.first-24h.monitor-performance@15m"]
    assert (done.by, done.at, done.note) == ("alice", FROZEN, "checked grafana")


async def test_d_on_a_done_check_in_reopens_it(state_path: Path) -> None:
    session = launched_session(state_path)  # error rates at T+15m were done by bob
    app = LinkflowConsole(session)
    async with app.run_test(size=WIDE) as pilot:
        await open_launch(app, pilot)
        await pilot.press("right")  # "Monitor error rates" at T+15m
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen)  # no dialog: it was done, so d undoes it
    assert ERRORS_15M not in launch_data(session.store.load()).completions


async def test_add_log_entries(state_path: Path) -> None:
    session = launched_session(state_path)
    app = LinkflowConsole(session)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_launch(app, pilot)
        await pilot.press("r", *"rolled back the webhook worker", "enter")
        await settle(app, pilot)
        await pilot.press("g", "tab", *"error rate over 1 %", "enter")
        assert isinstance(app.screen, FormDialog)  # refused: no decision chosen, and none is by default
        assert "choose one: go, no-go, rollback" in str(app.screen.query_one("#form-error").render())
        await pilot.press("down", "down", "enter", "enter")  # rollback, then the entry already typed
        await settle(app, pilot)
        assert "rolled back the webhook worker" in str(screen.query_one("#log-entries").render())
    log = launch_data(session.store.load()).log
    assert [(e.kind, e.decision, e.by, e.text) for e in log[-2:]] == [
        (LogKind.INCIDENT_RESOLVED, None, "alice", "rolled back the webhook worker"),
        (LogKind.DECISION, Decision.ROLLBACK, "alice", "error rate over 1 %"),
    ]


async def test_marking_without_a_selected_check_in_only_warns(state_path: Path) -> None:
    session = launched_session(state_path)
    app = LinkflowConsole(session)
    async with app.run_test(size=WIDE) as pilot:
        await open_launch(app, pilot)
        await pilot.press("d")  # the cursor is on the task name column
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen)


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["200x60", "80x24"])
def test_snapshot_board_at_t_plus_1h05(snap_compare, state_path: Path, size) -> None:
    assert snap_compare(LinkflowConsole(launched_session(state_path)), terminal_size=size, press=["l"])


def test_snapshot_before_the_clock_starts(snap_compare, session: Session) -> None:
    assert snap_compare(LinkflowConsole(session), terminal_size=NARROW, press=["l"])


def test_snapshot_day_two_with_overdue_check_ins(snap_compare, state_path: Path) -> None:
    session = launched_session(state_path)
    session.clock = lambda: T0 + timedelta(hours=26, minutes=30)
    session.store.clock = session.clock
    assert snap_compare(LinkflowConsole(session), terminal_size=WIDE, press=["l"])


async def test_an_upcoming_check_in_is_not_offered_as_done(state_path: Path) -> None:
    session = launched_session(state_path)
    app = LinkflowConsole(session)
    async with app.run_test(size=WIDE) as pilot:
        await open_launch(app, pilot)
        await pilot.press("end")  # Monitor error rates at T+24h: upcoming at T+01:05
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen)  # no dialog: a warning instead
        assert any("Not due yet" in n.message for n in app._notifications)
    assert "post-launch.first-24h.monitor-error-rates@24h" not in launch_data(session.store.load()).completions


async def test_the_task_column_stays_when_the_offsets_scroll(state_path: Path) -> None:
    app = LinkflowConsole(launched_session(state_path))
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_launch(app, pilot)
        await pilot.press("end")  # T+24h: the grid scrolls sideways at 80 columns
        await pilot.pause()
        grid = screen.query_one("#checkins")
        assert grid.scroll_x > 0
        first_row = grid.render_line(1).text  # below the header
        assert first_row.lstrip().startswith("Monitor error rates") and "T+24h" in grid.render_line(0).text


async def test_a_failed_probe_run_shows_as_such_in_the_live_panel(state_path: Path) -> None:
    """Prometheus down at a check-in: an error sample, and the panel says so, not 'no data' alone."""
    session = launched_session(state_path)
    failed = ProbeResult("prometheus.error-rate", Status.ERROR, "cannot connect to 127.0.0.1:9: Connection refused",
                         started_at=FROZEN - timedelta(minutes=2))
    record.record_samples(session.store, [failed], {"prometheus.error-rate": ["post-launch.first-24h.monitor-error-rates@1h"]})
    app = LinkflowConsole(session)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_launch(app, pilot)
        rows = {row.metric.key: str(row.query_one(".metric-latest").render()) for row in screen.query("MetricRow")}
        assert "1.20 %" in rows["error_rate"]  # the last value, 10 min old ...
        assert "then error 2 min ago" in rows["error_rate"]  # ... and the later run that gave none
        assert "then" not in rows["p95_seconds"]
