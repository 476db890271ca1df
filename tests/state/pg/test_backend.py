"""The PostgreSQL backend against the StateBackend contract: same events, same state, same export as
the TOML file; `state copy` both ways is lossless."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkflow_console.state import StateStore, record
from linkflow_console.state.apply import EventRefused
from linkflow_console.state.backend import copy_events
from linkflow_console.state.pg.backend import PostgresBackend
from linkflow_console.state.pg.settings import StoreSettings
from tests.conftest import FROZEN, run_cli
from tests.servers.postgres import PgServer
from tests.state.test_events import ITEM, _export, _record_a_launch_day

pytestmark = pytest.mark.servers




def backend(settings: StoreSettings, tmp_path: Path, name: str = "a", environment: str = "test") -> PostgresBackend:
    return PostgresBackend(settings, "production", environment, clock=lambda: FROZEN, directory=tmp_path / name)


def audit(events) -> list[dict]:
    return [event.to_dict() for event in events]


def test_the_same_events_give_the_same_state_and_export_as_the_file(store: StoreSettings, state_path: Path, tmp_path: Path):
    team = backend(store, tmp_path)
    _record_a_launch_day(team)
    assert team.shared
    file = StateStore(state_path, "production", "test", clock=lambda: FROZEN)
    assert copy_events(team, file) == 17
    assert team.load() == file.load()
    assert _export(team) == _export(file)
    # another console opening the store folds the same state
    assert backend(store, tmp_path, "b").load() == file.load()


def test_round_trip_file_to_store_to_file_keeps_export_and_audit_trail(store: StoreSettings, state_path: Path, tmp_path: Path, monkeypatch):
    original = StateStore(state_path, "production", "test", clock=lambda: FROZEN)
    _record_a_launch_day(original)
    url = store.url
    monkeypatch.setenv("PGPASSWORD", __import__("os").environ["LF_TEST_STATE_CONSOLE_PW"])
    back = tmp_path / "back.state.toml"
    there = run_cli("state", "copy", "--from", str(state_path), "--to", url)
    assert there.returncode == 0, there.stderr
    assert "copied 17 event(s) of production/test" in there.stdout and "postgresql://" in there.stdout
    again = run_cli("state", "copy", "--from", str(state_path), "--to", url)
    assert "copied 0 event(s)" in again.stdout and "(17 already there)" in again.stdout
    home = run_cli("state", "copy", "--from", url, "--to", str(back), "--env", "test")
    assert home.returncode == 0, home.stderr
    returned = StateStore(back, "production", "test", clock=lambda: FROZEN)
    assert audit(returned.events_since(0)[0]) == audit(original.events_since(0)[0])
    assert _export(returned) == _export(original)
    via_store = run_cli("export", "--format", "json", "--state", url, "--env", "test")
    via_file = run_cli("export", "--format", "json", "--state", str(state_path))
    assert via_store.returncode == 0, via_store.stderr
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "exported_at"}  # noqa: E731
    assert strip(via_store.stdout) == strip(via_file.stdout)


def test_a_refused_event_is_not_stored(store: StoreSettings, tmp_path: Path, team_pg: PgServer, database: str):
    from linkflow_console.launch import record as launch_record

    team = backend(store, tmp_path)
    launch_record.start_clock(team, "alice", FROZEN)
    with pytest.raises(EventRefused):
        launch_record.start_clock(team, "bob", FROZEN)
    assert team_pg.sql("SELECT count(*) FROM linkflow_console.events", database=database) == [(1,)]


def test_two_operators_on_one_item_resolve_by_server_order_and_both_stay_in_history(store: StoreSettings, tmp_path: Path):
    alice, bob = backend(store, tmp_path, "alice"), backend(store, tmp_path, "bob")
    alice.load(), bob.load()
    record.tick(alice, ITEM, "alice", "looks fine")
    record.untick(bob, ITEM, "bob", "regressed")  # bob's console had not seen alice's tick
    for console in (alice, bob):
        item = console.load().item(ITEM)
        assert not item.done and item.by == "bob"
        assert [(h.action, h.by) for h in item.history] == [("tick", "alice"), ("untick", "bob")]


def test_watch_returns_when_another_console_changes_the_state(store: StoreSettings, tmp_path: Path):
    import threading

    watcher, writer = backend(store, tmp_path, "watcher"), backend(store, tmp_path, "writer")
    watcher.load()
    woke: list[bool] = []
    thread = threading.Thread(target=lambda: woke.append(watcher.watch(timeout=60)))
    thread.start()
    record.tick(writer, ITEM, "bob")
    thread.join(90)
    assert woke == [True]
    assert watcher.load().item(ITEM).done
    assert watcher.watch(timeout=0.2) is False  # nothing new since


def test_an_event_from_a_newer_console_is_skipped_and_said(store: StoreSettings, tmp_path: Path):
    from linkflow_console.state.pg import eventlog
    from linkflow_console.state.pg.settings import connect
    from tests.state.pg.conftest import make_event

    team = backend(store, tmp_path)
    record.tick(team, ITEM, "alice")
    with connect(store) as conn:
        eventlog.insert_events(conn, [make_event(kind="escalate", target=ITEM, environment="test")])
    other = backend(store, tmp_path, "other")
    assert other.load().item(ITEM).done
    assert other.status_line() == "1 change(s) from a newer console skipped (upgrade this one)"
    assert len(other.events_since(0)[0]) == 1


def test_a_read_only_viewer_changes_nothing(store: StoreSettings, tmp_path: Path, team_pg: PgServer, database: str):
    from linkflow_console.errors import UserError

    viewer = backend(store, tmp_path)
    viewer.read_only = True
    with pytest.raises(UserError, match="read-only"):
        record.tick(viewer, ITEM, "viewer")
    assert team_pg.sql("SELECT count(*) FROM linkflow_console.events", database=database) == [(0,)]
    assert viewer.stream.waiting == 0
