"""http.tls-versions against real Python TLS servers with chosen protocol ranges."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from linkflow_console.probes.base import ProbeResult, Status
from tests.servers.tls import ca_file, certificate_authority, server_tls_context  # noqa: F401
from tests.servers.web import (  # noqa: F401
    WebServer,
    evidence,
    refused_port,
    run_with_api,
    silent_port,
    static,
    web_server,
)

V = ssl.TLSVersion


async def sweep_tls(base_url: str, ca: Path, tmp_path: Path) -> ProbeResult:
    return await run_with_api("http.tls-versions", tmp_path, base_url=base_url, ca_file=ca)


def version_answer(result: ProbeResult, label: str) -> str:
    return evidence(result, label).actual


@pytest.fixture(scope="module")
def tls_server(web_server: Callable[..., WebServer], certificate_authority: trustme.CA) -> Callable[[V, V], str]:  # noqa: F811
    def start(minimum: V, maximum: V) -> str:
        return web_server(static(), tls=server_tls_context(certificate_authority, minimum, maximum)).url

    return start


async def test_modern_only_server_passes(tls_server, ca_file, tmp_path):  # noqa: F811
    result = await sweep_tls(tls_server(V.TLSv1_2, V.TLSv1_3), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert version_answer(result, "TLS 1.0").startswith("refused")
    assert version_answer(result, "TLS 1.1").startswith("refused")
    assert version_answer(result, "TLS 1.2").startswith("offered")
    assert version_answer(result, "TLS 1.3").startswith("offered")
    assert result.raw["negotiated"].startswith("TLSv1.3")
    assert result.raw["certificate"].startswith("for 127.0.0.1")


async def test_tls13_only_server_passes_and_reports_12_refused(tls_server, ca_file, tmp_path):  # noqa: F811
    result = await sweep_tls(tls_server(V.TLSv1_3, V.TLSv1_3), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert version_answer(result, "TLS 1.2").startswith("refused")
    assert version_answer(result, "TLS 1.3").startswith("offered")


async def test_server_allowing_tls10_fails(tls_server, ca_file, tmp_path):  # noqa: F811
    result = await sweep_tls(tls_server(V.TLSv1, V.TLSv1_3), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert "TLS 1.0 and TLS 1.1 accepted" in result.summary
    assert version_answer(result, "TLS 1.0").startswith("offered")
    assert evidence(result, "TLS 1.0").ok is False


async def test_legacy_only_server_fails_on_both_rules(tls_server, ca_file, tmp_path):  # noqa: F811
    result = await sweep_tls(tls_server(V.TLSv1, V.TLSv1_1), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert version_answer(result, "TLS 1.2 or 1.3") == "none offered"
    # A 1.2 hello answered by a 1.1-only server selects 1.1: that is a refusal of 1.2, not an offer.
    assert "server selected TLS 1.1" in version_answer(result, "TLS 1.2")


@pytest.mark.parametrize(("port_fixture", "reason"), [
    ("refused_port", "cannot connect"),
    ("silent_port", "could not test TLS 1.0: no answer"),  # never "refused": we could not tell
])
async def test_unanswered_port_is_error(port_fixture, reason, request, ca_file, tmp_path):  # noqa: F811
    port = request.getfixturevalue(port_fixture)
    result = await sweep_tls(f"https://127.0.0.1:{port}", ca_file, tmp_path)
    assert result.status is Status.ERROR
    assert reason in result.summary


async def test_plain_http_server_is_error(web_server, ca_file, tmp_path):  # noqa: F811
    server = web_server(static())
    result = await sweep_tls(server.url.replace("http://", "https://"), ca_file, tmp_path)
    assert result.status is Status.ERROR
    assert "not TLS" in result.summary
