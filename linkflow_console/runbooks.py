"""Runbooks: markdown files in which every item has a section `## <text> {#<item id>}`.

A checklist item's `runbook = "file.md#item-id"` resolves in the team's directory first
(`--runbooks DIR` or the profile's `runbooks`), then in the bundled runbooks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from linkflow_console.checklist.model import Checklist, Item
from linkflow_console.errors import UserError, read_text_file
from linkflow_console.paths import bundled_dir
from linkflow_console.probes.base import Status
from linkflow_console.status import ItemView

_ANCHORED = re.compile(r"^## (?P<title>.+?)\s*\{#(?P<anchor>[^}]+)\}\s*$", re.MULTILINE)
REQUIRED_HEADINGS = ("Why it matters", "Check by hand", "Fix", "Verify and roll back")
PROBE_HEADING = "What the console checks"


@dataclass(frozen=True, slots=True)
class RunbookSection:
    anchor: str
    title: str
    body: str  # markdown below the heading
    path: Path
    line: int

    @property
    def markdown(self) -> str:
        return f"## {self.title}\n{self.body}"

    def headings(self) -> list[str]:
        return re.findall(r"^### (.+?)\s*$", self.body, re.MULTILINE)


@dataclass(frozen=True, slots=True)
class RunbookFile:
    path: Path
    title: str
    text: str
    sections: dict[str, RunbookSection]

    @property
    def display_text(self) -> str:
        """The whole file with `{#id}` anchors stripped from headings."""
        return re.sub(r"\s*\{#[^}]+\}\s*$", "", self.text, flags=re.MULTILINE)


@lru_cache(maxsize=256)
def _parse(path: Path, mtime_ns: int) -> RunbookFile:
    text = read_text_file(path, "runbook", UserError, "--runbooks")  # bounded size, friendly errors
    title_match = re.search(r"^# (.+)$", text, re.MULTILINE)
    matches = list(_ANCHORED.finditer(text))
    sections = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end():end].rstrip() + "\n"
        line = text.count("\n", 0, match.start()) + 1
        anchor = match.group("anchor").strip()
        sections[anchor] = RunbookSection(anchor, match.group("title").strip(), body, path, line)
    return RunbookFile(path, title_match.group(1).strip() if title_match else path.stem, text, sections)


def parse_file(path: Path) -> RunbookFile:
    return _parse(path, path.stat().st_mtime_ns)


class RunbookLibrary:
    def __init__(self, override_dir: Path | None = None, bundled: Path | None = None) -> None:
        self.dirs = [d for d in (override_dir, bundled or bundled_dir("runbooks")) if d is not None]

    def files(self) -> list[RunbookFile]:
        seen: dict[str, RunbookFile] = {}
        for directory in self.dirs:
            for path in sorted(directory.glob("*.md")):
                if path.name not in seen and path.name.lower() != "readme.md":
                    seen[path.name] = parse_file(path)
        return list(seen.values())

    def file_named(self, name: str) -> RunbookFile | None:
        for directory in self.dirs:
            path = directory / name
            if path.is_file():
                return parse_file(path)
        return None

    def resolve(self, reference: str) -> RunbookSection | None:
        name, _, anchor = reference.partition("#")
        for directory in self.dirs:
            path = directory / name
            if path.is_file():
                section = parse_file(path).sections.get(anchor)
                if section is not None:
                    return section
        return None

    def section_for(self, item: Item) -> RunbookSection | None:
        return self.resolve(item.runbook) if item.runbook else None

    def links(self, checklist: Checklist) -> dict[str, str]:
        out = {}
        for item in checklist.items():
            section = self.section_for(item)
            if section is not None:
                out[item.id] = f"{section.path}#{section.anchor}"
        return out

    def search(self, query: str, limit: int = 50) -> list[tuple[RunbookSection, str]]:
        """Sections whose text contains every word of the query, with the first matching line;
        sections whose title names the words first, then those that mention them most."""
        words = [w.lower() for w in query.split() if w]
        if not words:
            return []
        ranked: list[tuple[tuple[bool, int, int], RunbookSection, str]] = []
        for runbook in self.files():
            for section in runbook.sections.values():
                title, body = section.title.lower(), section.body.lower()
                haystack = title + "\n" + body
                if not all(w in haystack for w in words):
                    continue
                line = next((l.strip() for l in section.body.splitlines() if words[0] in l.lower()), section.title)
                mentions = sum(haystack.count(w) for w in words)
                rank = (not all(w in title for w in words), -mentions, len(ranked))
                ranked.append((rank, section, line[:120]))
        ranked.sort(key=lambda hit: hit[0])
        return [(section, line) for _, section, line in ranked[:limit]]


def evidence_markdown(view: ItemView) -> str:
    """The failing or erroring probes' evidence, as markdown to put above the fix."""
    lines = []
    for result in view.results:
        if result.status not in (Status.FAIL, Status.ERROR, Status.WARN):
            continue
        what = {"fail": "FAILING", "error": "COULD NOT TELL", "warn": "WARNING"}[str(result.status)]
        lines.append(f"> **{what}: `{result.probe_id}`** — {result.summary}")
        lines.append(">")
        lines.append(f"> ran {result.started_at:%Y-%m-%d %H:%M UTC}, {result.duration_ms:.0f} ms")
        if result.evidence:
            lines += ["", "| check | expected | actual | |", "|---|---|---|---|"]
            for e in result.evidence:
                mark = "" if e.ok is None else ("✔" if e.ok else "✘")
                lines.append(f"| {_cell(e.label)} | {_cell(e.expected)} | {_cell(e.actual)} | {mark} |")
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def failing_first(section: RunbookSection, view: ItemView) -> str:
    """When the item's probe fails or errors, the runbook starts with the evidence."""
    evidence = evidence_markdown(view) if view.probe_status in (Status.FAIL, Status.ERROR) else ""
    if not evidence:
        return section.markdown
    return f"## {section.title}\n\n### Evidence\n\n{evidence}\n{section.body}"
