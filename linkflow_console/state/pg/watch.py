"""Live changes from other consoles: LISTEN on a connection of its own, in a worker thread (never on
the UI's event loop), fetching the new events itself and handing them over by callback.

The loop also brings an offline console back: it reconnects with a growing pause, replays this
machine's journal first (in order, exactly once), then reports online and the events it missed.
Notifications are the main path; a periodic read (every `poll` seconds) only backs up a
notification lost with a dropped connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from linkflow_console.state.pg import eventlog, schema
from linkflow_console.state.pg.journal import Journal
from linkflow_console.state.pg.settings import StoreSettings, StoreUnreachable, connect, describe_error

Rows = list[tuple[int, dict[str, Any]]]


@dataclass
class WatchCallbacks:
    last_seq: Callable[[], int]  # the newest seq the console has
    on_events: Callable[[Rows], None]  # new events of the stream, in seq order
    on_status: Callable[[bool, str], None]  # (online, reason when offline)
    stopped: Callable[[], bool]  # the worker was cancelled


def watch(
    settings: StoreSettings,
    checklist: str,
    environment: str,
    journal: Journal,
    callbacks: WatchCallbacks,
    *,
    wait: float = 0.5,
    poll: float = 30.0,
    max_pause: float = 10.0,
) -> None:
    """Run until `callbacks.stopped()`; returns then. Never raises for a network failure."""
    import psycopg

    pause = 0.5
    while not callbacks.stopped():
        conn = None
        try:
            conn = connect(settings)
            schema.require_current(conn, settings.display)
            eventlog.listen(conn)  # before the catch-up read: nothing slips between the two
            journal.replay(lambda events: eventlog.insert_events(conn, events))
            _deliver(conn, checklist, environment, callbacks)
            callbacks.on_status(True, "")
            pause = 0.5
            last_read = time.monotonic()
            while not callbacks.stopped():
                moved = any(
                    n.get("checklist") == checklist and n.get("environment") == environment
                    for n in eventlog.notifications(conn, wait)
                )
                if moved or time.monotonic() - last_read > poll:
                    _deliver(conn, checklist, environment, callbacks)
                    last_read = time.monotonic()
        except (StoreUnreachable, psycopg.OperationalError) as exc:
            callbacks.on_status(False, describe_error(exc))
        except Exception as exc:  # a refused store, a lost privilege: say it, keep trying slowly
            callbacks.on_status(False, str(exc).splitlines()[0])
            pause = max_pause
        finally:
            if conn is not None:
                conn.close()
        deadline = time.monotonic() + pause
        while not callbacks.stopped() and time.monotonic() < deadline:
            time.sleep(0.1)
        pause = min(pause * 2, max_pause)


def _deliver(conn: Any, checklist: str, environment: str, callbacks: WatchCallbacks) -> None:
    rows = eventlog.events_since(conn, checklist, environment, callbacks.last_seq())
    if rows:
        callbacks.on_events(rows)


def wait_for_change(settings: StoreSettings, checklist: str, environment: str, after: int, timeout: float) -> bool:
    """Block up to `timeout` seconds until the stream holds an event after seq `after` (LISTEN,
    then one read so a change made just before listening is not missed). False when offline."""
    import psycopg

    deadline = time.monotonic() + timeout
    try:
        with connect(settings) as conn:
            eventlog.listen(conn)
            if eventlog.events_since(conn, checklist, environment, after):
                return True
            while (left := deadline - time.monotonic()) > 0:
                for notice in eventlog.notifications(conn, left):
                    if notice.get("checklist") == checklist and notice.get("environment") == environment:
                        return True
    except (StoreUnreachable, psycopg.OperationalError):
        return False
    return False
