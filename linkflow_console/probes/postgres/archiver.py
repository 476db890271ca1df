"""WAL archiving: what pg_stat_archiver says, judged for point-in-time recovery
(`postgres.pitr`) and, with the newest full backup in S3, for the backup schedule."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.postgres.client import STANDBY, fetch_one, session, stamp, verdict
from linkflow_console.timefmt import span

ARCHIVE_RECENT = timedelta(hours=1)

ARCHIVER_SQL = """
SELECT current_setting('wal_level') AS wal_level,
       current_setting('archive_mode') AS archive_mode,
       current_setting('archive_command') AS archive_command,
       current_setting('archive_library', true) AS archive_library,
       pg_is_in_recovery() AS in_recovery,
       a.archived_count, a.last_archived_wal, a.last_archived_time,
       a.failed_count, a.last_failed_wal, a.last_failed_time, a.stats_reset
FROM pg_stat_archiver a
"""


@dataclass(frozen=True)
class Archiver:
    row: dict[str, Any]

    @property
    def last_archived(self) -> datetime | None:
        return self.row["last_archived_time"]

    @property
    def failing(self) -> bool:
        """The latest attempt failed: a failure after the last success (or with no success)."""
        failed = self.row["last_failed_time"]
        return failed is not None and (self.last_archived is None or failed > self.last_archived)


def archive_method(row: dict[str, Any]) -> str | None:
    """How WAL leaves the server, without the command's arguments (they may carry credentials)."""
    library = (row.get("archive_library") or "").strip()
    if library:
        return f"archive_library {library}"
    command = (row.get("archive_command") or "").strip()
    if command and command != "(disabled)":
        return f"archive_command {command.split()[0]} …"
    return None


def archive_health(archiver: Archiver, now: datetime) -> tuple[list[tuple[Status, str]], list[Evidence], dict[str, float]]:
    """pg_stat_archiver judged: never archived or failing = fail, last archive >= 1 h ago = warn."""
    row = archiver.row
    last = archiver.last_archived
    findings: list[tuple[Status, str]] = []
    values: dict[str, float] = {"archived_count": float(row["archived_count"]), "archive_failed_count": float(row["failed_count"])}
    if last is None:
        findings.append((Status.FAIL, "no WAL segment has ever been archived"))
        archived = "never"
        recent = False
    else:
        age = now - last
        values["archive_age_seconds"] = round(age.total_seconds(), 1)
        recent = age < ARCHIVE_RECENT
        archived = f"{span(age)} ago ({row['last_archived_wal']} at {stamp(last)})"
        if not recent:
            findings.append((Status.WARN, f"last WAL archived {span(age)} ago (idle database or stalled archiver)"))
    if archiver.failing:
        findings.append((Status.FAIL, f"WAL archiving is failing: {row['last_failed_wal']} failed at {stamp(row['last_failed_time'])}"))
    failures = "none" if not row["failed_count"] else (
        f"{row['failed_count']} since {stamp(row['stats_reset'])}, last {row['last_failed_wal']} at {stamp(row['last_failed_time'])}"
    )
    evidence = [
        Evidence("last archived WAL", f"< {ARCHIVE_RECENT.total_seconds() / 3600:g} h ago", archived, recent),
        Evidence("failure after the last success", "none", failures, not archiver.failing),
    ]
    return findings, evidence, values


def archiver_raw(row: dict[str, Any]) -> dict[str, str]:
    keys = ("wal_level", "archive_mode", "archived_count", "last_archived_wal", "last_archived_time",
            "failed_count", "last_failed_wal", "last_failed_time", "stats_reset", "in_recovery")
    return {key: stamp(row[key]) if isinstance(row[key], datetime) else str(row[key] if row[key] is not None else "none") for key in keys}


async def read_archiver(ctx: ProbeContext) -> Archiver:
    async with session(ctx) as conn:
        row = await fetch_one(conn, ARCHIVER_SQL)
    if row["in_recovery"] and row["archive_mode"] != "always":
        raise ProbeError(STANDBY.format(what="WAL is archived by the primary"))
    return Archiver(row)


@probe("postgres.pitr")
async def pitr(ctx: ProbeContext) -> Outcome:
    archiver = await read_archiver(ctx)
    row = archiver.row
    method = archive_method(row)
    config = [
        (Evidence("wal_level", "replica or logical", row["wal_level"], row["wal_level"] in ("replica", "logical")),
         f"wal_level is {row['wal_level']}: WAL cannot be replayed for recovery"),
        (Evidence("archive_mode", "on or always", row["archive_mode"], row["archive_mode"] in ("on", "always")),
         f"archive_mode is {row['archive_mode']}: no WAL is archived"),
        (Evidence("archive_command / archive_library", "set", method or "not set", method is not None),
         "neither archive_command nor archive_library is set"),
    ]
    findings = [(Status.FAIL, reason) for line, reason in config if not line.ok]
    evidence = [line for line, _ in config]
    values: dict[str, float] = {}
    if not findings:  # the archiver statistics only mean something once archiving is configured
        health, archive_evidence, values = archive_health(archiver, ctx.clock())
        findings += health
        evidence += archive_evidence
    last = archiver.last_archived
    pass_summary = f"WAL archived {span(ctx.clock() - last) if last else '?'} ago via {method}, no failures"
    status, summary = verdict(findings, pass_summary)
    return outcome(status, summary, evidence, archiver_raw(row), values)


@probe("postgres.backup-schedule")
async def backup_schedule(ctx: ProbeContext) -> Outcome:
    from linkflow_console.probes.s3 import BucketMissing, newest_backup

    location = f"s3://{ctx.setting('s3.backup_bucket')}/{ctx.setting('s3.backup_prefix') or ''}"
    limit_hours = float(ctx.setting("s3.max_backup_age_hours"))
    # Both sides at once: a dead S3 endpoint and a dead database each cost one timeout, not two.
    found, archived = await asyncio.gather(newest_backup(ctx), read_archiver(ctx), return_exceptions=True)
    if isinstance(archived, BaseException):
        raise archived
    if isinstance(found, BucketMissing):
        found, location = None, f"{location} (bucket {found.bucket} does not exist)"
    elif isinstance(found, BaseException):
        raise found
    archiver, newest = archived, found
    now = ctx.clock()
    findings, evidence, values = archive_health(archiver, now)
    raw = archiver_raw(archiver.row) | {"backup_location": location}
    if newest is None:
        findings.insert(0, (Status.FAIL, f"no full backup under {location}"))
        evidence.insert(0, Evidence("newest full backup", f"< {limit_hours:g} h old", f"none under {location}", False))
    else:
        key, modified = newest
        hours = (now - modified).total_seconds() / 3600
        fresh = hours < limit_hours
        if not fresh:
            findings.insert(0, (Status.FAIL, f"newest full backup {key} is {hours:.1f} h old (limit {limit_hours:g} h)"))
        evidence.insert(0, Evidence("newest full backup", f"< {limit_hours:g} h old", f"{hours:.1f} h ({key}, {stamp(modified)})", fresh))
        values["backup_age_hours"] = round(hours, 3)
        raw |= {"backup_key": key, "backup_last_modified": stamp(modified)}
    last = archiver.last_archived
    pass_summary = (
        f"full backup {values.get('backup_age_hours', 0):.1f} h old; WAL archived {span(now - last) if last else '?'} ago"
    )
    status, summary = verdict(findings, pass_summary)
    return outcome(status, summary, evidence, raw, values)
