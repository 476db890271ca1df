"""Managed PostgreSQL hosting, judged from what a client can see: the provider's own settings
(an RDS parameter group's `rds.*`, Cloud SQL's `cloudsql.*` flags...) and its administrator roles.

What decides the item (Multi-AZ, automated backups, deletion protection) lives in the provider's
API, not in the database: a provider found is `pass` with that caveat in the evidence; none found
is `warn` (self-hosted, or a provider this probe does not know), never `fail`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.postgres.client import fetch_one, session

MIN_SERVER_VERSION = 150000  # LinkFlow needs PostgreSQL 15+


@dataclass(frozen=True)
class Provider:
    name: str
    settings: re.Pattern[str]  # pg_settings names only this provider sets
    roles: frozenset[str]  # roles only this provider creates


PROVIDERS = (
    Provider("Amazon RDS / Aurora", re.compile(r"^(rds|aurora|apg_plan_mgmt)\."), frozenset({"rdsadmin", "rds_superuser"})),
    Provider("Google Cloud SQL", re.compile(r"^cloudsql\."), frozenset({"cloudsqladmin", "cloudsqlsuperuser"})),
    Provider("Google AlloyDB", re.compile(r"^(alloydb|google_columnar_engine)\."), frozenset({"alloydbadmin"})),
    Provider("Azure Database for PostgreSQL", re.compile(r"^(azure|pgms_wait_sampling)\."),
             frozenset({"azure_pg_admin", "azuresu"})),
    Provider("Neon", re.compile(r"^neon\."), frozenset({"cloud_admin"})),
    Provider("Supabase", re.compile(r"^supautils\."), frozenset({"supabase_admin"})),
)

# Settings each provider documents, asked for by name as well: a value set in a parameter group
# for a module not loaded in this session is a placeholder, which pg_settings does not list.
KNOWN_SETTINGS = (
    "rds.force_ssl", "rds.extensions", "rds.logical_replication", "aurora.stat_plans",
    "apg_plan_mgmt.capture_plan_baselines", "cloudsql.iam_authentication", "cloudsql.enable_pgaudit",
    "cloudsql.logical_decoding", "alloydb.iam_authentication", "google_columnar_engine.enabled",
    "azure.extensions", "azure.accepted_password_auth_method", "neon.timeline_id", "supautils.reserved_roles",
)
HOSTING_SQL = f"""
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS version_num,
       ARRAY(SELECT name FROM pg_settings WHERE name LIKE '%.%'
             UNION SELECT n FROM unnest(ARRAY{list(KNOWN_SETTINGS)!r}::text[]) AS n
                   WHERE current_setting(n, true) IS NOT NULL
             ORDER BY 1) AS dotted_settings,
       ARRAY(SELECT rolname FROM pg_roles ORDER BY rolname) AS roles
"""


def detect(settings: list[str], roles: list[str]) -> list[tuple[str, list[str]]]:
    """(provider, the markers that name it) for every provider whose markers a client can see."""
    found = []
    for provider in PROVIDERS:
        markers = [s for s in settings if provider.settings.match(s)] + sorted(provider.roles & set(roles))
        if markers:
            found.append((provider.name, markers))
    return found


@probe("postgres.managed-hosting")
async def managed_hosting(ctx: ProbeContext) -> Outcome:
    async with session(ctx) as conn:
        row = await fetch_one(conn, HOSTING_SQL)
    found = detect(list(row["dotted_settings"]), list(row["roles"]))
    modern = row["version_num"] >= MIN_SERVER_VERSION
    evidence = [
        Evidence("provider settings or roles", "a managed provider's (rds.*, cloudsql.*, alloydb.*, azure.*, ...)",
                 "; ".join(f"{name}: {', '.join(markers[:6])}" for name, markers in found) or "none visible",
                 bool(found)),
        Evidence("server version", "PostgreSQL 15 or later", str(row["version"]), modern),
        Evidence("Multi-AZ / regional availability, backups, deletion protection", "on",
                 "not visible to a database client: check the provider's console or API (runbook)"),
    ]
    raw = {"server_version": str(row["version"]), "providers": ", ".join(name for name, _ in found) or "none",
           "dotted_settings": ", ".join(row["dotted_settings"][:40])}
    if not modern:
        return outcome(Status.WARN, f"PostgreSQL {row['version']} is older than 15, which LinkFlow needs", evidence, raw)
    if not found:
        return outcome(Status.WARN, "no managed provider's settings or roles visible: self-hosted, or a provider "
                       "this probe does not know (check by hand)", evidence, raw)
    names = " and ".join(name for name, _ in found)
    return outcome(Status.PASS, f"managed PostgreSQL {row['version']} on {names}; confirm Multi-AZ and backups "
                   "in the provider", evidence, raw)
