"""Each probe's recent verdicts from the `probe-results` events, bounded by the retention; the
incremental cache reads only what is new and drops what fell out of the retention."""

from __future__ import annotations

from datetime import timedelta

from linkflow_console.probes.base import Evidence, ProbeResult, Status
from linkflow_console.reports.history import HistoryCache, probe_history, within_retention
from linkflow_console.state import StateStore, record
from tests.conftest import FROZEN


def result(probe: str, status: Status) -> ProbeResult:
    return ProbeResult(probe, status, f"{probe} is {status}", (Evidence("check", "y", "x", status == Status.PASS),), {}, {}, 10.0, FROZEN)


def sweeps(state_path, *rounds):
    """A store with one sweep per (hours ago, {probe: status})."""
    moments = iter([FROZEN - timedelta(hours=h) for h, _ in rounds])
    store = StateStore(state_path, "production", "test", clock=lambda: next(moments))
    for _, statuses in rounds:
        record.record_results(store, [result(p, s) for p, s in statuses.items()])
    return store


def test_history_is_newest_first_marks_changes_and_stops_at_the_retention(state_path):
    store = sweeps(state_path, (24 * 40, {"a": Status.FAIL}), (24 * 2, {"a": Status.PASS, "b": Status.WARN}),
                   (5, {"a": Status.PASS, "b": Status.FAIL}), (2, {"a": Status.FAIL}))
    events = store.events_since(0)[0]
    found = probe_history(events, ["a"], FROZEN, retention_days=30)
    # the 40-day-old failure is outside the retention: not listed, and the pass after it is no change
    assert [(v.status, v.changed, FROZEN - v.at) for v in found] == [
        ("fail", True, timedelta(hours=2)), ("pass", False, timedelta(hours=5)), ("pass", False, timedelta(days=2))]
    assert [(v.probe, v.status, v.changed) for v in probe_history(events, ["a", "b"], FROZEN, 30, limit=1)] == [
        ("a", "fail", True), ("b", "fail", True)]
    assert [v.status for v in probe_history(events, ["a"], FROZEN, retention_days=1)] == ["fail", "pass"]
    assert probe_history(events, ["other"], FROZEN) == []
    assert len(within_retention(events, FROZEN, 30)) == 3


def test_the_cache_reads_new_sweeps_and_forgets_what_left_the_retention(state_path):
    store = sweeps(state_path, (30, {"a": Status.PASS}))
    cache = HistoryCache(store, retention_days=2)
    assert [v.status for v in cache.verdicts(["a"], FROZEN)] == ["pass"]
    store.clock = lambda: FROZEN
    record.record_results(store, [result("a", Status.FAIL)])
    assert [(v.status, v.changed) for v in cache.verdicts(["a"], FROZEN)] == [("fail", True), ("pass", False)]
    later = FROZEN + timedelta(hours=20)  # the first sweep is now 50 h old: outside 2 days
    assert [(v.status, v.changed) for v in cache.verdicts(["a"], later)] == [("fail", False)]


def test_check_since_reaches_back_no_further_than_the_retention():
    import argparse

    from linkflow_console.cli.reports import _since

    assert _since(argparse.Namespace(since="90d"), FROZEN, 30) == FROZEN - timedelta(days=30)
    assert _since(argparse.Namespace(since="24h"), FROZEN, 30) == FROZEN - timedelta(hours=24)
    assert _since(argparse.Namespace(since=None), FROZEN, 30) is None
