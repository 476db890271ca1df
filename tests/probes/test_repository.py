"""Repository probes on real git repositories made in temporary directories (git init, commits, tags,
a bare remote on disk; no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from tests.probes.manifests import deployment, container, fixed, write
from tests.probes.repo_builder import (
    ALERTS,
    add_pushed_remote,
    commit,
    good_files,
    make_repo,
    run_repo,
)

REPO_PROBES = ["repo.ci-tests", "repo.ci-security-scan", "repo.version-tag", "repo.changelog", "repo.staging",
               "repo.progressive-delivery", "repo.alert-runbooks", "repo.config-in-git", "repo.architecture-doc", "repo.rto", "repo.rpo", "repo.failover-doc"]


@pytest.fixture
def good_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "linkflow", good_files(), tags=("v1.4.2",))
    add_pushed_remote(repo)
    return repo


@pytest.mark.parametrize("probe_id", REPO_PROBES)
async def test_good_repository_passes(probe_id: str, tmp_path: Path, good_repo: Path) -> None:
    result = await run_repo(probe_id, tmp_path, good_repo)
    assert result.status is Status.PASS, (result.summary, result.evidence)
    assert result.evidence


@pytest.mark.parametrize("probe_id", [p for p in REPO_PROBES if p not in ("repo.alert-runbooks", "repo.version-tag")])
async def test_bare_repository_fails(probe_id: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "bare", {"README.md": "# LinkFlow\n", "main.go": "package main\n"})
    result = await run_repo(probe_id, tmp_path, repo)
    assert result.status is Status.FAIL, (result.summary, result.evidence)


async def test_not_a_git_repository_is_error(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    result = await run_repo("repo.ci-tests", tmp_path, tmp_path / "plain")
    assert result.status is Status.ERROR and "git ls-files" in result.summary


async def test_tests_only_by_hand_warn_and_no_test_step_fails(tmp_path: Path) -> None:
    manual = "on: workflow_dispatch\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n"
    repo = make_repo(tmp_path / "r1", {".github/workflows/t.yaml": manual})
    assert (await run_repo("repo.ci-tests", tmp_path, repo)).status is Status.WARN
    lint = "on: [push]\njobs:\n  l:\n    runs-on: x\n    steps:\n      - run: golangci-lint run\n"
    repo = make_repo(tmp_path / "r2", {".github/workflows/l.yml": lint})
    result = await run_repo("repo.ci-tests", tmp_path, repo)
    assert result.status is Status.FAIL and result.summary == "CI runs no tests"


async def test_gitlab_pipeline_with_security_templates(tmp_path: Path) -> None:
    gitlab = ("include:\n  - template: Security/SAST.gitlab-ci.yml\n  - template: Security/Dependency-Scanning.gitlab-ci.yml\n"
              "test:\n  image: golang:1.22\n  script:\n    - go test ./...\n")
    repo = make_repo(tmp_path / "gl", {".gitlab-ci.yml": gitlab})
    assert (await run_repo("repo.ci-tests", tmp_path, repo)).status is Status.PASS
    assert (await run_repo("repo.ci-security-scan", tmp_path, repo)).status is Status.PASS


async def test_only_dependency_scan_warns(tmp_path: Path) -> None:
    ci = "on: [pull_request]\njobs:\n  s:\n    runs-on: x\n    steps:\n      - uses: aquasecurity/trivy-action@0.24.0\n"
    repo = make_repo(tmp_path / "r", {".github/workflows/s.yml": ci})
    result = await run_repo("repo.ci-security-scan", tmp_path, repo)
    assert result.status is Status.WARN and "SAST" in result.summary


async def test_version_tag_states(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.txt": "1"})
    result = await run_repo("repo.version-tag", tmp_path, repo)
    assert result.status is Status.FAIL
    from tests.probes.repo_builder import git

    git(repo, "tag", "release-2026-11")
    assert (await run_repo("repo.version-tag", tmp_path, repo)).status is Status.FAIL
    git(repo, "tag", "v1.3.0")
    assert (await run_repo("repo.version-tag", tmp_path, repo)).status is Status.PASS
    commit(repo, {"a.txt": "2"})
    result = await run_repo("repo.version-tag", tmp_path, repo)
    assert result.status is Status.WARN and "1 commit(s) past v1.3.0" in result.summary


async def test_deployed_image_tag_must_be_a_release(tmp_path: Path, good_repo: Path) -> None:
    objects = fixed()
    write(tmp_path / "deploy", objects)
    extra = '[kubernetes]\nmanifests = ["deploy"]'
    result = await run_repo("repo.version-tag", tmp_path, good_repo, extra)
    assert result.status is Status.PASS and "v1.4.2" in result.summary
    objects[0] = deployment("linkflow-api", container("api", "ghcr.io/linkflow/api:sha-1f2e3d"))
    write(tmp_path / "deploy", objects)
    result = await run_repo("repo.version-tag", tmp_path, good_repo, extra)
    assert result.status is Status.FAIL and "sha-1f2e3d" in result.summary


async def test_changelog_without_the_latest_tag_fails(tmp_path: Path, good_repo: Path) -> None:
    from tests.probes.repo_builder import git

    git(good_repo, "tag", "v1.2.3")  # older than v1.4.2: the latest stays v1.4.2
    assert (await run_repo("repo.changelog", tmp_path, good_repo)).status is Status.PASS
    git(good_repo, "tag", "v1.2.31")
    git(good_repo, "tag", "v1.5.0")
    result = await run_repo("repo.changelog", tmp_path, good_repo)
    assert result.status is Status.FAIL and "v1.5.0" in result.summary


async def test_alert_runbook_problems(tmp_path: Path) -> None:
    files = good_files()
    files["docs/runbooks/queue.md"] = "# Queue\n\n## Something else\n"
    files["deploy/monitoring/alerts/more.yml"] = "groups:\n  - name: x\n    rules:\n      - alert: DiskSpaceLow\n        expr: up == 0\n"
    repo = make_repo(tmp_path / "r", files)
    result = await run_repo("repo.alert-runbooks", tmp_path, repo)
    assert result.status is Status.FAIL
    assert "1 without runbook_url and 1 dangling" in result.summary
    assert "no such section" in next(e.actual for e in result.evidence if "WorkerQueueBacklog" in e.label)


async def test_external_runbook_links_warn_and_no_rules_is_error(tmp_path: Path) -> None:
    external = ALERTS.replace("../../../docs/runbooks/api.md#high-error-rate", "https://wiki.example.com/display/OPS/HighErrorRate")
    repo = make_repo(tmp_path / "r", {**good_files(), "deploy/monitoring/alerts/linkflow.yml": external})
    assert (await run_repo("repo.alert-runbooks", tmp_path, repo)).status is Status.WARN
    empty = make_repo(tmp_path / "e", {"README.md": "x"})
    result = await run_repo("repo.alert-runbooks", tmp_path, empty)
    assert result.status is Status.ERROR and "no Prometheus alerting rules" in result.summary


async def test_config_not_pushed_or_dirty_warns(tmp_path: Path, good_repo: Path) -> None:
    commit(good_repo, {"deploy/k8s/base/extra.yaml": "a: 1\n"})
    result = await run_repo("repo.config-in-git", tmp_path, good_repo)
    assert result.status is Status.WARN and "commits not pushed" in result.summary
    (good_repo / "deploy" / "k8s" / "base" / "rollout.yaml").write_text("changed: true\n")
    result = await run_repo("repo.config-in-git", tmp_path, good_repo, '[kubernetes]\nmanifests = ["linkflow/deploy/k8s"]')
    assert "uncommitted changes in deploy/k8s" in result.summary


async def test_architecture_doc_missing_components_warns(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/architecture.md": "# Architecture\nThe api talks to PostgreSQL.\n"})
    result = await run_repo("repo.architecture-doc", tmp_path, repo)
    assert result.status is Status.WARN and "worker" in result.summary and "Redis" in result.summary


async def test_hung_git_costs_one_timeout(tmp_path: Path, good_repo: Path) -> None:
    """A real git whose fsmonitor hook hangs: the probe gives up within its timeout, as `error`."""
    import time

    from tests.probes.repo_builder import git

    hook = tmp_path / "hang.sh"
    hook.write_text("#!/bin/sh\nsleep 5\n")
    hook.chmod(0o755)
    git(good_repo, "config", "core.fsmonitor", str(hook))
    started = time.perf_counter()
    result = await run_repo("repo.config-in-git", tmp_path, good_repo, timeout=1.0)
    assert result.status is Status.ERROR
    assert "did not finish within 0.8 s" in result.summary or "timed out after 1 s" in result.summary
    assert time.perf_counter() - started < 3


async def test_staging_in_docs_or_api_collections_does_not_count(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/api/postman/LinkFlow-Staging.postman_environment.json": "{}",
                                      "docs/staging.md": "# Staging\n"})
    assert (await run_repo("repo.staging", tmp_path, repo)).status is Status.FAIL
    repo = make_repo(tmp_path / "r2", {"deploy/helm/values-staging.yaml": "replicaCount: 1\n"})
    assert (await run_repo("repo.staging", tmp_path, repo)).status is Status.PASS


async def test_untracked_build_output_is_not_unsaved_configuration(tmp_path: Path, good_repo: Path) -> None:
    (good_repo / "bin").mkdir()
    (good_repo / "bin" / "api").write_text("binary")
    assert (await run_repo("repo.config-in-git", tmp_path, good_repo)).status is Status.PASS
    (good_repo / "deploy" / "k8s" / "base" / "new.yaml").write_text("kind: Service\n")
    result = await run_repo("repo.config-in-git", tmp_path, good_repo, '[kubernetes]\nmanifests = ["linkflow/deploy/k8s"]')
    assert result.status is Status.WARN and "new.yaml" in result.evidence[1].actual


DR_DOC = """# Disaster recovery

