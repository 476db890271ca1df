"""The Prometheus API client: what keeps a probe from telling is `error`, never `fail`."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.probes.prometheus import run
from tests.servers.prometheus import Prometheus

pytestmark = pytest.mark.servers


# --- could not tell -------------------------------------------------------------------------


def dead_profile(port: int, timeout: float, tmp_path: Path) -> ProbeContext:
    url = f"http://127.0.0.1:{port}"
    text = f'timeout = {timeout}\n[prometheus]\nurl = "{url}"\n[alertmanager]\nurl = "{url}"\n'
    return ProbeContext(parse_profile(text, tmp_path / "profile.toml"))


DEAD_HOST_PROBES = ["prometheus.targets-up", "prometheus.alert-latency", "alertmanager.paging-receiver"]


@pytest.mark.parametrize("probe_id", DEAD_HOST_PROBES)
async def test_refused_port_is_error(refused_port: int, tmp_path: Path, probe_id: str) -> None:
    result = await run_probe(probe_id, dead_profile(refused_port, 5.0, tmp_path))
    assert result.status == Status.ERROR
    assert result.summary.startswith(f"cannot connect to 127.0.0.1:{refused_port}")


@pytest.mark.parametrize("probe_id", DEAD_HOST_PROBES)
async def test_silent_port_is_error(silent_port: int, tmp_path: Path, probe_id: str) -> None:
    # 2 s: the client's own 1.6 s read timeout must fire before the engine's, even on a loaded machine.
    result = await run_probe(probe_id, dead_profile(silent_port, 2.0, tmp_path))
    assert result.status == Status.ERROR
    assert "did not answer within 1.6 s" in result.summary


async def test_refused_token_is_error(prometheus_auth: Prometheus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Basic auth in front of the API refuses our bearer token: we cannot tell, so error, never fail.
    monkeypatch.setenv("LF_TEST_PROMETHEUS_TOKEN", "not-the-password")
    token = 'token = { env = "LF_TEST_PROMETHEUS_TOKEN" }\n'
    result = await run("prometheus.targets-up", prometheus_auth.url, tmp_path, token)
    assert result.status == Status.ERROR
    assert "HTTP 401" in result.summary and "not-the-password" not in result.summary
