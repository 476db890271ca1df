"""Deterministic snapshots (frozen clock, fixed state and results) of each checklist screen."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from linkflow_console.state import record as state_record
from linkflow_console.probes.base import Evidence, ProbeResult, Status
from linkflow_console.state import StateStore
from linkflow_console.tui.screens.checklist import ChecklistScreen
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from linkflow_console.tui.widgets.item_detail import ItemDetail
from tests.tui.conftest import make_app, settle

FAILING = ProbeResult(
    "http.tls-versions", Status.FAIL, "server accepts TLS 1.0 and 1.1",
    (
        Evidence("TLS 1.0", "refused", "accepted (ServerHello 0x0301)", False),
        Evidence("TLS 1.1", "refused", "accepted (ServerHello 0x0302)", False),
        Evidence("TLS 1.2", "accepted", "accepted", True),
        Evidence("TLS 1.3", "accepted", "accepted", True),
    ),
    {"negotiated": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"}, {}, 84.0,
    datetime(2026, 11, 26, 9, 12, tzinfo=UTC),
)


@pytest.fixture
def seeded_state(state_path):
    store = StateStore(state_path, "production", "test", clock=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    state_record.tick(store, "security.auth.jwt-secret", "alice", "64 random chars from vault")
    state_record.set_na(store, "security.auth.api-key-rotation", "bob", "no API keys issued yet")
    state_record.waive(store, "security.auth.session-timeout", "carol", "15m default accepted", "carol", date(2026, 12, 31))
    state_record.record_results(store, [FAILING])
    return state_path


def at_item(item_id: str):
    async def run_before(pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ChecklistScreen)
        assert await settle(pilot, lambda: bool(screen.query(ItemDetail)))  # run_before can precede mounting
        tree = screen.query_one(ChecklistTree)
        # opened, laid out and on its first item, as the console is when a person jumps
        assert await settle(pilot, lambda: tree.cursor_node is not None and tree.size.height > 0)
        screen.select_item(item_id)
        detail = screen.query_one(ItemDetail)
        text = screen.session.checklist.get(item_id).text
        assert await settle(pilot, lambda: detail.runbook_markdown.startswith(f"## {text}") and "Why it matters" in detail.plain_text)
        await pilot.pause(0.1)

    return run_before


def test_checklist_screen_80x24(snap_compare, seeded_state):
    assert snap_compare(make_app(seeded_state), terminal_size=(80, 24), run_before=at_item("security.auth.jwt-secret"))


def test_checklist_screen_failing_item_200x60(snap_compare, seeded_state):
    assert snap_compare(make_app(seeded_state), terminal_size=(200, 60), run_before=at_item("security.network.tls-min-version"))


def test_runbook_pane_follows_selection(snap_compare, seeded_state):
    assert snap_compare(make_app(seeded_state), terminal_size=(120, 40), run_before=at_item("infrastructure.redis.memory-limits"))


def heading_at_top(screen, title: str) -> bool:
    from textual.widgets import MarkdownViewer

    viewers = screen.query(MarkdownViewer)
    if not viewers:
        return False
    viewer = viewers.first()
    headings = [b for b in viewer.document.query("MarkdownH2") if title in str(b._content)]
    return bool(headings) and viewer.scroll_y > 0 and abs(
        headings[0].region.y - headings[0].styles.margin.top - viewer.content_region.y) <= 1


def test_full_screen_runbook_with_evidence_first(snap_compare, seeded_state):
    async def run_before(pilot) -> None:
        await at_item("security.network.tls-min-version")(pilot)
        await pilot.press("o")
        # Wait for the viewer to bring the item's heading to the top (many frames on a loaded
        # machine), then for its 0.5 s rest there: a fixed pause could shoot it half-way.
        assert await settle(pilot, lambda: heading_at_top(pilot.app.screen, "TLS 1.2+ enforced"), tries=200)
        await pilot.pause(0.6)
        assert heading_at_top(pilot.app.screen, "TLS 1.2+ enforced")

    assert snap_compare(make_app(seeded_state), terminal_size=(120, 40), run_before=run_before)


def test_error_screen(snap_compare, tmp_path):
    from linkflow_console.errors import ChecklistError
    from linkflow_console.tui.screens.error import ErrorApp

    error = ChecklistError(
        "duplicate item id 'sec.sub.one' (first at line 13)", path="checklists/team.toml", line=18,
        fix="every item id must be unique; rename one of them",
    )
    assert snap_compare(ErrorApp(error), terminal_size=(80, 24))
