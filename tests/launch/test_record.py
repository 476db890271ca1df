"""Launch data as events: audited, and resumed by a new store on the same file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linkflow_console.errors import UserError
from linkflow_console.launch import record
from linkflow_console.launch.model import Decision, LogKind, Phase, checkin_views, launch_data, series, METRICS
from linkflow_console.launch.schedule import schedule_for
from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.session import open_session
from tests.conftest import FROZEN

T0 = FROZEN - timedelta(hours=1, minutes=5)
ERRORS_15M = "post-launch.first-24h.monitor-error-rates@15m"
ERRORS_1H = "post-launch.first-24h.monitor-error-rates@1h"


def reopen(state_path, minutes_later: int = 0):
    """A console restarted on the same state file, `minutes_later`."""
    return open_session(state=state_path, operator="bob", environment="test",
                        clock=lambda: FROZEN + timedelta(minutes=minutes_later))


def test_restart_resumes_the_clock_the_check_ins_and_the_log(session, state_path) -> None:
    schedule = schedule_for(session.checklist, session.checklist_path)
    record.start_clock(session.store, "alice", T0)
    record.complete_checkin(session.store, schedule, ERRORS_15M, "alice", "0.3 %, fine")
    record.add_log_entry(session.store, "alice", LogKind.INCIDENT, "webhook 502s")
    record.add_log_entry(session.store, "alice", LogKind.DECISION, "hold the EU rollout", Decision.NO_GO)

    later = reopen(state_path, minutes_later=15)
    data = launch_data(later.store.state)
    assert data.t0 == T0 and data.started_by == "alice"
    assert data.completions[ERRORS_15M].by == "alice" and data.completions[ERRORS_15M].note == "0.3 %, fine"
    assert [(e.kind, e.decision, e.text) for e in data.log] == [
        (LogKind.INCIDENT, None, "webhook 502s"), (LogKind.DECISION, Decision.NO_GO, "hold the EU rollout")]
    phases = {v.checkin.id: v.phase for v in checkin_views(schedule, data, later.clock())}
    assert phases[ERRORS_15M] is Phase.DONE
    assert phases[ERRORS_1H] is Phase.OVERDUE  # T+01:20: past 1h + 15 min grace


def test_every_launch_change_is_in_the_audit_log(session) -> None:
    schedule = schedule_for(session.checklist, session.checklist_path)
    record.start_clock(session.store, "alice", T0)
    record.complete_checkin(session.store, schedule, ERRORS_15M, "alice")
    record.add_log_entry(session.store, "bob", "note", "all quiet")
    actions = [(e["kind"], e["target"], e["by"]) for e in session.store.audit_entries()]
    assert actions == [("launch-start", "launch", "alice"), ("checkin-done", ERRORS_15M, "alice"), ("log", "launch", "bob")]


def test_t0_is_set_once_unless_forced(session) -> None:
    record.start_clock(session.store, "alice", T0)
    with pytest.raises(UserError, match="already started"):
        record.start_clock(session.store, "bob", FROZEN)
    record.start_clock(session.store, "bob", FROZEN, force=True)
    assert launch_data(session.store.state).t0 == FROZEN
    starts = [e for e in session.store.audit_entries() if e["kind"] == "launch-start"]
    assert [e["fields"]["t0"] for e in starts] == ["2026-11-26T08:25:00+00:00", "2026-11-26T09:30:00+00:00"]  # the old T0 kept


def test_check_ins_need_a_running_clock_and_a_known_id(session) -> None:
    schedule = schedule_for(session.checklist, session.checklist_path)
    with pytest.raises(UserError, match="has not started"):
        record.complete_checkin(session.store, schedule, ERRORS_15M, "alice")
    record.start_clock(session.store, "alice", T0)
    with pytest.raises(UserError, match="unknown check-in") as caught:
        record.complete_checkin(session.store, schedule, "monitor-error-rates@1", "alice")
    assert ERRORS_1H in caught.value.fix


@pytest.mark.parametrize(
    ("kind", "text", "decision", "message"),
    [("note", "  ", None, "required"), ("gossip", "x", None, "gossip"), ("decision", "x", None, "needs --decision"),
     ("note", "x", "go", "only a decision"), ("decision", "x", "maybe", "maybe")],
)
def test_bad_log_entries_are_refused_before_writing(session, kind, text, decision, message) -> None:
    with pytest.raises(UserError, match=message):
        record.add_log_entry(session.store, "alice", kind, text, decision)
    assert session.store.audit_entries() == []


def test_samples_keep_values_and_time_and_skip_unconfigured_probes(session, state_path) -> None:
    record.start_clock(session.store, "alice", T0)
    before_t0 = ProbeResult("prometheus.error-rate", Status.PASS, "ok", values={"error_rate": 0.5}, started_at=T0 - timedelta(minutes=1))
    measured = ProbeResult("prometheus.error-rate", Status.PASS, "ok", values={"error_rate": 0.004}, started_at=FROZEN)
    skipped = ProbeResult("redis.queue-backlog", Status.SKIPPED, "not configured")
    record.record_samples(session.store, [before_t0, measured, skipped], {"prometheus.error-rate": [ERRORS_15M]})
    data = launch_data(reopen(state_path).store.state)
    assert [s.probe_id for s in data.samples] == ["prometheus.error-rate", "prometheus.error-rate"]
    assert series(data, METRICS[0]) == [(FROZEN, 0.004)]  # nothing from before T0
    assert series(data, METRICS[2]) == []
    assert data.samples[-1].checkins == (ERRORS_15M,)


def test_a_timed_check_in_cannot_be_ticked_off_before_it_is_due(session) -> None:
    """Marking T+24h done at T+01:05 would silence it (and its probes) when it comes due."""
    schedule = schedule_for(session.checklist, session.checklist_path)
    record.start_clock(session.store, "alice", T0)  # now is T+01:05
    with pytest.raises(UserError, match="not due yet") as caught:
        record.complete_checkin(session.store, schedule, "post-launch.first-24h.monitor-error-rates@24h", "alice")
    assert "T+24h (2026-11-27 08:25 UTC)" in caught.value.message and caught.value.fix
    assert "checkins" not in session.store.load().launch
    record.complete_checkin(session.store, schedule, ERRORS_1H, "alice")  # due since T+1h: fine
    record.complete_checkin(session.store, schedule, "post-launch.first-week.update-docs@7d", "alice")  # week tasks may be early
    assert set(launch_data(session.store.load()).completions) == {ERRORS_1H, "post-launch.first-week.update-docs@7d"}


def test_a_check_in_done_by_mistake_can_be_reopened_and_the_audit_keeps_both(session) -> None:
    schedule = schedule_for(session.checklist, session.checklist_path)
    record.start_clock(session.store, "alice", T0)
    record.complete_checkin(session.store, schedule, ERRORS_15M, "alice", "wrong row")
    record.reopen_checkin(session.store, schedule, ERRORS_15M, "bob")
    views = {v.checkin.id: v for v in checkin_views(schedule, launch_data(session.store.load()), FROZEN)}
    assert views[ERRORS_15M].done is None and views[ERRORS_15M].phase is Phase.OVERDUE
    actions = [line for line in session.store.audit_path.read_text().splitlines() if ERRORS_15M in line]
    assert len(actions) == 2 and '"kind":"checkin-reopen"' in actions[1] and '"was_done_by":"alice"' in actions[1]
    with pytest.raises(UserError, match="is not done"):
        record.reopen_checkin(session.store, schedule, ERRORS_15M, "bob")
