"""An item's shown status: its probe results, manual tick, N/A and waiver combined.

A manual tick never hides a failing probe. A waiver or N/A is a recorded decision, so it
shows as such (with the probe's verdict still visible beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from linkflow_console.checklist.model import Checklist, Item, Section
from linkflow_console.probes.base import ProbeResult, Status, worst
from linkflow_console.state.model import ItemState, State


class Shown(StrEnum):
    FAIL = "fail"
    ERROR = "error"
    WARN = "warn"
    OPEN = "open"
    EXPIRED = "expired"  # a waiver ran out: the item is open again
    PENDING = "pending"  # a probe is running
    PASS = "pass"  # proven by its probes
    DONE = "done"  # ticked by hand
    NA = "na"
    WAIVED = "waived"


COMPLETE = frozenset({Shown.PASS, Shown.DONE, Shown.NA, Shown.WAIVED})

# Glyphs carry the status without colour (colour is never the only carrier).
GLYPHS: dict[Shown, str] = {
    Shown.FAIL: "✘",
    Shown.ERROR: "?",
    Shown.WARN: "!",
    Shown.OPEN: "○",
    Shown.EXPIRED: "⌛",
    Shown.PENDING: "…",
    Shown.PASS: "✔",
    Shown.DONE: "✓",
    Shown.NA: "–",
    Shown.WAIVED: "≈",
}
ASCII_GLYPHS: dict[Shown, str] = {
    Shown.FAIL: "[x]",
    Shown.ERROR: "[?]",
    Shown.WARN: "[!]",
    Shown.OPEN: "[ ]",
    Shown.EXPIRED: "[e]",
    Shown.PENDING: "[.]",
    Shown.PASS: "[P]",
    Shown.DONE: "[v]",
    Shown.NA: "[-]",
    Shown.WAIVED: "[w]",
}

FILTERS: dict[str, frozenset[Shown]] = {
    "all": frozenset(Shown),
    "open": frozenset({Shown.OPEN, Shown.EXPIRED, Shown.WARN, Shown.FAIL, Shown.ERROR, Shown.PENDING}),
    "done": frozenset({Shown.PASS, Shown.DONE, Shown.NA}),
    "waived": frozenset({Shown.WAIVED, Shown.EXPIRED}),
    "failing": frozenset({Shown.FAIL, Shown.ERROR}),
}


@dataclass(frozen=True, slots=True)
class ItemView:
    item: Item
    shown: Shown
    manual: ItemState
    probe_status: Status | None
    results: tuple[ProbeResult, ...]
    waiver_expired: bool = False

    @property
    def complete(self) -> bool:
        return self.shown in COMPLETE

    @property
    def glyph(self) -> str:
        return GLYPHS[self.shown]

    @property
    def failing(self) -> bool:
        """The probe says the target is wrong or could not tell, whatever was recorded by hand."""
        return self.probe_status in (Status.FAIL, Status.ERROR)


def item_view(
    item: Item,
    state: State,
    today: date,
    results: dict[str, ProbeResult] | None = None,
    pending: frozenset[str] = frozenset(),
) -> ItemView:
    manual = state.item(item.id)
    source = state.results if results is None else results
    found = tuple(source[p] for p in item.probes if p in source)
    decided = [r.status for r in found if r.status is not Status.SKIPPED]
    probe_status = worst(decided)
    expired = bool(manual.waiver and manual.waiver.expired(today))
    if any(p in pending for p in item.probes):
        shown = Shown.PENDING
    elif manual.is_na:
        shown = Shown.NA
    elif manual.waiver and not expired:
        shown = Shown.WAIVED
    elif probe_status is Status.FAIL:
        shown = Shown.FAIL
    elif manual.done:  # a tick stands over "could not tell", never over "fail"
        shown = Shown.DONE
    elif probe_status is Status.ERROR:
        shown = Shown.ERROR
    elif expired:
        shown = Shown.EXPIRED
    elif probe_status is Status.WARN:
        shown = Shown.WARN
    elif probe_status is Status.PASS:
        shown = Shown.PASS
    else:
        shown = Shown.OPEN
    return ItemView(item, shown, manual, probe_status, found, expired)


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.done}/{self.total}"

    def bar(self, width: int = 20) -> str:
        filled = round(self.ratio * width)
        return "█" * filled + "░" * (width - filled)


def section_progress(section: Section, views: dict[str, ItemView]) -> Progress:
    ids = [item.id for item in section.items()]
    return Progress(sum(views[i].complete for i in ids), len(ids))


def all_views(
    checklist: Checklist,
    state: State,
    today: date,
    results: dict[str, ProbeResult] | None = None,
    pending: frozenset[str] = frozenset(),
) -> dict[str, ItemView]:
    return {
        item.id: item_view(item, state, today, results, pending) for item in checklist.all_items()
    }


def overall_progress(checklist: Checklist, views: dict[str, ItemView]) -> Progress:
    ids = [item.id for item in checklist.items()]
    return Progress(sum(views[i].complete for i in ids), len(ids))
