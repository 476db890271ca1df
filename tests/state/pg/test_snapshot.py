"""A store of many events opens from a local snapshot: the same state as folding every event."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.state import events as ev
from linkflow_console.state.events import Event
from linkflow_console.state.pg import eventlog, schema
from linkflow_console.state.pg.backend import PostgresBackend
from linkflow_console.state.pg.settings import StoreSettings, connect
from linkflow_console.state.pg.snapshot import SNAPSHOT_EVERY
from tests.conftest import FROZEN
from tests.servers.postgres import PgServer
from tests.state.pg.conftest import owner_settings

pytestmark = pytest.mark.servers


def batch(count: int, start: int = 0) -> list[dict]:
    kinds = [ev.TICK, ev.NOTE, ev.UNTICK, ev.NA, ev.CLEAR_NA]
    return [Event.new(kinds[n % 5], f"item-{n % 37}", {"note": f"n{n}", "reason": f"r{n}"}, by=f"op{n % 3}", at=FROZEN,
                      checklist="production", environment="big").to_dict() for n in range(start, start + count)]


def test_opening_from_the_snapshot_gives_the_same_state_as_the_full_fold(team_pg: PgServer, database: str, tmp_path: Path):
    settings: StoreSettings = owner_settings(team_pg, database)
    with connect(settings) as conn:
        schema.init_store(conn, settings.display)
        eventlog.insert_events(conn, batch(SNAPSHOT_EVERY * 2 + 17))
    first = PostgresBackend(settings, "production", "big", directory=tmp_path / "here")
    full = first.load()
    assert first.stream.snapshot_path.exists()
    with connect(settings) as conn:  # more events after the snapshot: folded on top of it
        eventlog.insert_events(conn, batch(40, start=5000))
    again = PostgresBackend(settings, "production", "big", directory=tmp_path / "here")
    from_snapshot = again.load()
    assert again._snapshot_seq > 0  # it did start from the snapshot
    elsewhere = PostgresBackend(settings, "production", "big", directory=tmp_path / "elsewhere").load()
    assert from_snapshot == elsewhere != full
    assert sum(len(item.history) for item in from_snapshot.items.values()) == SNAPSHOT_EVERY * 2 + 17 + 40


def test_a_snapshot_of_another_store_is_not_used(team_pg: PgServer, database: str, tmp_path: Path):
    settings = owner_settings(team_pg, database)
    with connect(settings) as conn:
        schema.init_store(conn, settings.display)
        eventlog.insert_events(conn, batch(SNAPSHOT_EVERY + 1))
    backend = PostgresBackend(settings, "production", "big", directory=tmp_path)
    backend.load()
    text = backend.stream.snapshot_path.read_text()
    backend.stream.snapshot_path.write_text(text.replace(backend.stream.store_id, "0" * 32))
    from linkflow_console.state.pg.snapshot import read_snapshot

    assert read_snapshot(backend.stream.snapshot_path, backend.stream.store_id) is None
    assert read_snapshot(backend.stream.snapshot_path, "0" * 32) is not None
    fresh = PostgresBackend(settings, "production", "big", directory=tmp_path)
    assert fresh.load() == backend.state  # folded from the events instead
