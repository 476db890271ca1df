"""Launch schedule and the pure launch model: phases at given moments, go/no-go, export lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkflow_console.state import record as state_record
from linkflow_console.launch.model import (
    LaunchData,
    Phase,
    checkin_views,
    clock_text,
    go_no_go,
    launch_data,
    log_lines,
    open_checkins,
)
from linkflow_console.launch.record import parse_moment
from linkflow_console.launch.schedule import ScheduleError, load_schedule, schedule_for
from linkflow_console.state.model import State
from tests.conftest import FROZEN

T0 = FROZEN
ERRORS_1H = "post-launch.first-24h.monitor-error-rates@1h"
ERRORS_12H = "post-launch.first-24h.monitor-error-rates@12h"
REVIEW_1D = "post-launch.first-week.incident-review@1d"


@pytest.fixture
def schedule(session):
    return schedule_for(session.checklist, session.checklist_path)


def phase_of(schedule, checkin_id: str, elapsed: timedelta, done: tuple[str, ...] = ()) -> Phase:
    from linkflow_console.launch.model import Completion

    data = LaunchData(T0, "alice", {c: Completion("bob", T0) for c in done})
    return next(v.phase for v in checkin_views(schedule, data, T0 + elapsed) if v.checkin.id == checkin_id)


def test_bundled_schedule_covers_every_first_24h_and_first_week_item(session, schedule) -> None:
    first_day = {c.item_id for c in schedule.first_day()}
    first_week = {c.item_id for c in schedule.first_week()}
    assert first_day == {i.id for i in session.checklist.items() if i.subsection_id == "first-24h"}
    assert first_week == {i.id for i in session.checklist.items() if i.subsection_id == "first-week"}
    assert [c.label for c in schedule.first_day() if c.item_id.endswith("monitor-error-rates")] == ["15m", "1h", "2h", "4h", "8h", "12h", "24h"]
    assert schedule.get(ERRORS_1H).probes == ("prometheus.error-rate",)


@pytest.mark.parametrize(
    ("elapsed", "phase"),
    [
        (timedelta(minutes=59, seconds=59), Phase.UPCOMING),
        (timedelta(hours=1), Phase.DUE),
        (timedelta(hours=1, minutes=14, seconds=59), Phase.DUE),  # 15 min grace (25 % of 1 h is less)
        (timedelta(hours=1, minutes=15), Phase.OVERDUE),
        (timedelta(hours=30), Phase.OVERDUE),
    ],
)
def test_hourly_check_in_is_due_for_its_grace_then_overdue(schedule, elapsed, phase) -> None:
    assert phase_of(schedule, ERRORS_1H, elapsed) is phase


def test_grace_grows_with_the_gap_to_the_next_check_in(schedule) -> None:
    # 12h -> 24h: a quarter of 12 h is 3 h of grace
    assert phase_of(schedule, ERRORS_12H, timedelta(hours=14, minutes=59)) is Phase.DUE
    assert phase_of(schedule, ERRORS_12H, timedelta(hours=15)) is Phase.OVERDUE


def test_done_wins_over_overdue(schedule) -> None:
    assert phase_of(schedule, ERRORS_1H, timedelta(hours=20), done=(ERRORS_1H,)) is Phase.DONE


def test_week_task_is_due_on_its_day_and_overdue_after_it(schedule) -> None:
    issues = "post-launch.first-week.address-issues@3d"
    assert phase_of(schedule, issues, timedelta(days=1, hours=23)) is Phase.UPCOMING
    assert phase_of(schedule, issues, timedelta(days=2)) is Phase.DUE
    assert phase_of(schedule, issues, timedelta(days=3)) is Phase.OVERDUE
    assert phase_of(schedule, REVIEW_1D, timedelta(0)) is Phase.DUE


def test_no_check_ins_before_the_clock_starts(schedule) -> None:
    assert checkin_views(schedule, LaunchData(), FROZEN) == []


def test_open_check_ins_list_overdue_first(schedule) -> None:
    views = checkin_views(schedule, LaunchData(T0), T0 + timedelta(hours=1, minutes=20))
    opened = open_checkins(views)
    assert opened[0].phase is Phase.OVERDUE and opened[0].checkin.label == "15m"
    assert {v.checkin.id for v in opened if v.phase is Phase.DUE} >= {"post-launch.first-24h.scheduled-jobs-running@1h", REVIEW_1D}


def test_clock_text_counts_hours_past_a_day_and_before_t0() -> None:
    assert clock_text(T0, T0 + timedelta(hours=31, minutes=5, seconds=59)) == "T+31:05"
    assert clock_text(T0, T0 - timedelta(minutes=90)) == "T-01:30"
    assert clock_text(None, T0) == "T+--:--"


def test_go_no_go_holds_on_launch_day_items_and_blockers_even_when_waived(session) -> None:
    store = session.store
    verdict = go_no_go(session.checklist, session.views())
    assert not verdict.go
    held = {v.item.id for v in verdict.holding}
    assert "pre-launch.launch-day.dashboards-ready" in held  # launch-day, severity high
    assert "security.auth.jwt-secret" in held  # a blocker elsewhere
    assert "security.auth.password-hashing" not in held  # high, not launch day
    for item_id in held:
        state_record.tick(store, item_id, "alice")
    assert go_no_go(session.checklist, session.views()).go
    state_record.untick(store, "security.auth.jwt-secret", "alice")
    state_record.waive(store, "security.auth.jwt-secret", "alice", "rotating next week", "bob", FROZEN.date() + timedelta(days=7))
    verdict = go_no_go(session.checklist, session.views())
    assert [(v.item.id, str(v.shown)) for v in verdict.holding] == [("security.auth.jwt-secret", "waived")]


def test_log_lines_for_the_markdown_export() -> None:
    state = State(launch={
        "t0": T0, "started_by": "alice",
        "log": [{"at": T0 + timedelta(minutes=20), "by": "bob", "kind": "decision", "decision": "go", "text": "clear"}],
        "checkins": {ERRORS_1H: {"by": "carol", "at": T0 + timedelta(minutes=62), "note": "0.2 %"}},
    })
    assert log_lines(state) == [
        "- T0: 2026-11-26 09:30 UTC (started by alice)",
        "- 2026-11-26 09:50 UTC (T+00:20) **decision: go** bob: clear",
        f"- 2026-11-26 10:32 UTC (T+01:02) check-in `{ERRORS_1H}` done by carol: 0.2 %",
    ]
    assert log_lines(State()) == []


def test_hand_mangled_entries_are_left_out_but_a_bad_t0_is_an_error() -> None:
    data = launch_data(State(launch={"log": [{"kind": "note"}, {"at": T0, "kind": "gossip"}, "x"], "samples": [{"values": 3}]}))
    assert data.log == () and data.samples == ()
    from linkflow_console.errors import StateError

    with pytest.raises(StateError, match="t0"):
        launch_data(State(launch={"t0": "yesterday"}))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", FROZEN),
        ("2026-11-26T08:00Z", datetime(2026, 11, 26, 8, 0, tzinfo=UTC)),
        ("2026-11-26 10:00", datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
        ("2026-11-26T10:00+01:00", datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),
        ("08:15", datetime(2026, 11, 26, 8, 15, tzinfo=UTC)),
        ("23:50", datetime(2026, 11, 25, 23, 50, tzinfo=UTC)),  # nearest: last night, not tonight
    ],
)
def test_parse_moment(text: str, expected: datetime) -> None:
    assert parse_moment(text, FROZEN) == expected


@pytest.mark.parametrize("text", ["", "soon", "25:00", "2026-13-01"])
def test_parse_moment_rejects_what_is_not_a_time(text: str) -> None:
    from linkflow_console.errors import UserError

    with pytest.raises(UserError, match="not a time"):
        parse_moment(text, FROZEN)


SCHEDULE_ERRORS = [
    ('[[checkins]]\nitem = "post-launch.first-24h.nope"\nat = ["1h"]\n', 2, "unknown item id"),
    ('[[checkins]]\nitem = "post-launch.first-24h.user-feedback"\nat = ["1h", "soon"]\n', 3, "not like 15m"),
    ('[[checkins]]\nitem = "post-launch.first-24h.user-feedback"\nat = ["2h", "1h"]\n', 3, "increasing order"),
    ('[[checkins]]\nitem = "post-launch.first-24h.user-feedback"\nat = ["1h"]\nprobes = ["nope.probe"]\n', 4, "unknown probe"),
    ('[[week]]\nitem = "post-launch.first-week.update-docs"\nday = 9\n', 2, "day must be 1 to 7"),
    ('[due]\ngrace_minutes = -5\n', 2, "grace_minutes"),
    ('[[checkins]]\nitem = "post-launch.first-24h.user-feedback"\nwhen = ["1h"]\n', 3, "unknown key 'when'"),
    ('[[checkins]\n', 1, "not valid TOML"),
]


@pytest.mark.parametrize(("text", "line", "message"), SCHEDULE_ERRORS)
def test_schedule_errors_name_file_line_and_fix(session, tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "launch-schedule.toml"
    path.write_text(text)
    with pytest.raises(ScheduleError) as caught:
        load_schedule(path, session.checklist)
    assert message in caught.value.message
    assert caught.value.where == f"{path}:{line}"
    assert caught.value.fix


def test_a_schedule_beside_the_checklist_wins(session, tmp_path: Path) -> None:
    checklist = tmp_path / "production.toml"
    checklist.write_text(session.checklist_path.read_text())
    (tmp_path / "launch-schedule.toml").write_text('[[week]]\nitem = "post-launch.first-week.update-docs"\nday = 2\n')
    schedule = schedule_for(session.checklist, checklist)
    assert schedule.ids() == ["post-launch.first-week.update-docs@2d"]


def test_only_each_tasks_latest_open_check_in_is_probed(session, schedule) -> None:
    from linkflow_console.launch.probing import probes_due
    from linkflow_console.probes.profile import parse_profile

    profile = parse_profile('[prometheus]\nurl = "http://127.0.0.1:9"\n', session.checklist_path)
    views = checkin_views(schedule, LaunchData(T0), T0 + timedelta(hours=2, minutes=5))
    # 15m and 1h are overdue, 2h is due: only 2h gets today's numbers; Redis is not configured.
    assert probes_due(views, profile) == {
        "prometheus.error-rate": ["post-launch.first-24h.monitor-error-rates@2h"],
        "prometheus.latency-p95": ["post-launch.first-24h.monitor-performance@2h"],
    }


def test_status_lines_name_the_day_when_it_is_not_today(schedule) -> None:
    """At T+26h "due 09:45" would read as this morning; a week task has one moment: due by."""
    from linkflow_console.launch.report import checkin_line

    now = T0 + timedelta(hours=26)
    views = {v.checkin.id: v for v in checkin_views(schedule, LaunchData(T0), now)}
    assert checkin_line(views["post-launch.first-24h.monitor-error-rates@15m"], now) == (
        "  ‼ post-launch.first-24h.monitor-error-rates@15m  overdue, due Thu 26 Nov 09:45 UTC")
    assert checkin_line(views["post-launch.first-24h.monitor-error-rates@24h"], now) == (  # today: the time alone
        "  ● post-launch.first-24h.monitor-error-rates@24h  due, due 09:30 UTC, overdue at 12:30 UTC")
    assert checkin_line(views["post-launch.first-week.address-issues@3d"], now) == (
        "  ○ post-launch.first-week.address-issues@3d  upcoming, due by Sun 29 Nov 09:30 UTC (in 1 d 22 h)")
    assert checkin_line(views[REVIEW_1D], now) == "  ‼ post-launch.first-week.incident-review@1d  overdue, due by 09:30 UTC"


def test_an_unclosed_array_at_the_end_names_the_line_it_opened(session, tmp_path: Path) -> None:
    path = tmp_path / "launch-schedule.toml"
    path.write_text('[[checkins]]\nitem = "post-launch.first-24h.user-feedback"\nat = ["4h", "12h"\n\n# the end\n')
    with pytest.raises(ScheduleError) as caught:
        load_schedule(path, session.checklist)
    assert caught.value.where == f"{path}:3"
    assert "missing ]" in caught.value.fix


def test_the_launch_phase_from_t0_to_past_the_first_week() -> None:
    from linkflow_console.launch.model import launch_phase

    t0 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    assert launch_phase(None, t0) == "not started"
    assert launch_phase(t0, t0 - timedelta(minutes=5)) == "before T0"
    assert launch_phase(t0, t0) == "first 24 hours"
    assert launch_phase(t0, t0 + timedelta(hours=23, minutes=59)) == "first 24 hours"
    assert launch_phase(t0, t0 + timedelta(hours=24)) == "first week, day 2"
    assert launch_phase(t0, t0 + timedelta(days=6, hours=23)) == "first week, day 7"
    assert launch_phase(t0, t0 + timedelta(days=8)) == "first week over"
