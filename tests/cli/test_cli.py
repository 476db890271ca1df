"""Headless commands: same state, same audit log, clear errors, stable exit codes."""

import json
import tomllib

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
    assert "security\tSecurity\t1\t17\t" in result.stdout and "total\tTotal\t1\t121\t" in result.stdout  # piped: for scripts


def test_status_names_recorded_items_the_checklist_no_longer_has(tmp_path):
    state = tmp_path / "s.toml"
    run_cli("tick", ITEM, "--state", str(state))
    state.write_text(state.read_text() + '\n[items."security.old.renamed-item"]\ndone = true\n')
    result = run_cli("status", "--state", str(state))
    assert result.returncode == 0 and "total\tTotal\t1\t121\t" in result.stdout  # not counted
    assert "security.old.renamed-item" in result.stderr and "kept" in result.stderr
    assert "security.old.renamed-item" in state.read_text()


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


def test_twenty_parallel_tick_processes_lose_nothing(tmp_path):
    import os
    import subprocess
    import sys

    from linkflow_console.checklist import load_checklist
    from linkflow_console.paths import bundled_checklist

    state = tmp_path / "s.toml"
    ids = [item.id for item in load_checklist(bundled_checklist()).all_items()][:20]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "linkflow_console", "tick", item, "--note", f"n {item}", "--state", str(state)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        )
        for item in ids
    ]
    outputs = [proc.communicate() for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 20, outputs
    data = json.loads(run_cli("export", "--format", "json", "--state", str(state)).stdout)
    done = {i["id"] for s in data["sections"] for sub in s["subsections"] for i in sub["items"] if i["done"]}
    assert done == set(ids)
    assert len((tmp_path / "s.audit.jsonl").read_text().splitlines()) == 20


def test_state_of_another_environment_is_refused_unless_env_matches(tmp_path):
    state = tmp_path / "s.toml"
    assert run_cli("tick", ITEM, "--state", str(state), "--env", "staging").returncode == 0
    before = state.read_text()
    wrong = run_cli("tick", "security.network.cors", "--state", str(state), "--env", "production")
    assert wrong.returncode == 2 and "environment 'staging'" in wrong.stderr and "--env staging" in wrong.stderr
    assert state.read_text() == before
    # --state without --env uses the file's own environment
    assert run_cli("tick", "security.network.cors", "--state", str(state)).returncode == 0
    data = json.loads(run_cli("export", "--format", "json", "--state", str(state)).stdout)
    assert data["environment"] == "staging" and data["progress"]["done"] == 2
    assert json.loads((tmp_path / "s.audit.jsonl").read_text().splitlines()[-1])["environment"] == "staging"


def test_hand_broken_state_is_never_written_by_a_command(tmp_path):
    state = tmp_path / "s.toml"
    state.write_text(f'checklist = "production"\n# mine\n[items."{ITEM}"]\ndone = "yes"\n')
    result = run_cli("tick", "security.network.cors", "--state", str(state))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{state}:4" in result.stderr and "done must be true or false" in result.stderr
    assert state.read_text() == f'checklist = "production"\n# mine\n[items."{ITEM}"]\ndone = "yes"\n'
    assert not (tmp_path / "s.audit.jsonl").exists()


def test_unwritable_state_location_exits_2_not_internal_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("tick", ITEM, "--state", str(blocker / "s.toml"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot write the state there" in result.stderr


def test_data_dir_that_does_not_exist_yet_is_created(tmp_path):
    import os
    import subprocess
    import sys

    data = tmp_path / "new" / "deeper"
    env = {**os.environ, "LINKFLOW_CONSOLE_DATA": str(data)}
    cmd = [sys.executable, "-m", "linkflow_console", "tick", ITEM]
    assert subprocess.run(cmd, env=env, capture_output=True, text=True).returncode == 0
    assert tomllib.loads((data / "production.default.state.toml").read_text())["items"][ITEM]["done"] is True


def test_import_of_a_non_utf8_file_exits_2(tmp_path):
    source = tmp_path / "latin1.md"
    source.write_bytes("## Sécurité\n- [ ] Chiffré\n".encode("latin-1"))
    result = run_cli("import", str(source), "-o", str(tmp_path / "x.toml"))
    assert result.returncode == 2 and "not UTF-8" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_import_with_an_invalid_id_names_the_flag(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("## S\n- [ ] a\n")
    result = run_cli("import", str(source), "-o", str(tmp_path / "x.toml"), "--id", "Bad Id")
    assert result.returncode == 2 and "--id 'Bad Id'" in result.stderr
