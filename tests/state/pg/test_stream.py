"""Events through a real PostgreSQL: concurrent writers, live notifications, the offline journal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from linkflow_console.state.pg.settings import StoreSettings
from linkflow_console.state.pg.stream import EventStream
from linkflow_console.state.pg.watch import WatchCallbacks, watch
from tests.conftest import REPO
from tests.servers.postgres import PgServer
from tests.state.pg.conftest import make_event, restart, stop

pytestmark = pytest.mark.servers




def count(server: PgServer, database: str) -> int:
    return server.sql("SELECT count(*) FROM linkflow_console.events", database=database)[0][0]


WRITER = """
import json, sys, uuid
from linkflow_console.probes.profile import SecretRef
from linkflow_console.state.pg.settings import StoreSettings
from linkflow_console.state.pg.stream import EventStream
url, env, name, directory = sys.argv[1:5]
stream = EventStream(StoreSettings(url, SecretRef(env=env)), "production", "team", directory=__import__("pathlib").Path(directory)).open()
for n in range(200):
    item = f"item-{n % 7}"
    shared = stream.append({"v": 1, "id": uuid.uuid4().hex, "kind": "note", "target": item, "fields": {"text": f"{name} {n}"},
                            "by": name, "at": "2026-11-26T09:30:00+00:00", "checklist": "production", "environment": "team"})
    assert shared, "the store was reachable: nothing may be journaled"
print(json.dumps(stream.seq))
"""


def test_two_processes_200_changes_each_give_400_events_in_each_writers_order(store: StoreSettings, team_pg: PgServer, database: str, tmp_path: Path):
    from tests.state.pg.conftest import CONSOLE_ENV

    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, store.url, CONSOLE_ENV, name, str(tmp_path / name)],
                         cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("alice", "bob")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert count(team_pg, database) == 400
    events = EventStream(store, "production", "team", directory=tmp_path / "reader").open().events()
    assert len(events) == len({e["id"] for e in events}) == 400
    for name in ("alice", "bob"):  # each writer's changes keep their order in the server's
        assert [e["fields"]["text"] for e in events if e["by"] == name] == [f"{name} {n}" for n in range(200)]
    # the server's order decides an item's last word, and the history keeps both writers
    last = [e for e in events if e["target"] == "item-0"][-1]
    assert last["fields"]["text"] in ("alice 196", "bob 196")
    assert {e["by"] for e in events if e["target"] == "item-0"} == {"alice", "bob"}


def test_a_watcher_hears_another_consoles_change(store: StoreSettings, tmp_path: Path):
    mine = EventStream(store, "production", "team", directory=tmp_path / "mine").open()
    heard: list[dict] = []
    online = threading.Event()
    arrived = threading.Event()
    stopping = threading.Event()

    def on_events(rows):
        mine.merge(rows)
        heard.extend(event for _, event in rows)
        arrived.set()

    callbacks = WatchCallbacks(lambda: mine.seq, on_events, lambda up, _: up and online.set(), stopping.is_set)
    thread = threading.Thread(target=watch, args=(store, "production", "team", mine.journal, callbacks), kwargs={"poll": 3600})
    thread.start()
    try:
        assert online.wait(30)
        theirs = EventStream(store, "production", "team", directory=tmp_path / "theirs").open()
        elsewhere = EventStream(store, "production", "staging", directory=tmp_path / "theirs").open()
        elsewhere.append(make_event(environment="staging"))  # another environment: not ours
        event = make_event(kind="note", text="from another machine")
        theirs.append(event)
        assert arrived.wait(30)
        assert [e["id"] for e in heard] == [event["id"]]
        assert [e["id"] for e in mine.events()] == [event["id"]]
    finally:
        stopping.set()
        thread.join(30)
    assert not thread.is_alive()


def test_server_stopped_mid_session_journals_then_replays_exactly_once(store: StoreSettings, team_pg: PgServer, database: str, tmp_path: Path):
    stream = EventStream(store, "production", "team", directory=tmp_path).open()
    first = make_event(kind="tick")
    assert stream.append(first) is True
    stop(team_pg)
    try:
        queued = [make_event(kind="note", text=f"offline {n}") for n in range(3)]
        assert [stream.append(event) for event in queued] == [False, False, False]
        assert not stream.online and stream.offline_since is not None
        assert stream.waiting == 3
        assert [e["id"] for e in stream.events()] == [first["id"]] + [e["id"] for e in queued]
        # a new console on this machine opens on the last state it had plus the journal
        reopened = EventStream(store, "production", "team", directory=tmp_path).open()
        assert not reopened.online
        assert [e["id"] for e in reopened.events()] == [first["id"]] + [e["id"] for e in queued]
        journal_text = stream.journal.path.read_text()
    finally:
        restart(team_pg)
    assert CONSOLE_PASSWORD_NOT_IN(journal_text)
    assert stream.refresh(retry_after=0) is True
    assert stream.online and stream.waiting == 0 and stream.offline_since is None
    assert [e["id"] for e in stream.events()] == [first["id"]] + [e["id"] for e in queued]
    assert count(team_pg, database) == 4
    # a second console replaying the same (now empty) journal changes nothing
    assert EventStream(store, "production", "team", directory=tmp_path).open().waiting == 0
    assert count(team_pg, database) == 4


def CONSOLE_PASSWORD_NOT_IN(text: str) -> bool:
    from tests.state.pg.conftest import CONSOLE_PASSWORD

    return CONSOLE_PASSWORD not in text and "password" not in text


KILLED_REPLAY = """
import os, sys
from linkflow_console.probes.profile import SecretRef
from linkflow_console.state.pg import eventlog
from linkflow_console.state.pg.journal import Journal
from linkflow_console.state.pg.settings import StoreSettings, connect
url, env, journal_path = sys.argv[1:4]
conn = connect(StoreSettings(url, SecretRef(env=env)))
def push_then_die(events):
    eventlog.insert_events(conn, events)  # committed...
    os._exit(9)                           # ...and killed before the journal is emptied
