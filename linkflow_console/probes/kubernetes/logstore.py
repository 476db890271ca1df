"""Log retention policy, read from the log store's configuration shipped as code (in the manifests'
ConfigMaps or the repository): Loki's compactor retention, CloudWatch retention days (Fluent Bit,
Terraform), Elasticsearch ILM delete phases."""

from __future__ import annotations

import json
import re
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.kubernetes.objects import EITHER_SOURCE, either_source, repository_texts

DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
KEYWORDS = ("limits_config", "table_manager", "log_retention_days", "retention_in_days", '"delete"')


def duration_days(text: Any) -> float | None:
    """Days in a Loki/Go/Prometheus duration ("744h", "30d", "1y2w"); 0 for "0s"; None if unreadable."""
    value = str(text).strip()
    parts = DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * SECONDS[u] for n, u in parts) / 86400


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _loki(where: str, config: dict[str, Any]) -> Evidence | None:
    if not isinstance(config, dict) or not ({"limits_config", "table_manager"} & set(config) and
                                            {"schema_config", "compactor", "ingester", "common", "server"} & set(config)):
        return None
    limits, compactor, table = (config.get(k) or {} for k in ("limits_config", "compactor", "table_manager"))
    period = duration_days(limits.get("retention_period", "0s"))
    legacy = duration_days(table.get("retention_period", "0s"))
    if period and _truthy(compactor.get("retention_enabled")):
        return Evidence(f"Loki {where}", "a bounded retention", f"compactor retention {period:g} d", True)
    if legacy and _truthy(table.get("retention_deletes_enabled")):
        return Evidence(f"Loki {where}", "a bounded retention", f"table_manager retention {legacy:g} d", True)
    if period:
        return Evidence(f"Loki {where}", "a bounded retention",
                        f"retention_period {period:g} d ignored: compactor.retention_enabled is not true", False)
    return Evidence(f"Loki {where}", "a bounded retention", "none: logs kept until the disk fills (retention_period 0s)", False)


def _other(where: str, text: str) -> list[Evidence]:
    found = []
    for key in ("log_retention_days", "retention_in_days"):
        for days in re.findall(rf"\b{key}\b\s*[=: ]\s*(\d+)", text):
            found.append(Evidence(f"CloudWatch {where}", "a bounded retention", f"{key} {days}", int(days) > 0))
    if '"delete"' in text and '"phases"' in text:
        try:
            phases = (json.loads(text).get("policy") or {}).get("phases") or {}
        except (ValueError, AttributeError):
            phases = {}
        if "delete" in phases:
            age = phases["delete"].get("min_age", "0d")
            found.append(Evidence(f"Elasticsearch ILM {where}", "a delete phase", f"delete after {age}", True))
    return found


def _judge(where: str, text: str) -> list[Evidence]:
    if not any(k in text for k in KEYWORDS):
        return []
    lines = _other(where, text)
    from linkflow_console.probes.repository.git import yaml_documents

    for document in yaml_documents(text) if "limits_config" in text or "table_manager" in text else []:
        loki = _loki(where, document)
        if loki is not None:
            lines.append(loki)
    return lines


@probe("k8s.log-retention")
async def log_retention(ctx: ProbeContext) -> Outcome:
    sources = await either_source(ctx)
    if sources is None:
        return outcome(Status.SKIPPED, EITHER_SOURCE)
    found, repo = sources
    configs: list[tuple[str, str]] = []
    if found is not None:
        for config in found.of_kind("ConfigMap"):
            data = config.data.get("data") or {}
            configs += [(f"{config.ref} {key}", str(value)) for key, value in (data.items() if isinstance(data, dict) else ())]
        configs += [(where, json.dumps(value)) for where, value in found.documents]
    if repo is not None:
        configs += await repository_texts(ctx, (".yml", ".yaml", ".json", ".tf", ".conf"), lambda p: True)
    lines = [line for where, text in configs for line in _judge(where, text)]
    if not lines:
        raise ProbeError("no log store configuration (Loki, CloudWatch retention, Elasticsearch ILM) in the manifests "
                         "or repository: could not tell where logs are kept")
    bad = [line for line in lines if line.ok is False]
    if bad:
        return outcome(Status.FAIL, f"{bad[0].label}: {bad[0].actual}", lines)
    return outcome(Status.PASS, f"{lines[0].label}: {lines[0].actual}", lines)
