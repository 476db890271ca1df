"""http.tls-versions against real Python TLS servers with chosen protocol ranges."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from linkflow_console.probes.base import ProbeResult, Status
from tests.servers.tls import TLS10, TLS11, TLS12, TLS13, alert, server_hello, server_tls_context
from tests.servers.web import WebServer, evidence, run_with_api, static

V = ssl.TLSVersion


async def sweep_tls(base_url: str, ca: Path, tmp_path: Path) -> ProbeResult:
    return await run_with_api("http.tls-versions", tmp_path, base_url=base_url, ca_file=ca)


def version_answer(result: ProbeResult, label: str) -> str:
    return evidence(result, label).actual


@pytest.fixture(scope="module")
def tls_server(web_server: Callable[..., WebServer], certificate_authority: trustme.CA) -> Callable[[V, V], str]:
    def start(minimum: V, maximum: V) -> str:
        return web_server(static(), tls=server_tls_context(certificate_authority, minimum, maximum)).url

    return start


async def test_modern_only_server_passes(tls_server, ca_file, tmp_path):
    result = await sweep_tls(tls_server(V.TLSv1_2, V.TLSv1_3), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert version_answer(result, "TLS 1.0").startswith("refused")
    assert version_answer(result, "TLS 1.1").startswith("refused")
    assert version_answer(result, "TLS 1.2").startswith("offered")
    assert version_answer(result, "TLS 1.3").startswith("offered")
    assert result.raw["negotiated"].startswith("TLSv1.3")
    assert result.raw["certificate"].startswith("for 127.0.0.1")


async def test_tls13_only_server_passes_and_reports_12_refused(tls_server, ca_file, tmp_path):
    result = await sweep_tls(tls_server(V.TLSv1_3, V.TLSv1_3), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert version_answer(result, "TLS 1.2").startswith("refused")
    assert version_answer(result, "TLS 1.3").startswith("offered")


async def test_server_allowing_tls10_fails(tls_server, ca_file, tmp_path):
    result = await sweep_tls(tls_server(V.TLSv1, V.TLSv1_3), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert "TLS 1.0 and TLS 1.1 accepted" in result.summary
    assert version_answer(result, "TLS 1.0").startswith("offered")
    assert evidence(result, "TLS 1.0").ok is False


async def test_legacy_only_server_fails_on_both_rules(tls_server, ca_file, tmp_path):
    result = await sweep_tls(tls_server(V.TLSv1, V.TLSv1_1), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert version_answer(result, "TLS 1.2 or 1.3") == "none offered"
    # A 1.2 hello answered by a 1.1-only server selects 1.1: that is a refusal of 1.2, not an offer.
    assert "server selected TLS 1.1" in version_answer(result, "TLS 1.2")


@pytest.mark.parametrize(("port_fixture", "reason"), [
    ("refused_port", "cannot connect"),
    ("silent_port", "could not test TLS 1.0: no answer"),  # never "refused": we could not tell
])
async def test_unanswered_port_is_error(port_fixture, reason, request, ca_file, tmp_path):
    port = request.getfixturevalue(port_fixture)
    result = await sweep_tls(f"https://127.0.0.1:{port}", ca_file, tmp_path)
    assert result.status is Status.ERROR
    assert reason in result.summary


async def test_plain_http_server_is_error(web_server, ca_file, tmp_path):
    server = web_server(static())
    result = await sweep_tls(server.url.replace("http://", "https://"), ca_file, tmp_path)
    assert result.status is Status.ERROR
    assert "not TLS" in result.summary


# --- hand-scripted servers: answers no TLS library can be configured to give -------------------------

def modern_hello(version: int) -> bytes:
    """A ServerHello as a 1.2/1.3 server sends it for the version asked (1.3 via supported_versions)."""
    return server_hello(TLS12, TLS13, cipher=0x1301) if version == TLS13 else server_hello(TLS12)


async def test_legacy_hello_answered_with_a_12_server_hello_reads_as_refused(scripted_tls_server, ca_file, tmp_path):
    # A server that "negotiates up": every hello gets a TLS 1.2 ServerHello, never an alert.
    server = scripted_tls_server(lambda version: server_hello(TLS12))
    result = await sweep_tls(server.url, ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert version_answer(result, "TLS 1.0") == "refused (server selected TLS 1.2)"
    assert evidence(result, "TLS 1.0").ok is True
    assert version_answer(result, "TLS 1.1") == "refused (server selected TLS 1.2)"
    assert version_answer(result, "TLS 1.2").startswith("offered")


async def test_refusal_alert_code_does_not_matter(scripted_tls_server, ca_file, tmp_path):
    answers = {TLS10: alert(80), TLS11: alert(40)}  # internal_error, handshake_failure: not protocol_version
    server = scripted_tls_server(lambda version: answers.get(version) or modern_hello(version))
    result = await sweep_tls(server.url, ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert version_answer(result, "TLS 1.0") == "refused (alert 80 internal_error, no ServerHello)"
    assert version_answer(result, "TLS 1.1") == "refused (alert 40 handshake_failure, no ServerHello)"
    assert version_answer(result, "TLS 1.3").startswith("offered")


async def test_server_closing_every_connection_is_error_not_fail(scripted_tls_server, ca_file, tmp_path):
    # A TCP proxy with a dead backend: accepts, reads, closes. Nothing says which versions it refuses.
    server = scripted_tls_server(lambda version: b"")
    result = await sweep_tls(server.url, ca_file, tmp_path)
    assert result.status is Status.ERROR, result.summary
    assert "no TLS answer to any ClientHello" in result.summary


async def test_closing_on_legacy_hellos_only_is_a_refusal(scripted_tls_server, ca_file, tmp_path):
    server = scripted_tls_server(lambda version: modern_hello(version) if version >= TLS12 else b"")
    result = await sweep_tls(server.url, ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert version_answer(result, "TLS 1.0") == "refused (closed the connection, no ServerHello)"


async def test_malformed_server_hello_is_error_without_traceback(scripted_tls_server, ca_file, tmp_path):
    truncated = b"\x16\x03\x03\x00\x08" + b"\x02\x00\x00\x04" + b"\x03\x03\x00\x00"  # a 4-byte ServerHello
    server = scripted_tls_server(lambda version: truncated)
    result = await sweep_tls(server.url, ca_file, tmp_path)
    assert result.status is Status.ERROR
    assert "malformed ServerHello" in result.summary
    assert "unexpectedly" not in result.summary


async def test_legacy_server_hello_to_a_modern_hello_is_still_judged_by_the_legacy_hellos(scripted_tls_server, ca_file, tmp_path):
    # Negotiating down: asked for 1.2 or 1.3, the server picks 1.0; asked for 1.0 it accepts.
    server = scripted_tls_server(lambda version: server_hello(TLS10, cipher=0x002F))
    result = await sweep_tls(server.url, ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert version_answer(result, "TLS 1.0").startswith("offered")
    assert version_answer(result, "TLS 1.2") == "refused (server selected TLS 1.0)"


async def test_unreadable_ca_file_is_reported_not_a_crash(tls_server, tmp_path):
    result = await sweep_tls(tls_server(V.TLSv1_2, V.TLSv1_3), tmp_path / "missing-ca.pem", tmp_path)
    assert result.status is Status.PASS, result.summary  # the raw-socket verdict needs no trust store
    assert "cannot load api.ca_file" in result.raw["negotiated"]