Journal(__import__("pathlib").Path(journal_path)).replay(push_then_die)
"""


def test_console_killed_during_a_replay_never_doubles_an_event(store: StoreSettings, team_pg: PgServer, database: str, tmp_path: Path):
    from tests.state.pg.conftest import CONSOLE_ENV

    stream = EventStream(store, "production", "team", directory=tmp_path)
    queued = [make_event(kind="note", text=f"offline {n}") for n in range(5)]
    for event in queued:
        stream.journal.append(event)
    assert os.stat(stream.journal.path).st_mode & 0o077 == 0  # only this user reads what waits
    killed = subprocess.run([sys.executable, "-c", KILLED_REPLAY, store.url, CONSOLE_ENV, str(stream.journal.path)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    assert count(team_pg, database) == 5
    assert stream.waiting == 5  # still journaled: the kill came before the journal was emptied
    stream.open()  # replays again: the ids make it a no-op
    assert count(team_pg, database) == 5
    assert stream.waiting == 0
    assert [e["id"] for e in stream.events()] == [e["id"] for e in queued]


def test_a_line_torn_by_a_crash_is_skipped_and_later_changes_kept(store: StoreSettings, tmp_path: Path):
    stream = EventStream(store, "production", "team", directory=tmp_path)
    stream.journal.path.parent.mkdir(parents=True, exist_ok=True)
    stream.journal.path.write_text('{"v": 1, "id": "torn", "kind": "no')  # never acknowledged
    later = make_event(kind="note", text="after the crash")
    stream.journal.append(later)
    assert [e["id"] for e in stream.journal.pending()] == [later["id"]]
    stream.open()
    assert [e["id"] for e in stream.events()] == [later["id"]]
    assert json.loads(json.dumps(stream.events()[0])) == later


def test_text_the_store_cannot_keep_is_refused_before_it_is_journaled(store: StoreSettings, tmp_path: Path):
    from linkflow_console.errors import UserError

    stream = EventStream(store, "production", "team", directory=tmp_path).open()
    with pytest.raises(UserError, match="NUL"):
        stream.append(make_event(kind="note", text="bad\x00byte"))
    assert stream.waiting == 0 and stream.events() == []
