"""http.security-headers against real HTTPS servers sending chosen headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from linkflow_console.probes.base import ProbeResult, Status
from tests.servers.tls import server_tls_context
from tests.servers.web import Reply, WebServer, evidence, run_with_api, static

STRONG = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def check_headers(base_url: str, ca: Path | None, tmp_path: Path) -> ProbeResult:
    return await run_with_api("http.security-headers", tmp_path, base_url=base_url, ca_file=ca)


@pytest.fixture(scope="module")
def https_server(web_server: Callable[..., WebServer], certificate_authority: trustme.CA) -> Callable[[dict], str]:
    def start(headers: dict[str, str]) -> str:
        return web_server(static(200, headers), tls=server_tls_context(certificate_authority)).url

    return start


async def test_strong_headers_pass_with_a_plus(https_server, ca_file, tmp_path):
    result = await check_headers(https_server(STRONG), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert result.raw["grade"] == "A+ (120)"  # 100 + CSP default-src 'none' 10 + frame-ancestors 5 + referrer 5
    assert evidence(result, "Frame protection").actual == "CSP frame-ancestors 'none'"
    assert evidence(result, "X-Content-Type-Options").actual == "nosniff"
    assert "max-age=31536000" in result.raw["headers"]


async def test_no_headers_fail_with_grade_d(https_server, ca_file, tmp_path):
    result = await check_headers(https_server({}), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert result.summary.startswith("HSTS missing, CSP missing, no clickjacking protection")
    assert result.raw["grade"] == "D (30)"  # 100 - 20 HSTS - 25 CSP - 20 XFO - 5 nosniff
    assert result.values["observatory_score"] == 30
    assert evidence(result, "Strict-Transport-Security").actual == "missing"


async def test_short_hsts_and_unsafe_inline_script_warn(https_server, ca_file, tmp_path):
    headers = STRONG | {
        "Strict-Transport-Security": "max-age=86400",
        "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'",
        "X-Frame-Options": "SAMEORIGIN",
    }
    result = await check_headers(https_server(headers), ca_file, tmp_path)
    assert result.status is Status.WARN
    assert "HSTS max-age 86400 s below 15552000" in result.summary
    assert evidence(result, "CSP script sources").actual == "script-src allows 'unsafe-inline'"
    assert evidence(result, "Frame protection").actual == "X-Frame-Options SAMEORIGIN"
    assert result.raw["grade"] == "B (70)"  # 100 - 10 HSTS - 20 CSP unsafe-inline; referrer +5 withheld below 90


async def test_scheme_source_in_default_src_warns_naming_the_directive(https_server, ca_file, tmp_path):
    headers = STRONG | {"Content-Security-Policy": "default-src https: data:; frame-ancestors 'self'"}
    result = await check_headers(https_server(headers), ca_file, tmp_path)
    assert result.status is Status.WARN
    assert evidence(result, "CSP script sources").actual == "default-src allows https: data:"


async def test_nonce_neutralises_unsafe_inline(https_server, ca_file, tmp_path):
    headers = STRONG | {"Content-Security-Policy": "default-src 'self'; script-src 'nonce-r4nd0m' 'unsafe-inline'"}
    result = await check_headers(https_server(headers), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "CSP script sources").ok is True


async def test_unsafe_inline_in_style_src_loses_the_csp_bonus_as_the_observatory_does(https_server, ca_file, tmp_path):
    headers = STRONG | {"Strict-Transport-Security": "max-age=86400",
                        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    del headers["Referrer-Policy"]
    result = await check_headers(https_server(headers), ca_file, tmp_path)
    assert result.raw["grade"] == "A (90)"  # 100 - 10 HSTS; default-src 'none' earns no +10 with inline styles
    assert result.raw["csp result"] == "'unsafe-inline' in style-src (no CSP bonus)"


async def test_strict_dynamic_without_nonce_or_hash_is_an_invalid_policy(https_server, ca_file, tmp_path):
    headers = STRONG | {"Content-Security-Policy": "script-src 'strict-dynamic' https:; object-src 'none'"}
    result = await check_headers(https_server(headers), ca_file, tmp_path)
    assert result.status is Status.FAIL
    line = evidence(result, "Content-Security-Policy")
    assert line.ok is False and line.actual == "invalid: script-src 'strict-dynamic' without a nonce or hash"
    assert result.raw["grade"] == "B (75)"  # 100 - 25 invalid CSP; referrer +5 withheld below 90


async def test_strict_dynamic_with_a_nonce_is_a_clean_policy(https_server, ca_file, tmp_path):
    headers = STRONG | {"Content-Security-Policy": "script-src 'nonce-r4nd0m' 'strict-dynamic' https:; object-src 'none'"}
    result = await check_headers(https_server(headers), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert result.raw["grade"] == "A+ (110)"  # 100 + CSP no unsafe 5 + referrer 5


async def test_allow_from_without_frame_ancestors_fails(https_server, ca_file, tmp_path):
    headers = STRONG | {"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "ALLOW-FROM https://x.example"}
    result = await check_headers(https_server(headers), ca_file, tmp_path)
    assert result.status is Status.FAIL
    assert evidence(result, "Frame protection").ok is False
    assert "not DENY/SAMEORIGIN" in result.summary


async def test_untrusted_certificate_is_error(https_server, tmp_path):
    result = await check_headers(https_server(STRONG), None, tmp_path)
    assert result.status is Status.ERROR
    assert "CERTIFICATE_VERIFY_FAILED" in result.summary


@pytest.mark.parametrize(("port_fixture", "reason"), [("refused_port", "cannot connect"), ("silent_port", "no answer within")])
async def test_unanswered_port_is_error(port_fixture, reason, request, ca_file, tmp_path):
    port = request.getfixturevalue(port_fixture)
    result = await check_headers(f"https://127.0.0.1:{port}", ca_file, tmp_path)
    assert result.status is Status.ERROR
    assert reason in result.summary


@pytest.fixture(scope="module")
def https_server_list(web_server: Callable[..., WebServer], certificate_authority: trustme.CA) -> Callable[[list], str]:
    """Like https_server, with headers as a list: the same name may repeat."""
    def start(headers: list[tuple[str, str]]) -> str:
        return web_server(lambda request: Reply(200, headers), tls=server_tls_context(certificate_authority)).url

    return start


def strong_except(*names: str) -> list[tuple[str, str]]:
    return [(name, value) for name, value in STRONG.items() if name not in names]


async def test_several_hsts_headers_judge_the_first(https_server_list, ca_file, tmp_path):
    # RFC 6797 8.1: only the first Strict-Transport-Security header counts.
    headers = strong_except("Strict-Transport-Security") + [
        ("Strict-Transport-Security", "max-age=31536000"), ("Strict-Transport-Security", "max-age=0")]
    result = await check_headers(https_server_list(headers), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "Strict-Transport-Security").actual == "max-age=31536000"

    headers = strong_except("Strict-Transport-Security") + [
        ("strict-transport-security", 'max-age="86400"'), ("Strict-Transport-Security", "max-age=31536000")]
    result = await check_headers(https_server_list(headers), ca_file, tmp_path)
    assert result.status is Status.WARN, result.summary
    assert "HSTS max-age 86400 s below 15552000" in result.summary


async def test_repeated_x_frame_options_deny_protects(https_server_list, ca_file, tmp_path):
    # Two proxies each adding DENY is common; browsers treat DENY, DENY as DENY.
    headers = strong_except("Content-Security-Policy", "X-Frame-Options") + [
        ("Content-Security-Policy", "default-src 'self'"), ("X-Frame-Options", "DENY"), ("x-frame-options", "deny")]
    result = await check_headers(https_server_list(headers), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "Frame protection").actual == "X-Frame-Options DENY"


async def test_unsafe_inline_is_not_hidden_by_a_separate_frame_ancestors_policy(https_server_list, ca_file, tmp_path):
    # Two CSP headers: the second restricts no script, so the first's 'unsafe-inline' still applies.
    headers = strong_except("Content-Security-Policy") + [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'"),
        ("Content-Security-Policy", "frame-ancestors 'none'")]
    result = await check_headers(https_server_list(headers), ca_file, tmp_path)
    assert result.status is Status.WARN, result.summary
    assert evidence(result, "CSP script sources").actual == "script-src allows 'unsafe-inline'"
    assert evidence(result, "Frame protection").actual == "CSP frame-ancestors 'none'"


async def test_a_second_strict_policy_neutralises_the_first_ones_weakness(https_server_list, ca_file, tmp_path):
    headers = strong_except("Content-Security-Policy") + [
        ("Content-Security-Policy", "script-src 'self' 'unsafe-inline'"), ("Content-Security-Policy", "script-src 'self'")]
    result = await check_headers(https_server_list(headers), ca_file, tmp_path)
    assert result.status is Status.PASS, result.summary


async def test_an_unreadable_ca_file_is_error_naming_it(https_server, tmp_path):
    result = await check_headers(https_server(STRONG), tmp_path / "missing-ca.pem", tmp_path)
    assert result.status is Status.ERROR  # our trust anchor is missing: we could not tell
    assert "api.ca_file" in result.summary and "missing-ca.pem" in result.summary
