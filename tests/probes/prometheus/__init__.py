"""Prometheus probes against real Prometheus servers on 127.0.0.1 (see tests/servers/prometheus.py):
the helpers every module here shares."""

from __future__ import annotations

from pathlib import Path

from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile


async def run(probe_id: str, url: str, tmp_path: Path, extra: str = "", timeout: float = 5.0) -> ProbeResult:
    profile = parse_profile(f'timeout = {timeout}\n[prometheus]\nurl = "{url}"\n{extra}', tmp_path / "profile.toml")
    return await run_probe(probe_id, ProbeContext(profile))


def evidence(result: ProbeResult, label: str) -> str:
    return next(e.actual for e in result.evidence if e.label == label)
