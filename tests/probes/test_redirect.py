"""http.https-redirect against real plain-HTTP servers answering with chosen redirects."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from tests.servers.web import evidence, redirect, run_with_api, static

HEALTH = "/api/v1/health"


async def check_redirect(http_url: str, tmp_path: Path) -> ProbeResult:
    return await run_with_api("http.https-redirect", tmp_path, base_url="https://127.0.0.1:8443", http_url=http_url)


@pytest.mark.parametrize("code", [301, 308])
async def test_permanent_redirect_to_https_same_host_path_kept_passes(code, web_server, tmp_path):
    server = web_server(redirect(code, lambda path: f"https://127.0.0.1:8443{path}"))
    result = await check_redirect(server.url, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "path kept").actual == HEALTH
    assert result.raw["status"] == str(code)


@pytest.mark.parametrize(("code", "location", "weakness", "label", "actual"), [
    (302, f"https://127.0.0.1{HEALTH}", "temporary 302", "status", "302"),
    (301, "https://127.0.0.1/", "path not kept", "path kept", "/"),
])
async def test_weaker_redirect_warns(code, location, weakness, label, actual, web_server, tmp_path):
    server = web_server(redirect(code, lambda path: location))
    result = await check_redirect(server.url, tmp_path)
    assert result.status is Status.WARN
    assert weakness in result.summary
    assert evidence(result, label).actual == actual
    assert evidence(result, label).ok is False


async def test_no_redirect_fails(web_server, tmp_path):
    server = web_server(static(200))
    result = await check_redirect(server.url, tmp_path)
    assert result.status is Status.FAIL
    assert result.summary.startswith("no redirect")
    assert evidence(result, "status").actual == "200"


@pytest.mark.parametrize(("location", "label", "actual"), [
    (f"http://127.0.0.1:9999{HEALTH}", "scheme", "http"),  # still plain HTTP
    (f"https://www.example.org{HEALTH}", "host", "www.example.org"),  # elsewhere
])
async def test_redirect_elsewhere_fails(location, label, actual, web_server, tmp_path):
    server = web_server(redirect(301, lambda path: location))
    result = await check_redirect(server.url, tmp_path)
    assert result.status is Status.FAIL
    assert evidence(result, label).actual == actual
    assert evidence(result, label).ok is False


@pytest.mark.parametrize(("port_fixture", "reason"), [
    ("refused_port", "cannot connect to 127.0.0.1"),
    ("silent_port", "no answer within"),
])
async def test_unanswered_http_port_is_error(port_fixture, reason, request, tmp_path):
    port = request.getfixturevalue(port_fixture)
    result = await check_redirect(f"http://127.0.0.1:{port}", tmp_path)
    assert result.status is Status.ERROR
    assert reason in result.summary


async def test_invalid_location_fails_without_traceback(web_server, tmp_path):
    server = web_server(redirect(301, lambda path: "https://[not-an-address/api/v1/health"))
    result = await check_redirect(server.url, tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert "invalid URL" in result.summary


async def test_http_url_with_a_path_prefix_keeps_the_whole_path(web_server, tmp_path):
    # api.http_url = http://host/prefix: the request is /prefix/api/v1/health, and so must the redirect be.
    server = web_server(redirect(301, lambda path: f"https://127.0.0.1:8443{path}"))
    result = await check_redirect(server.url + "/prefix", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "path kept").actual == "/prefix" + HEALTH


async def test_prefix_dropped_by_the_redirect_warns(web_server, tmp_path):
    server = web_server(redirect(301, lambda path: f"https://127.0.0.1:8443{HEALTH}"))
    result = await check_redirect(server.url + "/prefix", tmp_path)
    assert result.status is Status.WARN, result.summary
    assert "path not kept (/prefix/api/v1/health -> /api/v1/health)" in result.summary
