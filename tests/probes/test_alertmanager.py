"""Alertmanager probes against real Alertmanager and Prometheus servers on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.servers.alertmanager import (
    PAGERDUTY_AFTER_CONTINUE,
    PAGERDUTY_DEFAULT_SHADOWED,
    PAGERDUTY_SHADOWED,
    PAGERDUTY_UNROUTED,
    WEBHOOK_ONLY,
    AlertmanagerFactory,
)
from tests.servers.prometheus import Prometheus

pytestmark = pytest.mark.servers


async def run(probe_id: str, alertmanager: str, tmp_path: Path, prometheus: str | None = None,
              timeout: float = 5.0) -> ProbeResult:
    text = f'timeout = {timeout}\n[alertmanager]\nurl = "{alertmanager}"\n'
    if prometheus:
        text += f'[prometheus]\nurl = "{prometheus}"\n'
    return await run_probe(probe_id, ProbeContext(parse_profile(text, tmp_path / "profile.toml")))


# --- paging receiver ------------------------------------------------------------------------


async def test_routed_pagerduty_receiver_passes(alertmanager_paging: str, tmp_path: Path) -> None:
    result = await run("alertmanager.paging-receiver", alertmanager_paging, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert result.summary == "paging receiver oncall is routed"
    assert result.raw["routed receivers"] == "oncall, team-webhook"


async def test_webhook_only_fails_naming_what_exists(alertmanager_factory: AlertmanagerFactory, tmp_path: Path) -> None:
    result = await run("alertmanager.paging-receiver", alertmanager_factory(WEBHOOK_ONLY).url, tmp_path)
    assert result.status == Status.FAIL
    assert "have team-webhook: webhook" in result.summary


async def test_unrouted_pagerduty_receiver_fails(alertmanager_factory: AlertmanagerFactory, tmp_path: Path) -> None:
    result = await run("alertmanager.paging-receiver", alertmanager_factory(PAGERDUTY_UNROUTED).url, tmp_path)
    assert result.status == Status.FAIL
    assert "oncall exists but no route sends to it" in result.summary



async def test_pagerduty_route_after_a_catch_all_sibling_fails(alertmanager_factory: AlertmanagerFactory, tmp_path: Path) -> None:
    result = await run("alertmanager.paging-receiver", alertmanager_factory(PAGERDUTY_SHADOWED).url, tmp_path)
    assert result.status == Status.FAIL, result.summary
    assert "oncall is never reached" in result.summary and "catch-all route (to team-webhook" in result.summary
    assert result.raw["routed receivers"] == "team-webhook"


async def test_pagerduty_default_behind_a_catch_all_child_fails(alertmanager_factory: AlertmanagerFactory, tmp_path: Path) -> None:
    result = await run("alertmanager.paging-receiver", alertmanager_factory(PAGERDUTY_DEFAULT_SHADOWED).url, tmp_path)
    assert result.status == Status.FAIL, result.summary
    assert "oncall is never reached" in result.summary


async def test_pagerduty_route_after_a_continuing_catch_all_passes(
    alertmanager_factory: AlertmanagerFactory, tmp_path: Path
) -> None:
    result = await run("alertmanager.paging-receiver", alertmanager_factory(PAGERDUTY_AFTER_CONTINUE).url, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert result.raw["routed receivers"] == "oncall, team-webhook"

# --- end to end -----------------------------------------------------------------------------


async def test_watchdog_reaches_alertmanager(prometheus_good: Prometheus, alertmanager_paging: str, tmp_path: Path) -> None:
    result = await run("alertmanager.alert-end-to-end", alertmanager_paging, tmp_path, prometheus_good.url)
    assert result.status == Status.PASS, result.summary
    assert any(e.label.startswith("Watchdog") and e.actual == "visible" for e in result.evidence)


async def test_alert_not_reaching_this_alertmanager_fails(
    prometheus_good: Prometheus, alertmanager_paging: str, alertmanager_factory: AlertmanagerFactory, tmp_path: Path
) -> None:
    other = alertmanager_factory(WEBHOOK_ONLY).url  # the good Prometheus never sends here
    result = await run("alertmanager.alert-end-to-end", other, tmp_path, prometheus_good.url)
    assert result.status == Status.FAIL
    assert f"Prometheus sends to {alertmanager_paging}/api/v2/alerts" in result.summary
    assert next(e for e in result.evidence if e.label == "Prometheus's Alertmanagers").ok is False


async def test_prometheus_without_alertmanager_fails(
    prometheus_bad: Prometheus, alertmanager_paging: str, tmp_path: Path
) -> None:
    result = await run("alertmanager.alert-end-to-end", alertmanager_paging, tmp_path, prometheus_bad.url)
    assert result.status == Status.FAIL
    assert "Prometheus has no Alertmanager configured" in result.summary
    assert any(e.label.startswith("HighErrorRate{prometheus=bad") and e.ok is False for e in result.evidence)


async def test_nothing_firing_is_warn(prometheus_empty: Prometheus, alertmanager_paging: str, tmp_path: Path) -> None:
    result = await run("alertmanager.alert-end-to-end", alertmanager_paging, tmp_path, prometheus_empty.url)
    assert result.status == Status.WARN
    assert result.summary == "no test alert to follow; add a Watchdog rule (vector(1))"


# --- could not tell (refused and silent ports: see test_prometheus.py) ---------------------


async def test_end_to_end_without_prometheus_url_is_skipped(alertmanager_paging: str, tmp_path: Path) -> None:
    result = await run("alertmanager.alert-end-to-end", alertmanager_paging, tmp_path)
    assert result.status == Status.SKIPPED
    assert "prometheus.url" in result.summary


async def test_prometheus_instead_of_alertmanager_is_error(prometheus_empty: Prometheus, tmp_path: Path) -> None:
    result = await run("alertmanager.paging-receiver", prometheus_empty.url, tmp_path)
    assert result.status == Status.ERROR
    assert "/api/v2/status" in result.summary
