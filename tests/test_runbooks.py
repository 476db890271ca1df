"""Every item resolves to a real runbook section; team runbooks override; `runbook ID` prints it."""

from __future__ import annotations

import re

import pytest

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
    StateStore(state, "production", "default").record_results([
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
