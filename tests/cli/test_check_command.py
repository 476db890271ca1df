"""`check` end to end against a real local LinkFlow-like API: JSON contract, JUnit, exit codes,
results kept in the state, secrets never shown."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import run_cli
from tests.servers import GENEROUS_TIMEOUT
from tests.servers.api import api, api_server  # noqa: F401

JWT = "Zq8#vR2!mW9@kL4$tY7^pN3&xB6*cF1(hJ5)"
GOOD_ENV = f"""
APP_ENVIRONMENT=production
APP_DEBUG=false
APP_URL=https://api.example.com
APP_FRONTEND_URL=https://app.example.com
DATABASE_URL=postgres://linkflow@db/linkflow
REDIS_URL=redis://redis:6379/0
JWT_SECRET={JWT}
JWT_ACCESS_EXPIRY=15m
JWT_REFRESH_EXPIRY=168h
S3_BUCKET=linkflow-production
LOG_FORMAT=json
"""


@pytest.fixture
def profile(tmp_path, api):  # noqa: F811
    (tmp_path / "production.env").write_text(GOOD_ENV)
    path = tmp_path / "profile.toml"
    path.write_text(f'name = "ci"\ntimeout = {GENEROUS_TIMEOUT}\n[api]\nbase_url = "{api.url}"\n[env]\nfile = "production.env"\n')
    return path


def check(profile, tmp_path, *extra):
    return run_cli("check", "--profile", str(profile), "--state", str(tmp_path / "state.toml"), *extra)


def test_json_report_lists_every_item_with_contract_fields(profile, tmp_path):
    result = check(profile, tmp_path, "--format", "json")
    report = json.loads(result.stdout)
    assert set(report) >= {"profile", "started_at", "finished_at", "items", "counts"}
    assert report["profile"] == "ci" and len(report["items"]) == 121
    items = {i["id"]: i for i in report["items"]}
    first = items["application.health.liveness-probe"]
    assert set(first) >= {"id", "section", "subsection", "text", "status", "summary", "evidence", "duration_ms"}
    assert first["status"] == "pass" and first["section"] == "Application"
    assert items["application.config.debug-disabled"]["status"] == "pass"
    assert items["security.auth.api-key-rotation"]["status"] == "manual"
    assert items["infrastructure.redis.password-auth"]["status"] == "skipped"
    # http:// origin: the TLS probe cannot be passed; the run therefore fails the gate
    assert items["security.network.tls-min-version"]["status"] in ("fail", "error")
    assert sum(report["counts"].values()) == 121
    assert JWT not in result.stdout + result.stderr


def test_exit_codes_follow_the_gate(profile, tmp_path):
    only_healthy = check(profile, tmp_path, "--only", "application.health.liveness-probe", "--format", "json")
    assert only_healthy.returncode == 0
    assert [i["id"] for i in json.loads(only_healthy.stdout)["items"]] == ["application.health.liveness-probe"]
    (tmp_path / "production.env").write_text(GOOD_ENV.replace("APP_DEBUG=false", "APP_DEBUG=true"))
    failing = check(profile, tmp_path, "--only", "application.config.debug-disabled")
    assert failing.returncode == 1
    assert "application.config.debug-disabled" in failing.stderr
    # a waiver accepts the failure for the gate
    run_cli("waive", "application.config.debug-disabled", "--reason", "canary only", "--owner", "ops",
            "--until", "2099-01-01", "--state", str(tmp_path / "state.toml"))
    assert check(profile, tmp_path, "--only", "application.config.debug-disabled").returncode == 0


def test_bad_profile_is_exit_2_with_file_and_line(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text('[api]\nbase_url = "https://x"\n[redis]\npassword = "hunter2"\n')
    result = run_cli("check", "--profile", str(path))
    assert result.returncode == 2
    assert f"{path}:4" in result.stderr and "literal secret" in result.stderr
    assert "hunter2" not in result.stderr


def test_junit_and_results_kept_in_state(profile, tmp_path):
    out = tmp_path / "report.xml"
    check(profile, tmp_path, "--format", "junit", "-o", str(out))
    suite = ET.parse(out).getroot().find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["application.health.liveness-probe"].find("failure") is None
    assert cases["infrastructure.redis.password-auth"].find("skipped") is not None
    exported = json.loads(run_cli("export", "--format", "json", "--state", str(tmp_path / "state.toml")).stdout)
    item = next(i for s in exported["sections"] for sub in s["subsections"] for i in sub["items"] if i["id"] == "application.health.liveness-probe")
    assert item["probes"][0]["status"] == "pass" and item["status"] == "pass"
    assert JWT not in (tmp_path / "state.toml").read_text()
