"""The events table: insert (idempotent by id) with a notification, read since a seq, listen.

An event here is the flat JSON object of the event contract: v, id, kind, target, fields, by, at,
checklist, environment. The notification says only which stream moved and to which seq; the
listener reads the events itself (a payload is limited to 8000 bytes and is not the truth).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from linkflow_console.errors import UserError
from linkflow_console.state.pg.schema import LOCK_KEY, SCHEMA

CHANNEL = "linkflow_console_events"
KEYS = ("v", "id", "kind", "target", "fields", "by", "at", "checklist", "environment")
_COLUMNS = ", ".join(f'"{key}"' for key in KEYS)
_INSERT = (
    f"INSERT INTO {SCHEMA}.events ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (id) DO NOTHING RETURNING seq"
)


def check_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as stored, or a UserError for what PostgreSQL could not keep (a NUL character).

    Called before an event is journaled too: a journal line the server would refuse would block
    every later replay."""
    missing = [key for key in KEYS if key not in event]
    if missing:
        raise ValueError(f"event lacks {', '.join(missing)}")
    if not isinstance(event["fields"], dict):
        raise ValueError("event fields must be an object")
    text = json.dumps(event, ensure_ascii=False)
    if "\\u0000" in text or "\x00" in text:
        raise UserError("the text holds a NUL character, which the team store cannot keep",
                        fix="remove the control character and record it again")
    return {key: event[key] for key in KEYS}


def _row(event: dict[str, Any]) -> tuple[Any, ...]:
    from psycopg.types.json import Jsonb

    return tuple(Jsonb(event[key]) if key == "fields" else event[key] for key in KEYS)


def insert_events(conn: Any, events: Iterable[dict[str, Any]]) -> list[int | None]:
    """Insert in one transaction, in order; the seq of each, None for one already there (a retry).

    The advisory lock makes seq order commit order, so `events_since(seq)` never skips an event
    that commits late. The notification is sent on commit, in the same transaction."""
    events = [check_event(event) for event in events]
    if not events:
        return []
    seqs: list[int | None] = []
    moved: dict[tuple[str, str], int] = {}
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        with conn.cursor() as cursor:
            for event in events:
                cursor.execute(_INSERT, _row(event))
                row = cursor.fetchone()
                seqs.append(row[0] if row else None)
                if row:
                    moved[(event["checklist"], event["environment"])] = row[0]
        for (checklist, environment), seq in moved.items():
            payload = json.dumps({"checklist": checklist, "environment": environment, "seq": seq})
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
    return seqs


def events_since(conn: Any, checklist: str, environment: str, after: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """(seq, event) of one stream after `after`, in the server's order."""
    rows = conn.execute(
        f"SELECT seq, {_COLUMNS} FROM {SCHEMA}.events WHERE checklist = %s AND environment = %s AND seq > %s ORDER BY seq",
        (checklist, environment, after),
    ).fetchall()
    return [(row[0], dict(zip(KEYS, row[1:]))) for row in rows]


def streams(conn: Any) -> list[tuple[str, str, int]]:
    """(checklist, environment, event count) of every stream in the store."""
    return [tuple(row) for row in conn.execute(
        f"SELECT checklist, environment, count(*) FROM {SCHEMA}.events GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()]


def _parse(payload: str) -> dict[str, Any] | None:
    try:
        data = json.loads(payload)
    except ValueError:
        return None  # another program's NOTIFY on our channel: not ours to act on
    return data if isinstance(data, dict) else None


def listen(conn: Any) -> None:
    conn.execute(f"LISTEN {CHANNEL}")


def notifications(conn: Any, timeout: float) -> Iterator[dict[str, Any]]:
    """Notifications that arrive within `timeout` seconds (sync; the CLI and worker threads)."""
    for notify in conn.notifies(timeout=timeout):
        data = _parse(notify.payload)
        if data is not None:
            yield data


async def listen_async(conn: Any) -> AsyncIterator[dict[str, Any]]:
    """Every notification on an async connection, as it arrives (for an async worker)."""
    await conn.execute(f"LISTEN {CHANNEL}")
    async for notify in conn.notifies():
        data = _parse(notify.payload)
        if data is not None:
            yield data
