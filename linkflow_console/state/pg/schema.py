"""The store's schema: `state init` creates or migrates it; opening checks it is ours and not newer.

Everything lives in its own PostgreSQL schema, so a store can share a database with other
applications. Migrations only ever add (tables, columns, indexes): no data is dropped. A meta table
holds a marker (this is a console store) and the schema version; a console refuses a database
without the marker, and one whose version is newer than it knows.
"""

from __future__ import annotations

import uuid
from typing import Any

from linkflow_console.errors import UserError

SCHEMA = "linkflow_console"
MARKER = "linkflow-console state store"
VERSION = 1
# Held while migrating and while inserting events: inserts commit in seq order (a reader that
# has seen seq N has seen everything below it), and two `state init` runs never interleave.
LOCK_KEY = 0x6C696E6B666C6F77  # "linkflow"

MIGRATIONS: dict[int, list[str]] = {
    1: [
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"CREATE TABLE {SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL)",
        f"""CREATE TABLE {SCHEMA}.events (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            v integer NOT NULL,
            kind text NOT NULL,
            target text NOT NULL,
            fields jsonb NOT NULL,
            "by" text NOT NULL,
            at text NOT NULL,
            checklist text NOT NULL,
            environment text NOT NULL,
            inserted_at timestamptz NOT NULL DEFAULT now()
        )""",
        f"CREATE INDEX events_by_stream ON {SCHEMA}.events (checklist, environment, seq)",
        f"COMMENT ON TABLE {SCHEMA}.events IS 'linkflow-console: one row per state change; append-only, never updated'",
    ],
}
assert max(MIGRATIONS) == VERSION


class StoreRefused(UserError):
    """The database is not a console store, or one of a newer console: nothing is changed."""


def _init_fix(display: str) -> str:
    return f"run `linkflow-console state init --state {display}` as the database's owner"


def read_version(conn: Any, display: str) -> int | None:
    """The store's schema version; None when the database holds no console store at all.

    A schema of our name that is not ours is refused, never touched."""
    schema_exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone()
    if not schema_exists:
        return None
    meta = conn.execute(  # the catalog, not to_regclass: it needs no privilege on the schema
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = 'meta'",
        (SCHEMA,),
    ).fetchone()
    if meta is None:
        raise StoreRefused(
            f"{display} has a schema {SCHEMA!r} that is not a linkflow-console store (no meta table); it was not changed",
            fix="point --state at the team's console database, or create a fresh database for it",
        )
    import psycopg

    try:
        rows = dict(conn.execute(f"SELECT key, value FROM {SCHEMA}.meta").fetchall())
    except psycopg.errors.InsufficientPrivilege:
        raise StoreRefused(
            f"the role cannot read {SCHEMA}.meta in {display}",
            fix=f"GRANT USAGE ON SCHEMA {SCHEMA} and SELECT ON ALL TABLES IN SCHEMA {SCHEMA} to the console's role "
                "(`state init --grant ROLE` does it)",
        ) from None
    if rows.get("marker") != MARKER:
        raise StoreRefused(
            f"{display} is not a linkflow-console store (its {SCHEMA}.meta has no console marker); it was not changed",
            fix="point --state at the team's console database, or create a fresh database for it",
        )
    try:
        return int(rows.get("schema_version", ""))
    except ValueError:
        raise StoreRefused(f"{display} has an unreadable schema version {rows.get('schema_version')!r}",
                           fix="restore the meta table from a backup") from None


def require_current(conn: Any, display: str) -> str:
    """Check a store before a console uses it; returns its store id (stable across reconnects)."""
    version = read_version(conn, display)
    if version is None:
        raise StoreRefused(f"{display} is not a linkflow-console store (no {SCHEMA} schema)", fix=_init_fix(display))
    _refuse_newer(version, display)
    if version < VERSION:
        raise StoreRefused(f"{display} has schema version {version}; this console needs {VERSION}", fix=_init_fix(display))
    return str(conn.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'store_id'").fetchone()[0])


def _refuse_newer(version: int, display: str) -> None:
    if version > VERSION:
        raise StoreRefused(
            f"{display} has schema version {version}, newer than this console's {VERSION}; it was not changed",
            fix="upgrade linkflow-console on this machine (pip install -U linkflow-console)",
        )


def init_store(conn: Any, display: str, grant_to: list[str] | None = None) -> tuple[int | None, int]:
    """Create or migrate the store (idempotent); returns (version before, version after)."""
    from psycopg import sql

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        before = read_version(conn, display)
        if before is not None:
            _refuse_newer(before, display)
        for version in range((before or 0) + 1, VERSION + 1):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            if version == 1:
                conn.execute(
                    f"INSERT INTO {SCHEMA}.meta (key, value) VALUES ('marker', %s), ('store_id', %s), ('schema_version', '1')",
                    (MARKER, uuid.uuid4().hex),
                )
            conn.execute(f"UPDATE {SCHEMA}.meta SET value = %s WHERE key = 'schema_version'", (str(version),))
        for role in grant_to or []:
            name = sql.Identifier(role)
            schema = sql.Identifier(SCHEMA)
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, name))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, name))
            conn.execute(sql.SQL("GRANT INSERT ON {}.events TO {}").format(schema, name))
    return before, VERSION
