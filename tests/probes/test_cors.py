"""http.cors against real HTTPS servers with chosen CORS behaviours."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from linkflow_console.probes.base import ProbeResult, Status
from tests.servers.tls import server_tls_context
from tests.servers.web import Reply, Request, WebServer, cors, evidence, run_with_api

FRONTEND = "https://app.example.com"


async def check_cors(base_url: str, ca: Path, tmp_path: Path, frontend: str | None = FRONTEND) -> ProbeResult:
    return await run_with_api("http.cors", tmp_path, base_url=base_url, ca_file=ca, frontend_origin=frontend)


@pytest.fixture(scope="module")
def cors_server(web_server: Callable[..., WebServer], certificate_authority: trustme.CA) -> Callable[..., str]:
    def start(policy: str, allowed: tuple[str, ...] = (FRONTEND,)) -> str:
        return web_server(cors(policy, allowed), tls=server_tls_context(certificate_authority)).url

    return start


async def test_allowlist_with_frontend_allowed_passes(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("allowlist"), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "preflight from https://evil.example").actual == "no Access-Control-Allow-Origin (200)"
    assert evidence(result, f"preflight from {FRONTEND} (frontend)").ok is True


async def test_no_cors_without_frontend_configured_passes(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("none"), ca_file, tmp_path, frontend=None)
    assert result.status is Status.PASS, result.summary
    assert "frontend_origin not set" in result.summary
    assert evidence(result, "GET from https://evil.example").ok is True


async def test_frontend_not_allowed_warns(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("allowlist", ("https://other.example.com",)), ca_file, tmp_path)
    assert result.status is Status.WARN
    assert evidence(result, f"preflight from {FRONTEND} (frontend)").ok is False


async def test_wildcard_fails(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("wildcard"), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert "Access-Control-Allow-Origin: * allows any origin" in result.summary
    assert evidence(result, "GET from https://evil.example").actual.startswith("Access-Control-Allow-Origin: *")


async def test_reflected_origin_fails(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("reflect"), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert result.summary.startswith("foreign origin https://evil.example reflected")
    assert evidence(result, "preflight from https://evil.example").ok is False


async def test_reflected_with_credentials_fails_loudest(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("reflect-credentials"), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert result.summary.startswith("Foreign origin reflected WITH credentials: https://evil.example")
    assert "Allow-Credentials: true" in evidence(result, "GET from https://evil.example").actual


async def test_prefix_matching_is_caught_by_the_lookalike_origin(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("prefix"), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert "https://app.example.com.evil.example" in result.summary
    assert evidence(result, "preflight from https://evil.example").ok is True


async def test_silent_server_is_error(silent_port, ca_file, tmp_path):
    result = await check_cors(f"https://127.0.0.1:{silent_port}", ca_file, tmp_path)
    assert result.status is Status.ERROR
    assert "no answer within" in result.summary


@pytest.fixture(scope="module")
def app_server(web_server: Callable[..., WebServer], certificate_authority: trustme.CA) -> Callable[..., str]:
    def start(app) -> str:
        return web_server(app, tls=server_tls_context(certificate_authority)).url

    return start


def allow_null_with_credentials(request: Request) -> Reply:
    """The frontend exactly, and `null` for everybody else (a "deny" that is really an allow)."""
    origin = request.headers.get("origin")
    allowed = origin if origin == FRONTEND else "null"
    return Reply(204 if request.method == "OPTIONS" else 200,
                 [("Access-Control-Allow-Origin", allowed), ("Access-Control-Allow-Credentials", "true"),
                  ("Vary", "Origin")], b"")


async def test_allow_origin_null_with_credentials_fails_loudest(app_server, ca_file, tmp_path):
    result = await check_cors(app_server(allow_null_with_credentials), ca_file, tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert result.summary.startswith("Foreign origin reflected WITH credentials: the null origin")
    assert evidence(result, "GET from null").ok is False
    assert evidence(result, "preflight from https://evil.example").ok is True  # "null" is not evil.example


def reflect_on_preflight_only(request: Request) -> Reply:
    if request.method == "OPTIONS":
        return Reply(204, [("Access-Control-Allow-Origin", request.headers.get("origin", "")),
                           ("Access-Control-Allow-Methods", "POST")], b"")
    return Reply(200)


async def test_origin_reflected_only_on_preflight_fails(app_server, ca_file, tmp_path):
    result = await check_cors(app_server(reflect_on_preflight_only), ca_file, tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert "(preflight)" in result.summary
    assert evidence(result, "GET from https://evil.example").ok is True


def suffix_match(request: Request) -> Reply:
    """The classic strings.HasSuffix(origin, "app.example.com") allowlist."""
    origin = request.headers.get("origin", "")
    headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")] if origin.endswith("app.example.com") else []
    return Reply(204 if request.method == "OPTIONS" else 200, headers, b"")


async def test_suffix_matching_is_caught_by_the_suffix_lookalike(app_server, ca_file, tmp_path):
    result = await check_cors(app_server(suffix_match), ca_file, tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert "https://evilapp.example.com" in result.summary
    assert evidence(result, "preflight from https://app.example.com.evil.example").ok is True


async def test_vary_of_the_frontend_answer_is_in_the_evidence(cors_server, ca_file, tmp_path):
    result = await check_cors(cors_server("allowlist"), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "Vary on the frontend's answer").actual == "Origin"
