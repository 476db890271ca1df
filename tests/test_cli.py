"""Headless commands: same state, same audit log, clear errors, stable exit codes."""

import json

from tests.conftest import run_cli

ITEM = "security.network.https-redirect"


def test_tick_untick_note_na_waive_cycle(tmp_path):
    state = str(tmp_path / "s.toml")
    assert run_cli("tick", ITEM, "--note", "301 seen", "--state", state, "--operator", "ann").returncode == 0
    assert run_cli("note", ITEM, "rechecked after deploy", "--state", state).returncode == 0
    assert run_cli("untick", ITEM, "--state", state).returncode == 0
    assert run_cli("na", ITEM, "--reason", "no plain HTTP listener", "--state", state).returncode == 0
    assert run_cli("na", ITEM, "--reason", "-", "--clear", "--state", state).returncode == 0
    assert run_cli("waive", ITEM, "--reason", "legacy LB", "--owner", "bob", "--until", "2099-12-31", "--state", state).returncode == 0
    assert run_cli("unwaive", ITEM, "--state", state).returncode == 0
    data = json.loads(run_cli("export", "--format", "json", "--state", state).stdout)
    item = next(i for s in data["sections"] for sub in s["subsections"] for i in sub["items"] if i["id"] == ITEM)
    assert [h["action"] for h in item["history"]] == ["tick", "note", "untick", "na", "clear-na", "waive", "unwaive"]
    assert item["status"] == "open" and item["waiver"] is None and item["na_reason"] is None
    audit = (tmp_path / "s.audit.jsonl").read_text().splitlines()
    assert len(audit) == 7


def test_status_shows_progress_per_section(tmp_path):
    state = str(tmp_path / "s.toml")
    run_cli("tick", ITEM, "--state", state)
    result = run_cli("status", "--state", state)
    assert result.returncode == 0
    assert "Security" in result.stdout and "1/17" in result.stdout and "1/121" in result.stdout


def test_unknown_item_suggests_close_ids_and_exits_2(tmp_path):
    result = run_cli("tick", "security.network.https-redirct", "--state", str(tmp_path / "s.toml"))
    assert result.returncode == 2
    assert "did you mean security.network.https-redirect" in result.stderr


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("waive", ITEM, "--reason", "x", "--owner", "y", "--until", "soon").returncode == 2
    assert run_cli("na", ITEM).returncode == 2  # --reason is required
    assert run_cli("frobnicate").returncode == 2
    past = run_cli("waive", ITEM, "--reason", "x", "--owner", "y", "--until", "2001-01-01", "--state", str(tmp_path / "s.toml"))
    assert past.returncode == 2 and "in the past" in past.stderr


def test_check_without_profile_is_a_usage_error():
    result = run_cli("check")
    assert result.returncode == 2 and "--profile" in result.stderr


def test_secret_set_without_keyring_backend_points_to_env(tmp_path):
    result = run_cli("secret", "set", "linkflow/test/redis", input_text="s3cr3t-value\n")
    # a headless box has no keyring backend: a clear message, no crash, the secret not echoed
    if result.returncode == 0:
        assert "stored linkflow/test/redis" in result.stdout
    else:
        assert result.returncode == 2
        assert "no usable keyring backend" in result.stderr and '{ env = "VAR" }' in result.stderr
    assert "s3cr3t-value" not in result.stdout + result.stderr
