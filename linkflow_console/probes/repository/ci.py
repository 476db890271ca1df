"""Repository probes on the pipeline: tests and security scanners on every change (GitHub Actions,
GitLab CI), a staging environment, progressive delivery."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.repository.git import read_text, tracked_files, yaml_documents

TESTS = re.compile(r"\b(go test|gotestsum|ginkgo|make (test|check)\b|pytest|tox\b|nox\b|(npm|pnpm|yarn)( run)? test|cargo test|"
                   r"mvn\b[^\n]*\b(test|verify)\b|gradlew? [^\n]*\btest\b|rspec|phpunit|dotnet test)", re.IGNORECASE)
SAST = re.compile(r"gosec|codeql|semgrep|bandit|sonar|snyk code|njsscan|brakeman|SAST\.gitlab-ci", re.IGNORECASE)
DEPENDENCIES = re.compile(r"govulncheck|trivy|grype|snyk(?! code)|osv-scanner|pip-audit|npm audit|yarn audit|dependency-check|"
                          r"nancy|safety check|dependency-review-action|Dependency-Scanning|Container-Scanning", re.IGNORECASE)
PROGRESSIVE_CI = re.compile(r"argo rollouts|kubectl-argo-rollouts|flagger|\bcanary\b|blue-?green", re.IGNORECASE)
STAGING_PATH = re.compile(r"(^|[/._-])(staging|stage|stg)([/._-]|$)", re.IGNORECASE)
NOT_CONFIG = re.compile(r"(^|/)(docs?|tests?|testdata|examples?)/|postman|\.(md|rst|txt|json|go|py|ts|js)$", re.IGNORECASE)
EVERY_CHANGE = {"pull_request", "pull_request_target", "merge_group", "merge_request"}


@dataclass
class Pipeline:
    """One CI file: its triggers, whether it runs on every change, and each job's commands."""

    path: str
    triggers: list[str]
    every_change: bool
    jobs: dict[str, str] = field(default_factory=dict)  # job -> its run/uses/script text
    environments: list[str] = field(default_factory=list)


def _github_triggers(document: dict[Any, Any]) -> tuple[list[str], bool]:
    on = document.get("on", document.get(True))  # YAML 1.1 reads a bare `on:` key as True
    if isinstance(on, str):
        on = {on: None}
    elif isinstance(on, list):
        on = {str(t): None for t in on}
    elif not isinstance(on, dict):
        return [], False
    triggers, every = [], False
    for name, config in on.items():
        name = str(name)
        branches = (config or {}).get("branches") if isinstance(config, dict) else None
        triggers.append(f"{name} ({', '.join(map(str, branches))})" if branches else name)
        if name in EVERY_CHANGE or (name == "push" and (not branches or any("*" in str(b) for b in branches))):
            every = True
    return triggers, every


