"""net.internal-ports and net.database-port against real loopback ports: refused, open, filtered."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.probes.ports import port_state_everywhere
from tests.servers import free_port
from tests.servers.web import WebServer, run_with_api, static


@pytest.fixture(scope="module")
def public_url(web_server) -> str:
    """The public host's own port answers (it is alive), so silence elsewhere means filtered."""
    server: WebServer = web_server(static())
    return server.url.replace("http://", "https://")


async def check(probe_id: str, base_url: str, tmp_path: Path, **api: object) -> ProbeResult:
    return await run_with_api(probe_id, tmp_path, timeout=1.0, base_url=base_url, **api)


def evidence(result: ProbeResult, port: int):
    return next(e for e in result.evidence if e.label == f"port {port}")


async def test_closed_and_filtered_ports_pass(public_url, refused_port, filtered_port, tmp_path):
    result = await check("net.internal-ports", public_url, tmp_path, internal_ports=[refused_port, filtered_port])
    assert result.status is Status.PASS, result.summary
    assert "1 closed, 1 filtered" in result.summary
    assert evidence(result, refused_port).actual == "closed (connection refused)"
    assert evidence(result, filtered_port).actual.startswith("filtered (no answer")


async def test_open_internal_port_fails_naming_it(public_url, refused_port, silent_port, tmp_path):
    result = await check("net.internal-ports", public_url, tmp_path, internal_ports=[refused_port, silent_port])
    assert result.status is Status.FAIL
    assert result.summary == f"internal port {silent_port} open on 127.0.0.1"
    assert evidence(result, silent_port).ok is False
    assert result.values["open_ports"] == 1


async def test_open_database_port_fails(public_url, silent_port, tmp_path):
    result = await check("net.database-port", public_url, tmp_path, database_port=silent_port)
    assert result.status is Status.FAIL
    assert f"database port {silent_port} open" in result.summary


async def test_refused_database_port_passes(public_url, refused_port, tmp_path):
    result = await check("net.database-port", public_url, tmp_path, database_port=refused_port)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, refused_port).ok is True


async def test_silence_everywhere_is_error_not_filtered(filtered_port, tmp_path):
    # The public port is silent too: an unreachable host and a firewall look the same from here.
    result = await check("net.database-port", f"https://127.0.0.1:{filtered_port}", tmp_path, database_port=filtered_port)
    assert result.status is Status.ERROR
    assert "cannot tell a firewall from an unreachable host" in result.summary


async def test_unresolvable_host_is_error(tmp_path):
    # A 64-character label is not a valid DNS name: resolution fails locally, no query leaves the box.
    result = await check("net.internal-ports", f"https://{'a' * 64}.example", tmp_path)
    assert result.status is Status.ERROR
    assert result.summary.startswith("cannot resolve")


async def test_refused_public_port_still_proves_the_host_answers(refused_port, filtered_port, tmp_path):
    # The API is down (its port refuses) but the host is up: silence on the internal port is a firewall.
    result = await check("net.database-port", f"https://127.0.0.1:{refused_port}", tmp_path, database_port=filtered_port)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, filtered_port).actual.startswith("filtered")


async def test_a_refusing_internal_port_proves_the_host_answers(filtered_port, tmp_path):
    second = free_port()  # nothing listens: refused
    result = await check("net.internal-ports", f"https://127.0.0.1:{filtered_port}", tmp_path,
                         internal_ports=[filtered_port, second])
    assert result.status is Status.PASS, result.summary
    assert "1 closed, 1 filtered" in result.summary


@pytest.mark.parametrize("port", [0, 70000])
async def test_port_outside_the_tcp_range_is_refused_at_load_not_a_crash(port, public_url, tmp_path):
    from linkflow_console.errors import ProfileError

    with pytest.raises(ProfileError) as caught:  # the profile is checked when read (issue 12), not per probe
        await check("net.internal-ports", public_url, tmp_path, internal_ports=[port])
    assert "between 1 and 65535" in caught.value.message and caught.value.line


async def test_port_open_on_one_address_of_several_is_open(refused_port):
    # A dual-stack host: the firewall covers IPv6 (here: nothing listens on ::1) but not IPv4.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        state = await port_state_everywhere(["::1", "127.0.0.1"], port, 1.0)
    assert state.state == "open", state.detail
    assert state.detail == "open (TCP connect accepted) on 127.0.0.1"
