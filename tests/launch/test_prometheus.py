"""A probe-backed check-in records values from a real Prometheus scraping a local /metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from linkflow_console.launch import record
from linkflow_console.launch.model import METRICS, checkin_views, launch_data, series
from linkflow_console.launch.probing import probes_due, run_due
from linkflow_console.launch.schedule import schedule_for
from linkflow_console.session import open_session
from tests.conftest import FROZEN
from tests.servers.alertmanager import wait_until
from tests.servers.prometheus import ERROR_RATIO, P95, Exporter, Prometheus, linkflow_metrics, prometheus_factory  # noqa: F401

pytestmark = pytest.mark.servers

T0 = FROZEN - timedelta(minutes=20)  # the T+15m check-ins are due
ERRORS_15M = "post-launch.first-24h.monitor-error-rates@15m"
PERFORMANCE_15M = "post-launch.first-24h.monitor-performance@15m"


@pytest.fixture(scope="module")
def prometheus_live(prometheus_factory: Callable[..., Prometheus]) -> Prometheus:
    """One 5xx in every 200 requests of 40 ms: error rate 0.5 %, p95 within the 50 ms bucket."""
    exporter = Exporter(*linkflow_metrics(requests=200, errors=1, seconds=0.04, complete=True))
    server = prometheus_factory("launch", {"linkflow-api": exporter.target})
    server.exporter = exporter
    wait_until(lambda: server.value(ERROR_RATIO) is not None and server.value(P95) is not None, "launch: rates")
    return server


@pytest.fixture
def live_session(tmp_path: Path, prometheus_live: Prometheus):
    profile = tmp_path / "profile.toml"
    profile.write_text(f'name = "launch"\n[prometheus]\nurl = "{prometheus_live.url}"\n')
    return open_session(state=tmp_path / "state.toml", profile=profile, operator="alice", environment="test",
                        clock=lambda: FROZEN)


async def test_due_check_ins_record_prometheus_values(live_session, tmp_path: Path) -> None:
    schedule = schedule_for(live_session.checklist, live_session.checklist_path)
    record.start_clock(live_session.store, "alice", T0)
    views = checkin_views(schedule, launch_data(live_session.store.state), live_session.clock())
    # Redis is not in the profile: its probe is not wanted, and nothing upcoming is probed early.
    assert probes_due(views, live_session.profile) == {
        "prometheus.error-rate": [ERRORS_15M], "prometheus.latency-p95": [PERFORMANCE_15M]}

    results = await run_due(live_session, views)
    assert {r.status for r in results.values()} == {"pass"}, [r.summary for r in results.values()]

    restarted = open_session(state=tmp_path / "state.toml", operator="bob", environment="test", clock=lambda: FROZEN)
    data = launch_data(restarted.store.state)
    (at, error_rate), = series(data, METRICS[0])
    (_, p95), = series(data, METRICS[1])
    assert at == FROZEN
    assert error_rate == pytest.approx(0.005, rel=0.05)
    assert 0.025 < p95 <= 0.05
    assert series(data, METRICS[2]) == []  # queue depth: no data, never a made-up zero
    views = checkin_views(schedule, data, FROZEN)
    answered = {v.checkin.id: [s.probe_id for s in v.samples] for v in views if v.samples}
    assert answered == {ERRORS_15M: ["prometheus.error-rate"], PERFORMANCE_15M: ["prometheus.latency-p95"]}
    assert probes_due(views, live_session.profile) == {}  # probed once per check-in
