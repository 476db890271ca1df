"""PostgreSQL and PgBouncer probes: ask the servers themselves (psycopg async, short timeouts).

- `client`: connections, errors as "could not tell", shared verdict helpers;
- `archiver`: WAL archiving for point-in-time recovery and the backup schedule;
- `checks`: TLS, the pooler, replicas, pg_stat_statements and connections, bcrypt cost;
- `hosting`: managed hosting, from the provider settings and roles a client can see;
- `statements`: slow queries from pg_stat_statements against documented thresholds.

Importing the package registers every postgres.* probe (the catalog names the package).
"""

from linkflow_console.probes.postgres import archiver, checks, hosting, statements

__all__ = ["archiver", "checks", "hosting", "statements"]
