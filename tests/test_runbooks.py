"""Every item resolves to a real runbook section; team runbooks override; `runbook ID` prints it."""

from __future__ import annotations

import re

import pytest

from linkflow_console.state import record as state_record
from linkflow_console.checklist import load_checklist
from linkflow_console.paths import bundled_checklist, bundled_dir
from linkflow_console.runbooks import PROBE_HEADING, REQUIRED_HEADINGS, RunbookLibrary
from tests.conftest import run_cli

CHECKLIST = load_checklist(bundled_checklist())
LIBRARY = RunbookLibrary()
PROCESS_SECTIONS = ("pre-launch.launch-day.", "post-launch.")
MIN_CHARS_PER_HEADING = 80  # a heading with a sentence or two at least


@pytest.mark.parametrize("item", list(CHECKLIST.items()), ids=lambda i: i.id)
def test_item_has_a_complete_runbook_section(item):
    section = LIBRARY.section_for(item)
    assert section is not None, f"{item.runbook} does not resolve"
    assert section.anchor == item.id
    assert section.title == item.text
    headings = section.headings()
    required = list(REQUIRED_HEADINGS)
    if item.probes:
        required.append(PROBE_HEADING)
    if item.id.startswith(PROCESS_SECTIONS):
        required.append("Procedure")
    missing = [h for h in required if h not in headings]
    assert not missing, f"{item.id}: missing {missing}"
    parts = re.split(r"^### (.+?)\s*$", section.body, flags=re.MULTILINE)
    bodies = dict(zip(parts[1::2], parts[2::2]))
    for heading in required:
        assert len(bodies[heading].strip()) >= MIN_CHARS_PER_HEADING, f"{item.id}: '{heading}' is near-empty"
    if item.probes:
        assert any(p in bodies[PROBE_HEADING] for p in item.probes), f"{item.id}: names none of its probes"


def test_check_by_hand_has_commands():
    without = [i.id for i in CHECKLIST.items() if "```" not in LIBRARY.section_for(i).body.split("### Fix")[0]]
    assert len(without) <= 5, f"items without a command to check by hand: {without}"


def test_no_dangling_anchor_or_link():
    anchors = {s.anchor for f in LIBRARY.files() for s in f.sections.values()}
    item_ids = {i.id for i in CHECKLIST.items()}
    assert anchors <= item_ids, f"sections for no item: {sorted(anchors - item_ids)}"
    for runbook in LIBRARY.files():
        for target in re.findall(r"\]\((?!https?://|mailto:)([^)\s]+)\)", runbook.text):
            name, _, anchor = target.partition("#")
            path = runbook.path.parent / name if name else runbook.path
            assert path.exists(), f"{runbook.path.name}: dangling link {target}"
            if anchor:
                assert anchor in {s.anchor for s in LIBRARY.file_named(path.name).sections.values()} or anchor in item_ids, (
                    f"{runbook.path.name}: dangling anchor {target}"
                )


def test_every_runbook_file_is_referenced():
    referenced = {i.runbook.split("#")[0] for i in CHECKLIST.items()}
    on_disk = {p.name for p in bundled_dir("runbooks").glob("*.md") if p.name.lower() != "readme.md"}
    assert on_disk == referenced


