"""`check --since`: what changed in the probe results since a moment, regressions first, read from
the state's events (so the file and a team store give the same answer)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linkflow_console.errors import UserError
from linkflow_console.probes.base import Evidence, ProbeResult, Status
from linkflow_console.reports.changes import changes_since, parse_since, to_json_fields, to_lines
from linkflow_console.state import StateStore, record
from tests.conftest import FROZEN


def result(probe: str, status: Status, actual: str = "x") -> ProbeResult:
    return ProbeResult(probe, status, f"{probe} is {status}", (Evidence("check", "y", actual, status == Status.PASS),),
                       {}, {}, 10.0, FROZEN)


def test_changes_since_list_new_failures_first_then_regressions_evidence_and_fixes(state_path):
    moments = iter([FROZEN - timedelta(hours=30), FROZEN - timedelta(hours=1)])
    store = StateStore(state_path, "production", "test", clock=lambda: next(moments))
    record.record_results(store, [result("a", Status.PASS), result("b", Status.FAIL), result("c", Status.WARN, "old"),
                                  result("e", Status.PASS)])
    record.record_results(store, [result("a", Status.FAIL), result("b", Status.PASS), result("c", Status.WARN, "new"),
                                  result("d", Status.ERROR), result("e", Status.PASS)])
    since = parse_since("24h", FROZEN)
    assert since == FROZEN - timedelta(hours=24)
    found = changes_since(store.events_since(0)[0], since)
    assert [(c.kind, c.probe, c.before, c.after) for c in found] == [
        ("new-failure", "a", "pass", "fail"),
        ("regressed", "d", None, "error"),
        ("evidence-changed", "c", "warn", "warn"),
        ("fixed", "b", "fail", "pass"),
    ]
    assert to_lines(found, since)[0] == "changed since 2026-11-25 09:30 UTC (4):"
    fields = to_json_fields(found, since)
    assert fields["since"] == "2026-11-25T09:30:00+00:00" and fields["changes"][0] == {
        "probe": "a", "change": "new-failure", "before": "pass", "after": "fail", "summary": "a is fail"}
    # since before anything was recorded: every probe is new
    assert {c.probe for c in changes_since(store.events_since(0)[0], FROZEN - timedelta(days=3))} == {"a", "c", "d"}


def test_since_takes_a_duration_or_a_moment_and_refuses_anything_else():
    assert parse_since("30m", FROZEN) == FROZEN - timedelta(minutes=30)
    assert parse_since("7d", FROZEN) == FROZEN - timedelta(days=7)
    assert parse_since("2026-11-26T08:00Z", FROZEN) == FROZEN - timedelta(hours=1, minutes=30)
    with pytest.raises(UserError, match="neither a duration nor a moment"):
        parse_since("yesterday", FROZEN)


def test_check_since_reports_what_changed_between_two_runs(tmp_path):
    import json
    import time
    from datetime import UTC, datetime

    from tests.cli.test_check_command import GOOD_ENV
    from tests.conftest import run_cli

    env = tmp_path / "production.env"
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "ci"\ntimeout = 3.0\n[env]\nfile = "production.env"\n')
    state = str(tmp_path / "state.toml")
    env.write_text(GOOD_ENV)
    first = run_cli("check", "--profile", str(profile), "--state", state, "--format", "json")
    assert json.loads(first.stdout)["items"]
    between = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.2)  # the second sweep is recorded in a later second than `between`
    env.write_text(GOOD_ENV.replace("APP_DEBUG=false", "APP_DEBUG=true").replace("LOG_FORMAT=json", "LOG_FORMAT=text"))
    second = run_cli("check", "--profile", str(profile), "--state", state, "--format", "json", "--since", between.isoformat())
    report = json.loads(second.stdout)
    assert {"profile", "items", "counts"} <= set(report)  # the contract only gains fields
    assert report["since"] == between.isoformat()
    assert [(c["probe"], c["change"]) for c in report["changes"]] == [
        ("config.app-debug", "new-failure"), ("config.log-format", "new-failure")]
    table = run_cli("check", "--profile", str(profile), "--state", state, "--since", between.isoformat())
    assert "new-failure      config.app-debug" in table.stdout
    bad = run_cli("check", "--profile", str(profile), "--state", state, "--since", "last week")
    assert bad.returncode == 2 and "neither a duration nor a moment" in bad.stderr
