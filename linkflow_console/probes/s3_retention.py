"""Access logs retained: the bucket that S3 server access logging writes to keeps the logs at least
the documented retention (`s3.access_log_retention_days`), read from its lifecycle rules.

Beside s3.py (which would pass 400 lines) and built on its client, calls and bucket probe wrapper."""

from __future__ import annotations

import json
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.s3 import _bucket_probe, _call, _rule_prefix


def _applies_to(rule: dict[str, Any], prefix: str) -> bool:
    """Whether an enabled rule acts on objects under the log prefix (a tag filter is not assumed to)."""
    if rule.get("Status") != "Enabled":
        return False
    rule_filter = rule.get("Filter") or {}
    if "Tag" in rule_filter or (rule_filter.get("And") or {}).get("Tags"):
        return False
    rule_prefix = _rule_prefix(rule)
    return rule_prefix == "(whole bucket)" or prefix.startswith(rule_prefix)


@_bucket_probe("s3.access-logs-retained")
async def access_logs_retained(ctx: ProbeContext) -> Outcome:
    bucket = ctx.setting("s3.bucket")
    days = int(ctx.setting("s3.access_log_retention_days"))
    logging = (await _call(ctx, "get_bucket_logging", bucket) or {}).get("LoggingEnabled") or {}
    target, prefix = logging.get("TargetBucket"), logging.get("TargetPrefix", "")
    if not target:
        evidence = [Evidence(f"{bucket} access logging", "on, to a log bucket", "not enabled", False)]
        return outcome(Status.FAIL, f"{bucket} writes no access logs, so none are retained", evidence, {"bucket": bucket})
    location = f"s3://{target}/{prefix}"
    response = await _call(ctx, "get_bucket_lifecycle_configuration", target, absent=("NoSuchLifecycleConfiguration",))
    rules = (response or {}).get("Rules", [])
    covering = [r for r in rules if _applies_to(r, prefix)]
    expiries = [int(r["Expiration"]["Days"]) for r in covering if "Days" in (r.get("Expiration") or {})]
    dated = [r for r in covering if "Date" in (r.get("Expiration") or {})]
    raw = {"bucket": bucket, "log_location": location, "lifecycle_rules": json.dumps(rules, default=str) if rules else "(none)"}
    lines = [Evidence("access logs", "written to a log bucket", location, True)]
    values = {"retention_days": float(min(expiries))} if expiries else {}
    if not covering:
        lines.append(Evidence(f"lifecycle on {target} for {prefix or '(whole bucket)'}", f"expire after >= {days} d",
                              f"no enabled rule ({len(rules)} rule(s))", False))
        return outcome(Status.WARN, f"no lifecycle rule on {location}: logs are kept forever, no retention is enforced", lines, raw)
    if expiries:
        shortest = min(expiries)
        lines.append(Evidence(f"lifecycle on {target} for {prefix or '(whole bucket)'}", f"expire after >= {days} d",
                              f"expire after {shortest} d", shortest >= days))
        if shortest < days:
            return outcome(Status.FAIL, f"access logs in {location} are deleted after {shortest} d; retention is {days} d", lines, raw, values)
        return outcome(Status.PASS, f"access logs in {location} are kept {shortest} d (retention {days} d)", lines, raw, values)
    if dated:
        when = dated[0]["Expiration"]["Date"]
        lines.append(Evidence(f"lifecycle on {target}", f"expire after >= {days} d", f"expire on a fixed date {when}", False))
        return outcome(Status.WARN, f"access logs in {location} all expire on {when}, not after a retention period", lines, raw)
    lines.append(Evidence(f"lifecycle on {target} for {prefix or '(whole bucket)'}", f"expire after >= {days} d",
                          "transitions only (kept, archived)", True))
    return outcome(Status.PASS, f"access logs in {location} are archived and never expire", lines, raw)
