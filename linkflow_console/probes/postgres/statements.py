"""Slow queries from pg_stat_statements (`postgres.slow-queries`), against documented thresholds.

Among the statements that took the most total time in the LinkFlow database (the top 15, each run
at least MIN_CALLS times so one-off migrations do not count): a mean above SLOW_MEAN_MS is `warn`,
above VERY_SLOW_MEAN_MS is `fail`. Only DML text is shown, as pg_stat_statements normalised it
(constants replaced by $n); a utility statement's text may carry a literal password, so it never is.
"""

from __future__ import annotations

import re
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.postgres.client import error_text, fetch_one, fetch_rows, session

SLOW_MEAN_MS = 50.0  # the runbook's "no statement in the top 15 has a mean above ~50 ms"
VERY_SLOW_MEAN_MS = 500.0  # a request that waits on it already misses LinkFlow's 500 ms p95
MIN_CALLS = 5
TOP = 15
SHOWN_TEXT = 100
DML = re.compile(r"^\s*(select|insert|update|delete|with|merge|values|table)\b", re.IGNORECASE)

EXTENSION_SQL = """
SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_stat_statements'
"""


def top_statements_sql(schema: str) -> str:
    identifier = '"' + schema.replace('"', '""') + '"'
    return f"""
SELECT queryid::text AS queryid, calls, mean_exec_time AS mean_ms, total_exec_time AS total_ms, query
FROM {identifier}.pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= {MIN_CALLS}
ORDER BY total_exec_time DESC
LIMIT {TOP}
"""


def shown_text(query: str | None) -> str:
    """What of a statement's text may be shown: normalised DML, shortened; never a utility statement."""
    if not query or query.startswith("<insufficient privilege>"):
        return "(text hidden from the probe's role: grant it pg_read_all_stats)"
    if not DML.match(query):
        return "(utility statement: text not shown)"
    text = " ".join(query.split())
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT] + "…"


def judge(rows: list[dict[str, Any]]) -> tuple[Status, list[dict[str, Any]]]:
    """The verdict and the statements over the threshold it rests on."""
    slow = [r for r in rows if float(r["mean_ms"]) > SLOW_MEAN_MS]
    if any(float(r["mean_ms"]) > VERY_SLOW_MEAN_MS for r in slow):
        return Status.FAIL, slow
    return (Status.WARN if slow else Status.PASS), slow


@probe("postgres.slow-queries")
async def slow_queries(ctx: ProbeContext) -> Outcome:
    import psycopg

    async with session(ctx) as conn:
        extension = await fetch_rows(conn, EXTENSION_SQL)
        if not extension:
            raise ProbeError("pg_stat_statements is not installed in this database, so query times cannot be read "
                             "(CREATE EXTENSION pg_stat_statements; see postgres.monitoring)")
        try:
            rows = await fetch_rows(conn, top_statements_sql(extension[0]["schema"]))
            database = (await fetch_one(conn, "SELECT current_database() AS name"))["name"]
        except psycopg.errors.ObjectNotInPrerequisiteState as exc:
            raise ProbeError(f"pg_stat_statements collects nothing: {error_text(exc)}") from None
    expected = f"mean <= {SLOW_MEAN_MS:g} ms (fail over {VERY_SLOW_MEAN_MS:g} ms)"
    evidence = [
        Evidence(f"statement {r['queryid']}", expected,
                 f"mean {float(r['mean_ms']):.1f} ms over {r['calls']} calls: {shown_text(r['query'])}",
                 float(r["mean_ms"]) <= SLOW_MEAN_MS)
        for r in rows
    ]
    slowest = max((float(r["mean_ms"]) for r in rows), default=0.0)
    values = {"statements_judged": float(len(rows)), "slowest_mean_ms": round(slowest, 3)}
    raw = {"database": database, "thresholds": f"mean {SLOW_MEAN_MS:g} ms warn, {VERY_SLOW_MEAN_MS:g} ms fail; "
           f"top {TOP} by total time, >= {MIN_CALLS} calls"}
    if not rows:
        evidence.append(Evidence(f"statements run >= {MIN_CALLS} times", ">= 1", "0", None))
        return outcome(Status.WARN, f"nothing to judge yet: no statement in {database} has run {MIN_CALLS} times "
                       "since pg_stat_statements was reset", evidence, raw, values)
    status, slow = judge(rows)
    if status is Status.PASS:
        return outcome(status, f"the top {len(rows)} statements by total time average <= {SLOW_MEAN_MS:g} ms "
                       f"(slowest {slowest:.1f} ms)", evidence, raw, values)
    listing = ", ".join(f"{r['queryid']} ({float(r['mean_ms']):.0f} ms)" for r in slow)
    return outcome(status, f"{len(slow)} slow statement(s) by mean time: {listing}", evidence, raw, values)
