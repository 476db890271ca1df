"""Repository probe on on-call runbooks: every alerting rule carries a runbook_url that resolves to a
committed file, and to a section of it when the URL names one. Nothing is fetched from the network."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.repository.git import read_text, tracked_files, yaml_documents

BLOB = re.compile(r"/(?:-/)?(?:blob|tree|src(?:/branch)?)/[^/]+/(.+)$")  # GitHub, GitLab, Gitea/Bitbucket file URLs


@dataclass(frozen=True)
class Rule:
    name: str
    path: str
    runbook: str | None


def _rules_in(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict) and document.get("kind") == "PrometheusRule":
        document = document.get("spec") or {}
    groups = document.get("groups") if isinstance(document, dict) else None
    if not isinstance(groups, list):
        return []
    return [r for g in groups if isinstance(g, dict) for r in g.get("rules") or [] if isinstance(r, dict) and r.get("alert")]


async def alert_rules(ctx: ProbeContext) -> list[Rule]:
    rules = []
    for path in await tracked_files(ctx):
        if not path.endswith((".yml", ".yaml")) or path.startswith(".github/"):
            continue
        text = read_text(ctx, path) or ""
        if "alert:" not in text:
            continue
        for document in yaml_documents(text):
            for rule in _rules_in(document):
                annotations = rule.get("annotations") or {}
                link = annotations.get("runbook_url") or annotations.get("runbook") if isinstance(annotations, dict) else None
                rules.append(Rule(str(rule["alert"]), path, str(link) if link else None))
    return rules


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        heading = match.group(1)
        explicit = re.search(r"\{#([^}]+)\}\s*$", heading)
        if explicit:
            found.add(explicit.group(1))
            heading = heading[: explicit.start()]
        found.add(slug(heading))
    found |= set(re.findall(r"""<a\s+(?:name|id)=["']([^"']+)["']""", text))
    return found


def resolve(link: str, rule_path: str, files: set[str]) -> tuple[str | None, str]:
    """(repository path or None, anchor) a runbook link points at; None = outside the repository."""
    parts = urlsplit(link)
    anchor = unquote(parts.fragment)
    if parts.scheme in ("http", "https"):
        blob = BLOB.search(unquote(parts.path))
        candidates = [blob.group(1)] if blob else []
        tail = unquote(parts.path).strip("/")
        candidates += [f for f in files if tail and (tail.endswith("/" + f) or tail == f)]  # a docs site mirroring the repo
        return next((c for c in candidates if c in files), None), anchor
    target = unquote(parts.path)
    for base in (posixpath.dirname(rule_path), ""):
        candidate = posixpath.normpath(posixpath.join(base, target.lstrip("/") if not base else target))
        if candidate in files:
            return candidate, anchor
    return posixpath.normpath(target.lstrip("/")), anchor  # in the repository, but missing


@probe("repo.alert-runbooks")
async def alert_runbooks(ctx: ProbeContext) -> Outcome:
    rules = await alert_rules(ctx)
    if not rules:
        raise ProbeError("no Prometheus alerting rules committed in the repository: nothing links runbooks (could not tell)")
    files = set(await tracked_files(ctx))
    lines: list[Evidence] = []
    missing, dangling, external = [], [], []
    for rule in rules:
        label = f"{rule.path} alert {rule.name}"
        if not rule.runbook:
            missing.append(rule.name)
            lines.append(Evidence(label, "runbook_url annotation", "none", False))
            continue
        path, anchor = resolve(rule.runbook, rule.path, files)
        if path is None:
            external.append(rule.name)
            lines.append(Evidence(label, "a runbook in the repository", f"{rule.runbook} (outside the repository, not checked)", None))
        elif path not in files:
            dangling.append(rule.name)
            lines.append(Evidence(label, "runbook file exists", f"{rule.runbook}: {path} not found", False))
        elif anchor and anchor not in anchors(read_text(ctx, path) or ""):
            dangling.append(rule.name)
            lines.append(Evidence(label, "runbook section exists", f"{path}#{anchor}: no such section", False))
        else:
            lines.append(Evidence(label, "runbook exists", f"{path}#{anchor}" if anchor else path, True))
    raw = {"alert_rules": str(len(rules)), "rule_files": ", ".join(sorted({r.path for r in rules}))}
    if missing or dangling:
        parts = [f"{len(missing)} without runbook_url" if missing else "", f"{len(dangling)} dangling" if dangling else ""]
        return outcome(Status.FAIL, f"{' and '.join(p for p in parts if p)} of {len(rules)} alerts: "
                       f"{', '.join((missing + dangling)[:5])}", lines, raw)
    if external:
        return outcome(Status.WARN, f"{len(external)} of {len(rules)} runbook links point outside the repository (not checked)", lines, raw)
    return outcome(Status.PASS, f"all {len(rules)} alerts link a runbook that exists", lines, raw)