| Scenario | Recovery path | Measured |
|---|---|---|
| PostgreSQL primary lost | promote the replica | 12 min |

RTO: 45 minutes for every scenario (drill of 2026-11-02).
Our RPO is 1 minute: WAL is archived every 60 s.
"""


async def test_recovery_objectives_documented(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/operations/disaster-recovery.md": DR_DOC,
                                      "docs/checklist.md": "- [ ] RTO documented (< 1 hour)\n- [ ] RPO documented (< 5 minutes)\n"})
    rto = await run_repo("repo.rto", tmp_path, repo)
    assert rto.status is Status.PASS and "45 min" in rto.summary and rto.values["rto_seconds"] == 2700
    rpo = await run_repo("repo.rpo", tmp_path, repo)
    assert rpo.status is Status.PASS and "disaster-recovery.md:8" in rpo.summary


async def test_recovery_objectives_over_target_or_missing_fail(tmp_path: Path) -> None:
    slow = DR_DOC.replace("RTO: 45 minutes", "RTO: 4 hours").replace("RPO is 1 minute", "RPO is 24 hours")
    repo = make_repo(tmp_path / "r", {"docs/dr.md": slow})
    assert (await run_repo("repo.rto", tmp_path, repo)).status is Status.FAIL
    result = await run_repo("repo.rpo", tmp_path, repo)
    assert result.status is Status.FAIL and "24 h" in result.summary
    repo = make_repo(tmp_path / "c", {"CHECKLIST.md": "- [ ] RTO documented (< 1 hour)\n"})
    result = await run_repo("repo.rto", tmp_path, repo)
    assert result.status is Status.FAIL and "no committed document states an RTO" in result.summary


FAILOVER_DOC = """# Operations

## PostgreSQL failover

1. Confirm the primary is down: `pg_isready -h db-primary`.
2. Promote the replica: `aws rds promote-read-replica --db-instance-identifier linkflow-replica`.
3. Point `DATABASE_HOST` at the new primary and restart api and worker.

## Backups
Nightly.
"""


async def test_failover_procedure_states(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"docs/ops.md": FAILOVER_DOC})
    result = await run_repo("repo.failover-doc", tmp_path, repo)
    assert result.status is Status.PASS and "docs/ops.md:3" in result.summary
    repo = make_repo(tmp_path / "w", {"docs/ops.md": "# Ops\n\n## Failover\nAsk the DBA.\n\n## Backups\n1. a\n2. b\n3. c\n"})
    assert (await run_repo("repo.failover-doc", tmp_path, repo)).status is Status.WARN
