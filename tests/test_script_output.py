"""Piped output is for scripts: ids and commands never wrapped or padded; `status --format json`
and `list`; a blocker ticked by hand carries its evidence into the export."""

from __future__ import annotations

import json

from tests.conftest import run_cli

LONG_ID = "security.network.tls-min-version"


def test_probes_piped_keeps_every_id_on_one_line(tmp_path):
    result = run_cli("probes", "--state", str(tmp_path / "s.toml"))
    assert result.returncode == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == 3 for row in rows)
    assert sum(LONG_ID in row[1].split(",") for row in rows) == 1  # `grep -c` finds it
    assert not any(line != line.strip() for line in result.stdout.splitlines())  # no padding


def test_runbook_piped_is_the_markdown_with_commands_whole(tmp_path):
    result = run_cli("runbook", "infrastructure.redis.memory-limits", "--state", str(tmp_path / "s.toml"))
    assert result.returncode == 0
    assert result.stdout.startswith("## ")
    assert "```" in result.stdout  # code fences kept: the commands are as written
    assert not any(line.endswith(" ") for line in result.stdout.splitlines())


def test_status_piped_and_as_json(tmp_path):
    state = str(tmp_path / "s.toml")
    assert run_cli("tick", "security.network.cors", "--state", state).returncode == 0
    text = run_cli("status", "--state", state).stdout.splitlines()
    assert text[0] == "# environment\tdefault" and text[1].startswith("# state\t") and text[1].endswith("s.toml")
    assert text[2] == "section\ttitle\tdone\ttotal\tfailing\tcould_not_tell\topen_blockers"
    assert "security\tSecurity\t1\t17\t0\t0\t" in "\n".join(text)
    data = json.loads(run_cli("status", "--format", "json", "--state", state).stdout)
    assert data["format"] == "linkflow-console.status/1" and data["environment"] == "default"
    assert data["progress"] == {"done": 1, "total": 121}
    assert (data["failing"], data["could_not_tell"]) == (0, 0)
    assert data["sections"][0]["id"] == "security" and data["sections"][0]["done"] == 1


def test_list_gives_one_item_per_line(tmp_path):
    state = str(tmp_path / "s.toml")
    run_cli("tick", "security.network.cors", "--state", state)
    rows = [line.split("\t") for line in run_cli("list", "--state", state).stdout.splitlines()]
    assert len(rows) >= 121 and all(len(row) == 4 for row in rows)
    cors = next(row for row in rows if row[0] == "security.network.cors")
    assert cors[1] == "done" and cors[3] == "CORS properly configured"


def test_a_blocker_ticked_by_hand_carries_its_evidence_into_the_export(tmp_path):
    state = str(tmp_path / "s.toml")
    ticked = run_cli("tick", LONG_ID, "--note", "openssl s_client refused 1.1", "--evidence", "https://tickets/SEC-12", "--state", state)
    assert ticked.returncode == 0 and "no evidence" not in ticked.stderr
    exported = run_cli("export", "--state", state).stdout
    assert "openssl s_client refused 1.1 (evidence: https://tickets/SEC-12)" in exported
    bare = run_cli("tick", "security.network.https-redirect", "--state", state)  # a script: ticked, and told
    assert bare.returncode == 0 and "blocker ticked with no evidence" in bare.stderr


def test_check_table_piped_is_one_tab_separated_line_per_item(tmp_path):
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "ci"\ntimeout = 1.0\n[api]\nbase_url = "http://127.0.0.1:9"\n')  # nothing listens: could not tell
    result = run_cli("check", "--profile", str(profile), "--state", str(tmp_path / "s.toml"),
                     "--only", "application.health.liveness-probe", LONG_ID, "--fail-on", "error")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == ["application.health.liveness-probe", LONG_ID]
    assert all(len(row) == 4 for row in rows)
    assert result.returncode == 1  # --fail-on error: could not tell fails the gate
