"""`check` end to end with the manifest and repository probe sources: a profile pointing at a
temporary manifest directory and git repository, and manifests piped in on stdin."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import run_cli
from tests.probes.manifests import fixed, shipped, write
from tests.probes.repo_builder import add_pushed_remote, good_files, make_repo

SOURCE_ITEMS = [
    "scalability.horizontal.api-hpa-cpu", "scalability.horizontal.worker-hpa-queue-depth",
    "scalability.horizontal.load-balancer", "scalability.horizontal.websocket-affinity",
    "application.health.liveness-probe", "security.data.secrets-management", "monitoring.metrics.grafana-dashboards",
    "application.logging.log-aggregation", "deployment.cicd.automated-tests", "deployment.cicd.security-scanning",
    "deployment.cicd.staging", "deployment.cicd.progressive-delivery", "deployment.release.version-tagging",
    "deployment.release.changelog", "monitoring.on-call.runbooks", "dr.backups.config-backed-up", "compliance.docs.architecture",
]


def check(profile: Path, tmp_path: Path, *items: str, input_text: str | None = None):
    return run_cli("check", "--profile", str(profile), "--state", str(tmp_path / "state.toml"), "--format", "json",
                   "--only", *items, input_text=input_text)


def test_check_proves_items_from_manifests_and_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "linkflow", good_files(), tags=("v1.4.2",))
    write(repo / "deploy" / "k8s" / "rendered", fixed())
    from tests.probes.repo_builder import commit

    commit(repo, {}, "rendered manifests")
    add_pushed_remote(repo)
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "ci"\n[kubernetes]\nmanifests = ["linkflow/deploy/k8s/rendered"]\n[repository]\npath = "linkflow"\n')

    done = check(profile, tmp_path, *SOURCE_ITEMS)

    assert done.returncode == 0, done.stderr
    report = {item["id"]: item for item in json.loads(done.stdout)["items"]}
    assert {i: report[i]["status"] for i in SOURCE_ITEMS} == {i: "pass" for i in SOURCE_ITEMS}
    assert all(report[i]["evidence"] for i in SOURCE_ITEMS), "every verdict carries evidence"
    hpa = report["scalability.horizontal.api-hpa-cpu"]
    assert {"k8s.api-hpa", "k8s.resources"} == {p["probe"] for p in hpa["probes"]}


def test_check_reads_manifests_from_stdin(tmp_path: Path) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "ci"\n[kubernetes]\nmanifests = ["-"]\n')
    rendered = yaml.safe_dump_all(shipped())

    done = check(profile, tmp_path, "scalability.horizontal.worker-hpa-queue-depth", "scalability.horizontal.load-balancer",
                 input_text=rendered)

    assert done.returncode == 1, done.stderr
    report = {item["id"]: item for item in json.loads(done.stdout)["items"]}
    assert report["scalability.horizontal.worker-hpa-queue-depth"]["status"] == "fail"
    assert "CPU/memory only" in report["scalability.horizontal.worker-hpa-queue-depth"]["summary"]
    assert report["scalability.horizontal.load-balancer"]["status"] == "pass"


def test_broken_manifest_on_stdin_is_error_with_line(tmp_path: Path) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "ci"\n[kubernetes]\nmanifests = ["-"]\n')
    done = check(profile, tmp_path, "scalability.horizontal.load-balancer", input_text="kind: Service\n  bad: [\n")
    item = json.loads(done.stdout)["items"][0]
    assert item["status"] == "error" and "<stdin>:2" in item["summary"]
    assert "Traceback" not in done.stderr


def test_stdin_manifests_from_a_terminal_is_a_usage_error(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    profile = tmp_path / "profile.toml"
    profile.write_text('name = "ci"\n[kubernetes]\nmanifests = ["-"]\n')
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "linkflow_console", "check", "--profile", str(profile),
                               "--state", str(tmp_path / "state.toml")], stdin=terminal, capture_output=True, text=True, timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == 2
    assert "stdin is a terminal" in done.stderr and "helm template" in done.stderr and "Traceback" not in done.stderr


def test_source_probe_packages_load_no_library_until_a_probe_runs() -> None:
    import subprocess
    import sys

    code = ("import sys\nimport linkflow_console.probes.kubernetes, linkflow_console.probes.repository, "
            "linkflow_console.probes.cdn, linkflow_console.probes.s3_retention\n"
            "print(sorted(m for m in ('yaml', 'httpx', 'boto3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
