"""An item's shown status: its probe results, manual tick, N/A and waiver combined.

A manual tick never hides a failing probe. A waiver or N/A is a recorded decision, so it
shows as such (with the probe's verdict still visible beside it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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

# "Never run": an item's probe has no result yet. Not "…", which means a probe is running now.
NOT_RUN_GLYPH = "◌"
FAILING_GLYPH, COULD_NOT_TELL_GLYPH = GLYPHS[Shown.FAIL], GLYPHS[Shown.ERROR]

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

    # The two words every count, label, filter and report uses; defined here once.
    @property
    def failing(self) -> bool:
        """A probe says the target is wrong (`fail`), whatever was recorded by hand."""
        return self.probe_status is Status.FAIL

    @property
    def could_not_tell(self) -> bool:
        """A probe ran and could not tell (`error`), and none says the target is wrong."""
        return self.probe_status is Status.ERROR

    @property
    def has_probe_trouble(self) -> bool:
        """Failing or could not tell: the probe's evidence is worth reading first."""
        return self.failing or self.could_not_tell

    @property
    def never_run(self) -> bool:
        return bool(self.item.probes) and not self.results


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


@dataclass(frozen=True, slots=True)
class ProbeCounts:
    """How many items a probe finds failing and how many it could not tell: always shown apart."""

    failing: int
    could_not_tell: int

    def __bool__(self) -> bool:
        return bool(self.failing or self.could_not_tell)

    def __str__(self) -> str:
        parts = []
        if self.failing:
            parts.append(f"{FAILING_GLYPH} {self.failing} failing")
        if self.could_not_tell:
            parts.append(f"{COULD_NOT_TELL_GLYPH} {self.could_not_tell} could not tell")
        return "  ".join(parts)

    @property
    def short(self) -> str:
        """For a section label: `✘2 ?12`."""
        return " ".join(p for p in (self.failing and f"{FAILING_GLYPH}{self.failing}",
                                    self.could_not_tell and f"{COULD_NOT_TELL_GLYPH}{self.could_not_tell}") if p)


def probe_counts(views: Iterable[ItemView]) -> ProbeCounts:
    views = list(views)
    return ProbeCounts(sum(v.failing for v in views), sum(v.could_not_tell for v in views))


def _open(view: ItemView) -> bool:
    return view.shown in (Shown.OPEN, Shown.EXPIRED, Shown.WARN, Shown.FAIL, Shown.ERROR, Shown.PENDING)


# The status filter (`f` in the console, in this order): each a test of an item's view.
FILTERS: dict[str, Callable[[ItemView], bool]] = {
    "all": lambda view: True,
    "open": _open,
    "done": lambda view: view.shown in (Shown.PASS, Shown.DONE, Shown.NA),
    "waived": lambda view: view.shown in (Shown.WAIVED, Shown.EXPIRED),
    "failing": lambda view: view.failing,
    "could not tell": lambda view: view.could_not_tell,
}


def still_open_after_tick(view: ItemView) -> str | None:
    """Why a ticked item still shows as not done: a manual tick never hides a failing probe."""
    if not view.failing:
        return None
    summaries = "; ".join(r.summary for r in view.results if r.status is Status.FAIL)
    return (f"the probe still fails ({summaries}), so the item stays {FAILING_GLYPH} failing: "
            "a tick never hides a failing probe. Fix it and probe again, or waive it with a reason.")
