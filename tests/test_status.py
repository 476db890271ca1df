"""What an item shows, as one table: the shown-status precedence, read top to bottom.

Each row: what is recorded by hand (tick, N/A, waiver), what the item's probes said, whether a
probe is running; and what the item shows. Then the two counts every report shares."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from linkflow_console.checklist.model import Item
from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.state.model import ItemState, State, Waiver
from linkflow_console.status import (
    FILTERS,
    NOT_RUN_GLYPH,
    GLYPHS,
    Shown,
    item_view,
    probe_counts,
    still_open_after_tick,
)

TODAY = date(2026, 11, 26)
AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ITEM = Item("sec.sub.item", "An item", probes=("p.one", "p.two"))
LIVE = Waiver("accepted risk", "carol", date(2026, 12, 31))
EXPIRED = Waiver("accepted risk", "carol", date(2026, 11, 1))

# tick, N/A, waiver, probe verdicts (p.one, p.two), running -> shown
PRECEDENCE = [
    # a running probe is said first: whatever was shown may be about to change
    ("pending over everything", True, "gone", LIVE, ("fail", None), True, Shown.PENDING),
    # recorded decisions stand over the probe (the detail pane still says what the probe says)
    ("N/A over a failing probe", False, "gone", None, ("fail", None), False, Shown.NA),
    ("N/A over a live waiver", False, "gone", LIVE, (None, None), False, Shown.NA),
    ("live waiver over a failing probe", False, "", LIVE, ("fail", None), False, Shown.WAIVED),
    ("live waiver over a tick", True, "", LIVE, (None, None), False, Shown.WAIVED),
    # fail
    ("a manual tick never hides a failing probe", True, "", None, ("fail", "pass"), False, Shown.FAIL),
    ("an expired waiver never hides a failing probe", False, "", EXPIRED, ("fail", None), False, Shown.FAIL),
    ("fail is worse than could not tell", False, "", None, ("error", "fail"), False, Shown.FAIL),
    # tick
    ("a tick stands over could not tell", True, "", None, ("error", None), False, Shown.DONE),
    ("a tick stands over a warning", True, "", None, ("warn", None), False, Shown.DONE),
    ("a tick with no probe result", True, "", None, (None, None), False, Shown.DONE),
    # could not tell, expired waiver, warn, pass, open
    ("could not tell", False, "", None, ("error", "pass"), False, Shown.ERROR),
    ("could not tell over an expired waiver", False, "", EXPIRED, ("error", None), False, Shown.ERROR),
    ("an expired waiver reopens the item", False, "", EXPIRED, ("pass", None), False, Shown.EXPIRED),
    ("warn", False, "", None, ("warn", "pass"), False, Shown.WARN),
    ("pass", False, "", None, ("pass", "pass"), False, Shown.PASS),
    ("skipped decides nothing", False, "", None, ("skipped", None), False, Shown.OPEN),
    ("open", False, "", None, (None, None), False, Shown.OPEN),
]


def view_of(ticked: bool, na: str, waiver: Waiver | None, verdicts: tuple[str | None, ...], running: bool = False):
    manual = ItemState(done=ticked, by="alice" if ticked else "", at=AT if ticked else None, na_reason=na, waiver=waiver)
    results = {
        probe: ProbeResult(probe, Status(verdict), f"{probe} said {verdict}", started_at=AT)
        for probe, verdict in zip(ITEM.probes, verdicts) if verdict is not None
    }
    state = State("production", "test", {ITEM.id: manual}, results)
    return item_view(ITEM, state, TODAY, pending=frozenset({"p.one"}) if running else frozenset())


@pytest.mark.parametrize(("case", "ticked", "na", "waiver", "verdicts", "running", "shown"), PRECEDENCE, ids=[row[0] for row in PRECEDENCE])
def test_shown_status_precedence(case, ticked, na, waiver, verdicts, running, shown):
    assert view_of(ticked, na, waiver, verdicts, running).shown is shown


def test_failing_means_fail_only_and_could_not_tell_means_error():
    failing = view_of(True, "", None, ("fail", "error"))
    unsure = view_of(False, "", None, ("error", "pass"))
    waived = view_of(False, "", LIVE, ("fail", None))
    assert (failing.failing, failing.could_not_tell) == (True, False)
    assert (unsure.failing, unsure.could_not_tell) == (False, True)
    # a waiver is a decision about the item, not a new verdict: the probe still fails
    assert waived.failing and waived.shown is Shown.WAIVED
    counts = probe_counts([failing, unsure, waived, view_of(False, "", None, ("pass", None))])
    assert (counts.failing, counts.could_not_tell) == (2, 1)
    assert str(counts) == "✘ 2 failing  ? 1 could not tell"
    assert counts.short == "✘2 ?1"
    assert str(probe_counts([])) == "" and not probe_counts([])


def test_the_status_filters_use_the_same_two_words():
    failing, unsure = view_of(False, "", None, ("fail", None)), view_of(False, "", None, ("error", None))
    assert FILTERS["failing"](failing) and not FILTERS["failing"](unsure)
    assert FILTERS["could not tell"](unsure) and not FILTERS["could not tell"](failing)
    assert list(FILTERS) == ["all", "open", "done", "waived", "failing", "could not tell"]


def test_never_run_has_its_own_glyph_not_the_running_one():
    never = view_of(False, "", None, (None, None))
    assert never.never_run and not view_of(False, "", None, ("pass", None)).never_run
    assert NOT_RUN_GLYPH not in GLYPHS.values()
    assert GLYPHS[Shown.PENDING] == "…" and NOT_RUN_GLYPH != "…"


def test_ticking_a_failing_item_says_why_it_stays_open():
    why = still_open_after_tick(view_of(True, "", None, ("fail", None)))
    assert why is not None and "p.one said fail" in why and "never hides a failing probe" in why
    assert still_open_after_tick(view_of(True, "", None, ("error", None))) is None
