"""The README's probe table and manual list, `linkflow-console probes` and the runbooks' "What the
console checks" sections stay in step with the catalog and the checklist's probe mapping."""

from __future__ import annotations

import re
from pathlib import Path

from linkflow_console.checklist import load_checklist
from linkflow_console.paths import bundled_checklist
from linkflow_console.probes.catalog import PROBES
from linkflow_console.runbooks import PROBE_HEADING, RunbookLibrary
from tests.conftest import run_cli

CHECKLIST = load_checklist(bundled_checklist())
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
MIN_PROBE_BACKED = 80


def readme_table_probes() -> set[str]:
    """Probe ids named in the first column of the README's probe table (`a` / `b`, `x.alert-*` (p, q))."""
    section = README.split("## Probes", 1)[1].split("\n## ", 1)[0]
    found: set[str] = set()
    for row in re.findall(r"^\| (`[^|]+)\|", section, re.MULTILINE):
        for name in re.findall(r"`([a-z0-9-]+\.[a-z0-9*-]+)`", row):
            if name.endswith("*"):
                suffixes = re.search(r"\(([^)]*)\)", row)
                found |= {name[:-1] + s.strip() for s in (suffixes.group(1).split(",") if suffixes else [])}
            else:
                found.add(name)
    return found


def test_readme_table_lists_exactly_the_catalog() -> None:
    assert readme_table_probes() == set(PROBES)


def test_readme_manual_list_matches_the_checklist() -> None:
    manual = [item.id for item in CHECKLIST.items() if not item.probes]
    paragraph = README.split("Items that no probe can honestly decide", 1)[1].split("\n\n", 1)[0]
    assert f"{len(manual)} of {len(list(CHECKLIST.items()))} items" in paragraph
    assert re.findall(r"`([a-z0-9.-]+)`", paragraph) == manual


def test_enough_items_are_probe_backed() -> None:
    backed = [item for item in CHECKLIST.items() if item.probes]
    assert len(backed) >= MIN_PROBE_BACKED


def test_runbooks_name_every_probe_of_their_item() -> None:
    library = RunbookLibrary()
    unnamed = []
    for item in CHECKLIST.items():
        if not item.probes:
            continue
        body = library.section_for(item).body
        checks = body.split(f"### {PROBE_HEADING}", 1)[1].split("\n### ", 1)[0]
        unnamed += [f"{item.id}: {p}" for p in item.probes if f"`{p}`" not in checks and not _named_by_pattern(p, checks)]
    assert not unnamed


def _named_by_pattern(probe_id: str, text: str) -> bool:
    """`prometheus.alert-*` style mentions cover a family of probes."""
    return any(probe_id.startswith(stem) for stem in re.findall(r"`([a-z0-9]+\.[a-z0-9-]*)\*`", text))


def test_probes_command_lists_every_probe_with_its_items() -> None:
    done = run_cli("probes")
    assert done.returncode == 0
    flat = done.stdout.replace("\n", " ")
    assert all(probe_id in flat for probe_id in PROBES)
