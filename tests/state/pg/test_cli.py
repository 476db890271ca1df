"""The CLI on a team store: two CLIs changing items at once, and a store that goes away mid-session."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, run_cli
from tests.servers.postgres import PgServer
from tests.state.pg.conftest import CONSOLE, CONSOLE_ENV, OWNER, OWNER_ENV, console_settings, restart, stop

pytestmark = pytest.mark.servers

# Each change goes through the CLI's own entry point (argument parsing, a session opened on the
# store, the event recorded), 200 times in one process: the interpreter's start-up is not the test.
CLI_LOOP = """
import sys
from linkflow_console.checklist import load_checklist
from linkflow_console.cli import main
from linkflow_console.paths import bundled_checklist
url, who, verb, env = (sys.argv[1:5] + ["team"])[:4]
items = [item.id for item in load_checklist(bundled_checklist()).all_items()][:100]
for n in range(200):
    args = ["tick", items[n % 100], "--note", f"{who} {n}"] if verb == "tick" else ["note", items[n % 100], f"{who} {n}"]
    code = main([*args, "--state", url, "--env", env, "--operator", who])
    assert code == 0, code
"""


@pytest.fixture
def url(team_pg: PgServer, database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PGPASSWORD", os.environ[OWNER_ENV])
    owner_url = f"postgresql://{OWNER}@127.0.0.1:{team_pg.port}/{database}"
    done = run_cli("state", "init", "--state", owner_url, "--grant", CONSOLE)
    assert done.returncode == 0, done.stderr
    assert "created the console store (schema version 1)" in done.stdout
    assert f"{CONSOLE}: may read the store and insert events (no update, no delete)" in done.stdout
    again = run_cli("state", "init", "--state", owner_url)
    assert "already at schema version 1; nothing changed" in again.stdout
    monkeypatch.setenv("PGPASSWORD", os.environ[CONSOLE_ENV])  # the consoles use the least-privileged role
    return console_settings(team_pg, database).url


def test_two_clis_200_changes_each_end_with_400_events_and_the_servers_order(url: str, team_pg: PgServer, database: str):
    procs = [subprocess.Popen([sys.executable, "-c", CLI_LOOP, url, who, verb], cwd=REPO, env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for who, verb in (("alice", "tick"), ("bob", "note"))]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    assert team_pg.sql("SELECT count(*), count(DISTINCT id) FROM linkflow_console.events", database=database) == [(400, 400)]
    exported = run_cli("export", "--format", "json", "--state", url, "--env", "team")
    assert exported.returncode == 0, exported.stderr
    items = {}
    pending = [i for s in json.loads(exported.stdout)["sections"] for sub in s["subsections"] for i in sub["items"]]
    while pending:
        item = pending.pop()
        items[item["id"]] = item
        pending.extend(item["children"])
    # the note an item shows is the last one in the server's order, whichever console wrote it
    last_note = dict(team_pg.sql(
        "SELECT DISTINCT ON (target) target, fields->>'note' FROM linkflow_console.events ORDER BY target, seq DESC",
        database=database))
    assert len(last_note) == 100
    for item_id, note in last_note.items():
        item = items[item_id]
        assert item["done"] and item["by"] == "alice"
        assert item["note"] == note
        assert sorted(h["action"] for h in item["history"]) == ["note", "note", "tick", "tick"]


def test_store_down_the_cli_records_locally_says_so_then_shares_exactly_once(url: str, team_pg: PgServer, database: str):
    item = "security.network.tls-min-version"
    assert run_cli("tick", item, "--state", url, "--env", "team").returncode == 0
    stop(team_pg)
    try:
        offline = run_cli("note", item, "written offline", "--state", url, "--env", "team")
        assert offline.returncode == 0, offline.stderr
        assert "recorded locally, not yet shared" in offline.stderr
        assert "1 change(s) wait" in offline.stderr
        assert os.environ[CONSOLE_ENV] not in offline.stderr + offline.stdout
        shown = run_cli("export", "--format", "json", "--state", url, "--env", "team")
        assert shown.returncode == 0, shown.stderr
        assert '"note": "written offline"' in shown.stdout  # the last state it had, plus the journal
    finally:
        restart(team_pg)
    back = run_cli("status", "--state", url, "--env", "team")
    assert back.returncode == 0, back.stderr
    assert "not yet shared" not in back.stderr
    rows = team_pg.sql("SELECT kind, fields->>'note' FROM linkflow_console.events ORDER BY seq", database=database)
    assert rows == [("tick", ""), ("note", "written offline")]
    run_cli("status", "--state", url, "--env", "team")
    assert team_pg.sql("SELECT count(*) FROM linkflow_console.events", database=database) == [(2,)]


def test_a_database_that_is_not_a_store_is_refused_with_exit_2(team_pg: PgServer, monkeypatch: pytest.MonkeyPatch):
    foreign = f"postgresql://{OWNER}@127.0.0.1:{team_pg.port}/postgres"
    monkeypatch.setenv("PGPASSWORD", os.environ[OWNER_ENV])
    done = run_cli("status", "--state", foreign)
    assert done.returncode == 2
    assert "is not a linkflow-console store" in done.stderr and "state init" in done.stderr
    assert "Traceback" not in done.stderr
    literal = run_cli("status", "--state", f"postgresql://{OWNER}:{os.environ[OWNER_ENV]}@127.0.0.1:{team_pg.port}/postgres")
    assert literal.returncode == 2 and os.environ[OWNER_ENV] not in literal.stderr


def test_an_empty_store_names_the_command_that_brings_local_ticks_over(url: str):
    item = "security.network.tls-min-version"
    assert run_cli("tick", item, "--env", "team").returncode == 0  # the default local state file
    opened = run_cli("status", "--state", url, "--env", "team")
    assert opened.returncode == 0, opened.stderr
    assert "the team store has no state for 'team' yet" in opened.stderr
    command = opened.stderr.split("bring them over with: ")[1].strip()
    assert command.startswith("linkflow-console state copy --from ") and f"--to {url} --env team" in command
    moved = run_cli(*command.split()[1:])
    assert moved.returncode == 0, moved.stderr
    assert "copied 1 event(s)" in moved.stdout
    after = run_cli("export", "--format", "json", "--state", url, "--env", "team")
    assert "no state for" not in after.stderr
    assert '"done": true' in after.stdout


def test_every_kind_of_command_works_on_the_store(url: str, team_pg: PgServer, database: str):
    item = "dr.multi-region.failover-dns"
    base = ("--state", url, "--env", "team", "--operator", "carol")
    for args in (("na", item, "--reason", "single region"), ("na", item, "--clear", "--reason", "-"),
                 ("waive", item, "--reason", "edge does it", "--owner", "dave", "--until", "2099-01-01"),
                 ("unwaive", item), ("untick", item, "--note", "regressed"),
                 ("launch", "start", "--at", "2026-11-26T09:00Z"), ("launch", "log", "webhooks 502", "--kind", "incident"),
                 ("launch", "log", "all clear", "--decision", "go")):
        done = run_cli(*args, *base)
        assert done.returncode == 0, (args, done.stderr)
    again = run_cli("launch", "start", "--at", "2026-11-26T10:00Z", *base)
    assert again.returncode == 2 and "already started" in again.stderr  # refused: nothing stored
    status = run_cli("launch", "status", *base)
    assert status.returncode == 1, status.stderr  # NO-GO: blockers still open
    kinds = [k for (k,) in team_pg.sql("SELECT kind FROM linkflow_console.events ORDER BY seq", database=database)]
    assert kinds == ["na", "clear-na", "waive", "unwaive", "untick", "launch-start", "log", "decision"]
    exported = run_cli("export", "--format", "markdown", *base)
    assert "webhooks 502" in exported.stdout and "all clear" in exported.stdout
