"""Repository probes on recovery documents: the committed documents state an RTO and an RPO within the
checklist's (RTO < 1 hour, RPO < 5 minutes), and write a failover procedure down as steps."""

from __future__ import annotations

import re

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.repository.git import read_text, tracked_files

DOCS = (".md", ".rst", ".adoc", ".txt")
DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TASK_ITEM = re.compile(r"^\s*[-*]\s*\[[ xX]\]")  # a copied checklist line restates the target, it documents nothing
OBJECTIVES = {
    "repo.rto": ("RTO", re.compile(r"\bRTO\b|recovery time objective", re.IGNORECASE), 3600),
    "repo.rpo": ("RPO", re.compile(r"\bRPO\b|recovery point objective", re.IGNORECASE), 300),
}


HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
FAILOVER = re.compile(r"fail[- ]?over", re.IGNORECASE)
STEP = re.compile(r"^\s*(\d+[.)]|[-*])\s+\S")
MIN_STEPS = 3


def _seconds(number: str, unit: str) -> float:
    return float(number) * UNIT_SECONDS[unit[0].lower()]


def _human(seconds: float) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def statements(files: dict[str, str], keyword: re.Pattern[str]) -> list[tuple[str, int, float, str]]:
    """(file, line, seconds, text) for each line naming the objective with a duration after the name."""
    found = []
    for path, text in files.items():
        for number, line in enumerate(text.splitlines(), 1):
            match = keyword.search(line)
            if not match or TASK_ITEM.match(line):
                continue
            duration = DURATION.search(line, match.end())
            if duration:
                found.append((path, number, _seconds(*duration.groups()), " ".join(line.split())[:120]))
    return found


async def _objective(ctx: ProbeContext, probe_id: str) -> Outcome:
    name, keyword, limit = OBJECTIVES[probe_id]
    docs = {p: read_text(ctx, p) or "" for p in await tracked_files(ctx) if p.lower().endswith(DOCS)}
    found = statements(docs, keyword)
    if not found:
        evidence = [Evidence(f"{name} statement", f"a committed document stating the {name} (≤ {_human(limit)})",
                             f"none in {len(docs)} document(s)", False)]
        return outcome(Status.FAIL, f"no committed document states an {name}", evidence)
    evidence = [Evidence(f"{path}:{line}", f"{name} ≤ {_human(limit)}", f"{_human(seconds)}: {text}", seconds <= limit)
                for path, line, seconds, text in found[:10]]
    worst = max(found, key=lambda f: f[2])
    values = {f"{name.lower()}_seconds": worst[2]}
    if worst[2] > limit:
        return outcome(Status.FAIL, f"{worst[0]}:{worst[1]} states an {name} of {_human(worst[2])}, over {_human(limit)}",
                       evidence, values=values)
    return outcome(Status.PASS, f"{name} documented: at most {_human(worst[2])} ({worst[0]}:{worst[1]})", evidence, values=values)


@probe("repo.rto")
async def rto(ctx: ProbeContext) -> Outcome:
    return await _objective(ctx, "repo.rto")


@probe("repo.rpo")
async def rpo(ctx: ProbeContext) -> Outcome:
    return await _objective(ctx, "repo.rpo")


def failover_sections(files: dict[str, str]) -> list[tuple[str, int, str, int, bool]]:
    """(file, line, heading, steps, has commands) for each markdown section whose heading says failover."""
    found = []
    for path, text in files.items():
        lines = text.splitlines()
        for number, line in enumerate(lines):
            heading = HEADING.match(line)
            if not heading or not FAILOVER.search(heading.group(2)):
                continue
            level, body = len(heading.group(1)), []
            for following in lines[number + 1:]:
                other = HEADING.match(following)
                if other and len(other.group(1)) <= level:
                    break
                body.append(following)
            steps = sum(1 for b in body if STEP.match(b))
            found.append((path, number + 1, heading.group(2)[:80], steps, any(b.strip().startswith("```") for b in body)))
    return found


@probe("repo.failover-doc")
async def failover_doc(ctx: ProbeContext) -> Outcome:
    docs = {p: read_text(ctx, p) or "" for p in await tracked_files(ctx) if p.lower().endswith(DOCS)}
    sections = failover_sections(docs)
    evidence = [Evidence(f"{path}:{line} {heading}", f">= {MIN_STEPS} steps or commands",
                         f"{steps} step(s){', commands' if commands else ''}", steps >= MIN_STEPS or commands)
                for path, line, heading, steps, commands in sections[:10]]
    if not sections:
        evidence.append(Evidence("failover section", "a heading naming failover, with its steps", f"none in {len(docs)} document(s)", False))
        return outcome(Status.FAIL, "no committed document has a failover procedure", evidence)
    written = [e for e in evidence if e.ok]
    if not written:
        return outcome(Status.WARN, f"{evidence[0].label} names failover but writes down no steps", evidence)
    return outcome(Status.PASS, f"failover procedure written down: {written[0].label}", evidence)
