"""The `check` report: one row per checklist item, as JSON (a contract), JUnit XML or a table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from linkflow_console.checklist.model import Checklist
from linkflow_console.probes.base import Status
from linkflow_console.reports.export import manual_dict
from linkflow_console.status import ItemView, Shown
from linkflow_console.text import safe_text

MANUAL = "manual"
GATE_LEVELS = {"fail": {Status.FAIL}, "error": {Status.FAIL, Status.ERROR}, "warn": {Status.FAIL, Status.WARN}}


@dataclass(frozen=True)
class CheckRow:
    view: ItemView
    section: str
    subsection: str

    @property
    def status(self) -> str:
        if not self.view.item.probes:
            return MANUAL
        statuses = [r.status for r in self.view.results]
        if not statuses:
            return str(Status.SKIPPED)
        return str(self.view.probe_status or Status.SKIPPED)

    @property
    def summary(self) -> str:
        if not self.view.item.probes:
            return f"manual: {self.view.shown}"
        return "; ".join(r.summary for r in self.view.results)

    @property
    def accepted(self) -> bool:
        """A recorded N/A or a live waiver accepts a failing probe for the gate."""
        return self.view.shown in (Shown.NA, Shown.WAIVED)

    def to_dict(self) -> dict[str, Any]:
        item = self.view.item
        return {
            "id": item.id,
            "section": self.section,
            "subsection": self.subsection,
            "text": item.text,
            "severity": str(item.severity),
            "status": self.status,
            "shown": str(self.view.shown),
            "summary": self.summary,
            "evidence": [
                {"probe": r.probe_id, **e.to_dict()} for r in self.view.results for e in r.evidence
            ],
            "duration_ms": round(sum(r.duration_ms for r in self.view.results), 1),
            "probes": [r.to_dict() for r in self.view.results],
            "manual": manual_dict(self.view.manual),
        }


def rows(checklist: Checklist, views: dict[str, ItemView], only: set[str] | None = None) -> list[CheckRow]:
    out = []
    for item in checklist.items():
        if only and item.id not in only:
            continue
        section, subsection = checklist.location(item.id)
        out.append(CheckRow(views[item.id], section, subsection))
    return out


def gate_failed(check_rows: list[CheckRow], fail_on: str = "fail") -> list[CheckRow]:
    bad = {str(s) for s in GATE_LEVELS[fail_on]}
    return [r for r in check_rows if r.status in bad and not r.accepted]


def counts(check_rows: list[CheckRow]) -> dict[str, int]:
    out: dict[str, int] = {s: 0 for s in ("pass", "warn", "fail", "error", "skipped", MANUAL)}
    for row in check_rows:
        out[row.status] += 1
    return out


def to_json(check_rows: list[CheckRow], profile: str, started: datetime, finished: datetime) -> str:
    return json.dumps(
        {
            "profile": profile,
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            "items": [r.to_dict() for r in check_rows],
            "counts": counts(check_rows),
        },
        indent=2,
        ensure_ascii=False,
    )


def to_junit(check_rows: list[CheckRow], profile: str, started: datetime, finished: datetime) -> str:
    probed = [r for r in check_rows if r.status != MANUAL]
    failures = sum(r.status == "fail" for r in probed)
    errors = sum(r.status == "error" for r in probed)
    skipped = sum(r.status == "skipped" for r in probed)
    elapsed = (finished - started).total_seconds()
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<testsuites name={quoteattr('linkflow-console check')} tests=\"{len(probed)}\" failures=\"{failures}\" errors=\"{errors}\">",
        f"  <testsuite name={quoteattr(profile)} tests=\"{len(probed)}\" failures=\"{failures}\" errors=\"{errors}\" "
        f"skipped=\"{skipped}\" time=\"{elapsed:.3f}\" timestamp={quoteattr(started.isoformat(timespec='seconds'))}>",
    ]
    for row in probed:
        item = row.view.item
        head = (
            f"    <testcase classname={quoteattr(f'{row.section}.{row.subsection}')} name={quoteattr(item.id)} "
            f"time=\"{row.to_dict()['duration_ms'] / 1000:.3f}\""
        )
        evidence = "\n".join(f"{e.label}: expected {e.expected}, actual {e.actual}" for r in row.view.results for e in r.evidence)
        body = {
            "fail": f"<failure message={quoteattr(row.summary)}>{escape(evidence)}</failure>",
            "error": f"<error message={quoteattr(row.summary)}>{escape(evidence)}</error>",
            "skipped": f"<skipped message={quoteattr(row.summary)}/>",
        }.get(row.status)
        if row.accepted and body and row.status in ("fail", "error"):
            body = f"<skipped message={quoteattr(f'{row.view.shown}: ' + row.summary)}/>"
        out.append(f"{head}>{body}</testcase>" if body else f"{head}/>")
    out += ["  </testsuite>", "</testsuites>"]
    # a hostile target's text: a control character would make the XML invalid (and reach a terminal)
    return safe_text("\n".join(out)) + "\n"
