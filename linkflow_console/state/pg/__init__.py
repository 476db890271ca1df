"""Team state in PostgreSQL: events inserted into one table, folded into the state by every console.

Nothing here imports psycopg at module level: the console opens fast, and only a session on a
`postgresql://` store pays for the driver.

- settings: where the store is (`--state URL` or the profile's [state]) and how to reach it;
- schema: `state init` (create or migrate) and the check that a database is a console store;
- eventlog: insert an event (idempotent by id) with its notification, read events since a seq, listen;
- journal: the offline journal (append-only, fsynced) replayed exactly once on reconnect;
- stream: one checklist and environment of a store: cached events + journal, online or not.
"""

from __future__ import annotations

SCHEMES = ("postgresql://", "postgres://")


def is_store_url(text: object) -> bool:
    """True for a `--state` value that names a PostgreSQL store rather than a file."""
    return isinstance(text, str) and text.lower().startswith(SCHEMES)
