"""What a tick by hand carries and what it is told: a blocker's evidence (a note or a link, as
production-readiness reviews require), and why a failing item stays open after a tick."""

from __future__ import annotations

import sys

from linkflow_console.errors import UserError
from linkflow_console.status import still_open_after_tick


def tick_note(session, item_id: str, note: str, evidence: str) -> str:
    """The note recorded with the tick: the note and the evidence link together. A blocker ticked
    at a terminal with neither is asked for it; nothing is recorded without an answer."""
    note, evidence = note.strip(), evidence.strip()
    text = f"{note} (evidence: {evidence})" if note and evidence else note or (f"evidence: {evidence}" if evidence else "")
    item = session.checklist.get(item_id)
    if text or item is None or item.severity != "blocker" or not sys.stdin.isatty():
        return text
    try:
        answer = input(f"{item_id} is a blocker: evidence (a note or a link): ").strip()
    except EOFError:
        answer = ""
    if not answer:
        raise UserError(f"{item_id} not ticked: a blocker ticked by hand needs its evidence",
                        fix=f"tick {item_id} --note 'how it was checked' or --evidence URL")
    return answer


def tick_warnings(session, item_id: str, note: str) -> list[str]:
    warnings = []
    item = session.checklist.get(item_id)
    if item is not None and item.severity == "blocker" and not note:
        warnings.append(f"{item_id} is a blocker ticked with no evidence; add it with "
                        f"`note {item_id} 'how it was checked'` (reviews ask for it)")
    why = still_open_after_tick(session.views()[item_id])
    if why:
        warnings.append(f"{item_id}: {why}")
    return warnings