def test_team_runbooks_override_the_bundled_ones(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    (team / "security-network.md").write_text(
        "# Ours\n\n## TLS 1.2+ enforced {#security.network.tls-min-version}\n\n### Why it matters\nOur LB terminates TLS.\n"
    )
    library = RunbookLibrary(team)
    item = CHECKLIST.get("security.network.tls-min-version")
    assert "Our LB terminates TLS." in library.section_for(item).body
    other = CHECKLIST.get("security.network.cors")
    assert library.section_for(other).path.parent == bundled_dir("runbooks")  # falls back
    printed = run_cli("runbook", "security.network.tls-min-version", "--runbooks", str(team))
    assert printed.returncode == 0 and "Our LB terminates TLS." in printed.stdout


def test_runbook_command_prints_the_section_and_evidence_first(tmp_path):
    from datetime import UTC, datetime

    from linkflow_console.probes.base import Evidence, ProbeResult, Status
    from linkflow_console.state import StateStore

    state = tmp_path / "s.toml"
    state_record.record_results(StateStore(state, "production", "default"), [
        ProbeResult("redis.memory-policy", Status.FAIL, "maxmemory-policy allkeys-lru evicts jobs",
                    (Evidence("maxmemory-policy", "noeviction", "allkeys-lru", False),), {}, {}, 3.0,
                    datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),
    ])
    result = run_cli("runbook", "infrastructure.redis.memory-limits", "--state", str(state))
    assert result.returncode == 0
    out = result.stdout
    assert "Memory limits configured" in out and "allkeys-lru" in out
    assert out.index("allkeys-lru") < out.index("Fix")
    assert run_cli("runbook", "no.such.item").returncode == 2


# Names that exist in LinkFlow (see linkflow-reference.md). A runbook command naming anything else reads
# empty or fails on a real deployment: old Asynq key names, keys without the {queue} hash tag, paths
# the api does not serve, metric names no binary registers, a TLS 1.0/1.1 test that OpenSSL 3 never sends.
REGISTERED_METRICS = {
    "linkflow_http_requests_total", "linkflow_http_request_duration_seconds", "linkflow_workflow_executions_total",
    "linkflow_workflow_execution_duration_seconds", "linkflow_workflow_executions_in_progress",
    "linkflow_node_executions_total", "linkflow_webhooks_received_total", "linkflow_webhook_queue_depth",
    "linkflow_webhook_dlq_depth", "linkflow_queue_tasks_total", "linkflow_queue_tasks_processed_total",
    "linkflow_queue_depth", "linkflow_db_query_duration_seconds", "linkflow_db_connections_open",
    "linkflow_rate_limit_hits_total",
}
# series the runbooks themselves introduce (a recording rule, a proposed build-info gauge)
INTRODUCED_METRICS = {"linkflow_active_workers", "linkflow_build_info"}
METRIC_LIKE = re.compile(r"\blinkflow_[a-z_]+_(?:total|seconds|bucket|sum|count|depth|open|in_progress|info|workers)\b")
WRONG_NAMES = [
    (re.compile(r"asynq:queue:"), "old Asynq key name (reads empty); use asynq:{<queue>}:pending"),
    (re.compile(r"asynq:(?!queues\b|servers\b|workers\b)[A-Za-z][\w-]*:"),
     "Asynq queue key without the {queue} hash tag; use asynq:{<queue>}:<kind>"),
    (re.compile(r"asynq:\{[^}\s]*\}:(?!pending\b|active\b|scheduled\b|retry\b|archived\b|t:|\*)[\w-]+"),
     "unknown Asynq key kind (dead letters are :archived); use :pending/:active/:scheduled/:retry/:archived"),
    (re.compile(r"/api/v1/metrics"), "/metrics is served at the root, not under /api/v1"),
    (re.compile(r"(?<!/api/v1)/health(?:z)?\b"), "health endpoints are /api/v1/health, /api/v1/health/live, /api/v1/health/ready"),
    (re.compile(r"redis-cli\b[^\n|]*\s-a\s"), "password on the redis-cli command line; use REDISCLI_AUTH"),
    (re.compile(r"(?<!linkflow-)\bdeploy/(?:api|worker|scheduler)\b"),
     "deployments are linkflow-api, linkflow-worker, linkflow-scheduler in the base manifests"),
]


def _runbook_lines():
    for runbook in LIBRARY.files():
        for number, line in enumerate(runbook.text.splitlines(), 1):
            yield f"{runbook.path.name}:{number}", line


def test_commands_use_names_that_exist_in_linkflow():
    found = [f"{where}: {why}: {pattern.search(line).group(0)!r}"
             for where, line in _runbook_lines() for pattern, why in WRONG_NAMES if pattern.search(line)]
    assert not found, "\n".join(found)


def test_metric_names_are_registered_or_introduced():
    known = REGISTERED_METRICS | INTRODUCED_METRICS
    unknown = [f"{where}: {name}" for where, line in _runbook_lines() for name in METRIC_LIKE.findall(line)
               if name not in known and re.sub(r"_(bucket|sum|count)$", "", name) not in known]
    assert not unknown, "metric names LinkFlow does not register:\n" + "\n".join(unknown)


def test_legacy_tls_tests_lower_the_openssl_security_level():
    # OpenSSL 3 refuses to send TLS 1.0/1.1 at the default level: without @SECLEVEL=0 the test
    # prints "no protocols available" and looks exactly like a server that refuses them.
    legacy = re.compile(r"s_client\b.*\s-(?:tls1|tls1_1|\$\w+)\b")
    weak = [where for where, line in _runbook_lines() if legacy.search(line) and "SECLEVEL=0" not in line]
    assert not weak, f"openssl s_client -tls1/-tls1_1 without -cipher 'DEFAULT:@SECLEVEL=0': {weak}"
