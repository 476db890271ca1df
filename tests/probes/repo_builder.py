"""Real git repositories for the repository-probe tests: `git init`, commits, tags, a bare remote."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.engine import run_probe
from tests.probes.manifests import profile_context

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=True)
    return done.stdout


def make_repo(root: Path, files: dict[str, str], tags: tuple[str, ...] = ()) -> Path:
    """A repository with `files` committed in one commit, then `tags` on it."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    commit(root, files, "initial")
    for tag in tags:
        git(root, "tag", tag)
    return root


def commit(repo: Path, files: dict[str, str], message: str = "change") -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


def add_pushed_remote(repo: Path) -> Path:
    """A bare repository on disk as `origin`, with main pushed (no network)."""
    bare = repo.parent / (repo.name + ".git")
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env={**os.environ, **GIT_ENV})
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "-u", "origin", "main")
    return bare


async def run_repo(probe_id: str, tmp_path: Path, repo: Path, extra: str = "", timeout: float = 5.0) -> ProbeResult:
    return await run_probe(probe_id, profile_context(tmp_path, f'{extra}\n[repository]\npath = "{repo}"', timeout))


GITHUB_CI = """\
name: ci
on:
  push:
    branches: ["**"]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
      - run: go test -race ./...
  security:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: securego/gosec@v2.20.0
        with: { args: ./... }
      - run: go install golang.org/x/vuln/cmd/govulncheck@latest && govulncheck ./...
  deploy-staging:
    needs: [test, security]
    environment: staging
    runs-on: ubuntu-latest
    steps:
      - run: kubectl argo rollouts promote linkflow-api
"""

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: { name: linkflow-api }
spec:
  strategy:
    canary:
      steps: [{ setWeight: 10 }, { pause: { duration: 10m } }]
"""

ALERTS = """\
groups:
  - name: linkflow
    rules:
      - alert: HighErrorRate
        expr: sum(rate(linkflow_http_requests_total{status=~"5.."}[5m])) / sum(rate(linkflow_http_requests_total[5m])) > 0.01
        annotations:
          runbook_url: ../../../docs/runbooks/api.md#high-error-rate
      - alert: WorkerQueueBacklog
        expr: sum(linkflow_queue_depth) > 1000
        annotations:
          runbook_url: https://github.com/acme/linkflow/blob/main/docs/runbooks/queue.md#worker-queue-backlog
"""

RUNBOOK_API = "# API runbooks\n\n## High error rate\n\nCheck the logs.\n"
RUNBOOK_QUEUE = "# Queue\n\n## Worker queue backlog {#worker-queue-backlog}\n\nScale the workers.\n"
CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [1.2.30] - 2026-11-01\n\n## [1.4.2] - 2026-11-20\n- Fixed the worker HPA.\n"
ARCHITECTURE = ("# Architecture\n\nThe api serves HTTP; the worker runs workflow executions from Asynq queues; the scheduler "
                "elects a leader. State lives in PostgreSQL, Redis holds queues, S3 stores files.\n")


def good_files() -> dict[str, str]:
    return {
        ".github/workflows/ci.yml": GITHUB_CI,
        "deploy/k8s/overlays/staging/kustomization.yaml": "resources: [../../base]\n",
        "deploy/k8s/base/rollout.yaml": ROLLOUT,
        "deploy/monitoring/alerts/linkflow.yml": ALERTS,
        "docs/runbooks/api.md": RUNBOOK_API,
        "docs/runbooks/queue.md": RUNBOOK_QUEUE,
        "CHANGELOG.md": CHANGELOG,
        "ARCHITECTURE.md": ARCHITECTURE,
        "docs/operations/disaster-recovery.md": "# DR\n\nRTO: 30 minutes. RPO: 1 minute (WAL every 60 s).\n\n"
                                                "## Redis failover\n```bash\nredis-cli -p 26379 SENTINEL failover mymaster\n```\n",
    }
