"""Throwaway Alertmanager processes (Debian `prometheus-alertmanager`) on 127.0.0.1.

One process per receiver configuration, module scope, clustering off. Nothing here posts
alerts: the only alerts an Alertmanager sees come from a real Prometheus.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.servers import free_port, need_binary, stop, wait_for_port

# Receivers post to the discard port: nothing is ever delivered anywhere.
ONCALL = {"name": "oncall", "pagerduty_configs": [
    {"routing_key": "0123456789abcdef0123456789abcdef", "url": "http://127.0.0.1:9/v2/enqueue"}]}
TEAM_WEBHOOK = {"name": "team-webhook", "webhook_configs": [{"url": "http://127.0.0.1:9/hook"}]}


def _config(route: dict[str, Any], *receivers: dict[str, Any]) -> str:
    return yaml.safe_dump({"route": route, "receivers": list(receivers)})


PAGERDUTY_ROUTED = _config(
    {"receiver": "oncall", "group_wait": "1s", "group_interval": "1s",
     "routes": [{"receiver": "team-webhook", "matchers": ['severity="info"']}]},
    ONCALL, TEAM_WEBHOOK,
)
# A PagerDuty receiver that exists but that no route ever sends to.
PAGERDUTY_UNROUTED = _config({"receiver": "team-webhook"}, TEAM_WEBHOOK, ONCALL)
WEBHOOK_ONLY = _config({"receiver": "team-webhook"}, TEAM_WEBHOOK)
# A route to PagerDuty that sits after a catch-all sibling (no matchers, no `continue`): dead.
PAGERDUTY_SHADOWED = _config(
    {"receiver": "team-webhook",
     "routes": [{"receiver": "team-webhook"}, {"receiver": "oncall", "matchers": ['severity="critical"']}]},
    TEAM_WEBHOOK, ONCALL,
)
# PagerDuty as the root's default, but a child without matchers takes every alert first.
PAGERDUTY_DEFAULT_SHADOWED = _config({"receiver": "oncall", "routes": [{"receiver": "team-webhook"}]}, ONCALL, TEAM_WEBHOOK)
# The same catch-all with `continue: true`: the PagerDuty route after it is reached.
PAGERDUTY_AFTER_CONTINUE = _config(
    {"receiver": "team-webhook",
     "routes": [{"receiver": "team-webhook", "continue": True}, {"receiver": "oncall", "matchers": ['severity="critical"']}]},
    TEAM_WEBHOOK, ONCALL,
)


@dataclass(frozen=True)
class Alertmanager:
    url: str
    directory: Path


AlertmanagerFactory = Callable[[str], Alertmanager]


@pytest.fixture(scope="session")
def alertmanager_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertmanagerFactory]:
    """Start an Alertmanager with the given YAML configuration; one process per configuration."""
    binary = need_binary("prometheus-alertmanager", "alertmanager")
    processes: list[subprocess.Popen] = []
    started: dict[str, Alertmanager] = {}

    def start(config: str) -> Alertmanager:
        if config in started:
            return started[config]
        directory = tmp_path_factory.mktemp("alertmanager")
        (directory / "alertmanager.yml").write_text(config)
        port = free_port()
        log = (directory / "alertmanager.log").open("wb")
        proc = subprocess.Popen(
            [binary, f"--config.file={directory / 'alertmanager.yml'}", f"--storage.path={directory / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=log, stderr=subprocess.STDOUT,
        )
        processes.append(proc)
        wait_for_port(port, proc=proc, timeout=30)
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        started[config] = Alertmanager(url, directory)
        return started[config]

    yield start
    for proc in processes:
        stop(proc)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll until the servers reach a state (a safety bound for fixtures, not a test's limit)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {timeout:g} s")
        time.sleep(0.2)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Poll /-/ready (Prometheus and Alertmanager both serve it)."""

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}")
        try:
            return httpx.get(url + "/-/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, f"{url} ready", timeout)