def _environment(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return str(env) if env else None


def _github(path: str, document: Any) -> Pipeline | None:
    if not isinstance(document, dict) or not isinstance(document.get("jobs"), dict):
        return None
    triggers, every = _github_triggers(document)
    pipeline = Pipeline(path, triggers, every)
    for name, job in document["jobs"].items():
        if not isinstance(job, dict):
            continue
        parts = [str(name), str(job.get("name", "")), str(job.get("uses", ""))]
        for step in job.get("steps") or []:
            if isinstance(step, dict):
                parts += [str(step.get(k, "")) for k in ("name", "uses", "run")]
        pipeline.jobs[str(name)] = "\n".join(p for p in parts if p)
        if _environment(job):
            pipeline.environments.append(f"{name}: {_environment(job)}")
    return pipeline


def _gitlab(path: str, document: Any) -> Pipeline | None:
    if not isinstance(document, dict):
        return None
    includes = document.get("include") or []
    includes = includes if isinstance(includes, list) else [includes]
    pipeline = Pipeline(path, ["push", "merge_request"], True)
    template_text = "\n".join(str(i.get("template", "")) if isinstance(i, dict) else str(i) for i in includes)
    if template_text.strip():
        pipeline.jobs["include"] = template_text
    for name, job in document.items():
        if not isinstance(job, dict) or str(name).startswith(".") or not ({"script", "trigger", "extends"} & set(job)):
            continue
        only = job.get("only")
        manual = job.get("when") == "manual" or (isinstance(only, list) and set(map(str, only)) <= {"tags", "main", "master", "schedules"})
        script = [job.get(k) for k in ("before_script", "script")]
        lines = [str(name), str(job.get("image", ""))] + [str(s) for part in script if part for s in (part if isinstance(part, list) else [part])]
        pipeline.jobs[str(name) + (" (manual/tags only)" if manual else "")] = "\n".join(lines)
        if _environment(job):
            pipeline.environments.append(f"{name}: {_environment(job)}")
    return pipeline


async def pipelines(ctx: ProbeContext) -> list[Pipeline]:
    files = await tracked_files(ctx)
    found = []
    for path in files:
        is_github = path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml"))
        if not is_github and path != ".gitlab-ci.yml":
            continue
        documents = yaml_documents(read_text(ctx, path) or "")
        parse = _github if is_github else _gitlab
        found += [p for p in (parse(path, d) for d in documents) if p is not None]
    return found


def _steps(found: list[Pipeline], pattern: re.Pattern[str]) -> list[tuple[Pipeline, str, str]]:
    hits = []
    for pipeline in found:
        for job, text in pipeline.jobs.items():
            match = pattern.search(text)
            if match and "(manual/tags only)" not in job:
                hits.append((pipeline, job, match.group(0)))
    return hits


def _no_ci(found: list[Pipeline]) -> Outcome | None:
    if found:
        return None
    return outcome(Status.FAIL, "no CI pipeline: no .github/workflows/*.yml or .gitlab-ci.yml committed",
                   [Evidence("CI configuration", ".github/workflows/*.yml or .gitlab-ci.yml", "none", False)])


def _line(pipeline: Pipeline, job: str, what: str, expected: str) -> Evidence:
    return Evidence(f"{pipeline.path} job {job}", expected, f"{what}; on {', '.join(pipeline.triggers) or 'no trigger'}", pipeline.every_change)


@probe("repo.ci-tests")
async def ci_tests(ctx: ProbeContext) -> Outcome:
    found = await pipelines(ctx)
    if (empty := _no_ci(found)) is not None:
        return empty
    hits = _steps(found, TESTS)
    lines = [_line(p, job, f"runs `{command}`", "tests on push/pull_request") for p, job, command in hits]
    raw = {"pipelines": ", ".join(p.path for p in found)}
    if not hits:
        lines.append(Evidence("test step", "go test, make test, pytest, npm test...", "none in " + raw["pipelines"], False))
        return outcome(Status.FAIL, "CI runs no tests", lines, raw)
    if any(p.every_change for p, _, _ in hits):
        first = next((p, j) for p, j, _ in hits if p.every_change)
        return outcome(Status.PASS, f"{first[0].path} job {first[1]} runs the tests on every change", lines, raw)
    return outcome(Status.WARN, "tests run only on some branches or by hand, not on every change", lines, raw)


@probe("repo.ci-security-scan")
async def ci_security_scan(ctx: ProbeContext) -> Outcome:
    found = await pipelines(ctx)
    files = await tracked_files(ctx)
    if (empty := _no_ci(found)) is not None:
        return empty
    raw = {"pipelines": ", ".join(p.path for p in found)}
    lines: list[Evidence] = []
    kinds: dict[str, bool] = {}
    for kind, pattern in (("SAST", SAST), ("dependencies", DEPENDENCIES)):
        hits = _steps(found, pattern)
        lines += [_line(p, job, f"{kind}: {tool}", "scanner on push/pull_request") for p, job, tool in hits]
        kinds[kind] = any(p.every_change for p, _, _ in hits)
    if any(f in files for f in (".github/dependabot.yml", ".github/dependabot.yaml")):
        lines.append(Evidence(".github/dependabot.yml", "dependency scanning", "Dependabot configured", True))
        kinds["dependencies"] = True
    present = [k for k, on in kinds.items() if on]
    if not lines:
        lines.append(Evidence("scanner step", "gosec/CodeQL/semgrep and govulncheck/trivy/snyk...", "none", False))
        return outcome(Status.FAIL, "CI runs no security scanner", lines, raw)
    if len(present) == 2:
        return outcome(Status.PASS, "CI scans code (SAST) and dependencies on every change", lines, raw)
    missing = [k for k in kinds if k not in present]
    return outcome(Status.WARN, f"no {' or '.join(missing)} scan on every change", lines, raw)


@probe("repo.staging")
async def staging(ctx: ProbeContext) -> Outcome:
    files = await tracked_files(ctx)
    found = await pipelines(ctx)
    paths = sorted({p for p in files if STAGING_PATH.search(p) and not NOT_CONFIG.search(p)})
    deploys = [(p.path, env) for p in found for env in p.environments if re.search(r"stag", env, re.IGNORECASE)]
    lines = [Evidence("staging files", "an overlay, values or env file for staging",
                      ", ".join(paths[:5]) + (f" (+{len(paths) - 5})" if len(paths) > 5 else "") or "none", bool(paths))]
    lines += [Evidence(f"{path} environment", "a CI deploy to staging", env, True) for path, env in deploys]
    if deploys:
        return outcome(Status.PASS, f"CI deploys to a staging environment ({deploys[0][1]})", lines)
    if paths:
        return outcome(Status.PASS, f"staging configuration committed ({paths[0]})", lines)
    return outcome(Status.FAIL, "no staging environment, overlay or CI deploy to staging", lines)


@probe("repo.progressive-delivery")
async def progressive_delivery(ctx: ProbeContext) -> Outcome:
    files = await tracked_files(ctx)
    lines: list[Evidence] = []
    for path in (p for p in files if p.endswith((".yaml", ".yml"))):
        text = read_text(ctx, path) or ""
        for kind, api in (("Rollout", "argoproj.io"), ("Canary", "flagger.app")):
            if re.search(rf"^\s*kind:\s*{kind}\s*$", text, re.MULTILINE) and api in text:
                strategy = next((s for s in ("canary", "blueGreen") if re.search(rf"^\s*{s}:", text, re.MULTILINE)), "analysis")
                lines.append(Evidence(f"{path}", "Argo Rollout / Flagger Canary", f"{kind} ({api}, {strategy})", True))
    for pipeline, job, step in _steps(await pipelines(ctx), PROGRESSIVE_CI):
        lines.append(Evidence(f"{pipeline.path} job {job}", "a canary or blue-green step", step, True))
    if lines:
        return outcome(Status.PASS, f"progressive delivery: {lines[0].actual} in {lines[0].label}", lines)
    lines.append(Evidence("progressive delivery", "Argo Rollouts, Flagger or a canary/blue-green CI step", "none (rolling update only)", False))
    return outcome(Status.FAIL, "no canary or blue-green deployment: every release reaches all users at once", lines)
