"""`linkflow-console launch ...` end to end (a real subprocess on a temporary state file)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import run_cli

ERRORS_15M = "post-launch.first-24h.monitor-error-rates@15m"


@pytest.fixture
def state_args(tmp_path: Path) -> list[str]:
    return ["--state", str(tmp_path / "launch.state.toml"), "--operator", "dana"]


def launch(*args: str):
    return run_cli("launch", *args)


def test_start_status_checkin_and_log_survive_between_runs(state_args) -> None:
    t0 = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%MZ")
    started = launch("start", "--at", t0, *state_args)
    assert started.returncode == 0, started.stderr
    assert "launch clock started" in started.stdout

    status = launch("status", *state_args)
    assert status.returncode == 1, status.stderr  # NO-GO, like a failing `check`
    assert "Launch clock T+00:2" in status.stdout
    assert "NO-GO" in status.stdout
    assert launch("status", "--exit-zero", *state_args).returncode == 0  # the old behaviour, asked for
    assert f"● {ERRORS_15M}  due" in status.stdout

    assert launch("checkin", ERRORS_15M, "--note", "0.2 %", *state_args).returncode == 0
    assert launch("log", "payments webhook failing", "--kind", "incident", *state_args).returncode == 0
    assert launch("log", "stay live", "--decision", "go", *state_args).returncode == 0

    status = launch("status", "--all", "--exit-zero", *state_args)
    assert f"✓ {ERRORS_15M}  done" in status.stdout and "done by dana" in status.stdout
    assert "Last decision: go by dana" in status.stdout

    reopened = launch("checkin", ERRORS_15M, "--reopen", *state_args)
    assert reopened.returncode == 0 and "reopened" in reopened.stdout
    assert f"✓ {ERRORS_15M}" not in launch("status", "--all", *state_args).stdout
    assert launch("checkin", ERRORS_15M, "--reopen", *state_args).returncode == 2  # nothing to reopen

    exported = run_cli("export", *state_args)
    assert "## Launch log" in exported.stdout
    assert "**incident** dana: payments webhook failing" in exported.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["start", "--at", "half past nine"],
        ["log", "x", "--kind", "decision"],
        ["log", "x", "--decision", "perhaps"],  # argparse choices: also exit 2
        ["checkin", "no-such@1h"],
        ["status", "--schedule", "/nonexistent/launch-schedule.toml"],
        ["status", "--run-due"],  # no profile
    ],
)
def test_bad_input_exits_2_with_a_fix_and_no_traceback(state_args, args) -> None:
    result = launch(*args, *state_args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "fix" in result.stderr


def test_checkin_before_the_clock_starts_exits_2(state_args) -> None:
    result = launch("checkin", ERRORS_15M, *state_args)
    assert result.returncode == 2
    assert "has not started" in result.stderr


def test_a_second_start_needs_force(state_args) -> None:
    assert launch("start", *state_args).returncode == 0
    again = launch("start", "--at", "now", *state_args)
    assert again.returncode == 2 and "--force" in again.stderr
    assert launch("start", "--force", *state_args).returncode == 0


def test_checkin_of_a_later_check_in_exits_2_naming_when_it_is_due(state_args) -> None:
    assert launch("start", *state_args).returncode == 0
    result = launch("checkin", "post-launch.first-24h.monitor-error-rates@24h", *state_args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not due yet: it comes due at T+24h" in result.stderr and "fix:" in result.stderr
