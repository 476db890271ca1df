"""Probe-result history on a team store: every console reads the same verdicts; retention is
applied on read (consoles may only insert, so nothing is deleted)."""

from __future__ import annotations

from datetime import timedelta

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.reports.history import HistoryCache
from linkflow_console.state import record
from linkflow_console.state.pg.backend import PostgresBackend
from tests.conftest import FROZEN


def test_another_console_sees_the_history_bounded_by_the_retention_and_nothing_is_deleted(store, tmp_path):
    moments = iter([FROZEN - timedelta(days=10), FROZEN - timedelta(days=1), FROZEN - timedelta(hours=1)])
    writer = PostgresBackend(store, "production", "test", clock=lambda: next(moments), directory=tmp_path / "one")
    for status in (Status.FAIL, Status.PASS, Status.FAIL):
        record.record_results(writer, [ProbeResult("http.tls-versions", status, "s", (), {}, {}, 5.0, FROZEN)])
    reader = PostgresBackend(store, "production", "test", clock=lambda: FROZEN, directory=tmp_path / "two")
    kept = HistoryCache(reader, retention_days=7).verdicts(["http.tls-versions"], FROZEN)
    assert [(v.status, v.changed, FROZEN - v.at) for v in kept] == [("fail", True, timedelta(hours=1)), ("pass", False, timedelta(days=1))]
    assert len(reader.events_since(0)[0]) == 3  # the ten-day-old sweep is still stored
    assert [v.status for v in HistoryCache(reader, retention_days=30).verdicts(["http.tls-versions"], FROZEN)] == ["fail", "pass", "fail"]
