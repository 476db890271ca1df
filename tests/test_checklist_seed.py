"""checklists/production.toml holds the seed markdown, item for item, with stable unique ids."""

import re

from linkflow_console.checklist import Severity, load_checklist
from linkflow_console.paths import bundled_checklist
from linkflow_console.probes.catalog import PROBES
from tests.conftest import seed_markdown


def parse_seed():
    sections = []
    for line in seed_markdown().read_text().splitlines():
        if line.startswith("## "):
            sections.append((line[3:], []))
        elif line.startswith("### "):
            sections[-1][1].append((line[4:], []))
        elif line.startswith("- [ ] "):
            sections[-1][1][-1][1].append((line[6:], []))
        elif line.startswith("  - "):
            sections[-1][1][-1][1][-1][1].append(line[4:])
    return sections


def test_toml_matches_seed_item_for_item():
    checklist = load_checklist(bundled_checklist())
    seed = parse_seed()
    assert [s.title for s in checklist.sections] == [title for title, _ in seed]
    for section, (_, seed_subs) in zip(checklist.sections, seed):
        assert [s.title for s in section.subsections] == [title for title, _ in seed_subs]
        for subsection, (_, seed_items) in zip(section.subsections, seed_subs):
            assert [i.text for i in subsection.items] == [text for text, _ in seed_items]
            for item, (_, children) in zip(subsection.items, seed_items):
                assert [c.text for c in item.children] == children


def test_counts_are_those_of_the_seed():
    checklist = load_checklist(bundled_checklist())
    assert len(checklist.sections) == 10
    assert sum(len(s.subsections) for s in checklist.sections) == 25
    assert len(list(checklist.items())) == 121
    key_metrics = checklist.get("monitoring.metrics.key-metrics")
    assert key_metrics is not None and len(key_metrics.children) == 6


def test_ids_are_unique_readable_and_scoped():
    checklist = load_checklist(bundled_checklist())
    ids = [i.id for i in checklist.all_items()]
    assert len(ids) == len(set(ids))
    for item in checklist.items():
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+\.[a-z0-9-]+", item.id), item.id
        assert item.id.startswith(f"{item.section_id}.{item.subsection_id}.")
    assert checklist.get("security.network.tls-min-version").text == "TLS 1.2+ enforced"


def test_every_item_has_severity_runbook_and_known_probes():
    checklist = load_checklist(bundled_checklist())
    severities = {i.severity for i in checklist.items()}
    assert severities == {Severity.BLOCKER, Severity.HIGH, Severity.NORMAL}
    for item in checklist.items():
        assert item.runbook and "#" in item.runbook
        assert all(p in PROBES for p in item.probes)
    assert checklist.probe_ids() == set(PROBES), "every probe proves some item"
