"""A viewer's console changes nothing: the store refuses every change at StateStore.mutate (the one
path items, probe results and launch records all take), and the served app says so on the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.errors import UserError
from linkflow_console.launch import record as launch_record
from linkflow_console.serve.access import KIOSK_ENV, OPERATOR_ENV, ROLE_ENV
from linkflow_console.session import open_session
from tests.conftest import FROZEN
from tests.tui.conftest import settle


def test_a_read_only_store_refuses_every_change_and_writes_nothing(state_path: Path):
    session = open_session(state=state_path, operator="alice", environment="test", clock=lambda: FROZEN)
    session.store.tick("security.auth.jwt-secret", "alice")
    before = state_path.read_bytes()
    audit_before = session.store.audit_path.read_bytes()
    session.store.read_only = True
    changes = [
        lambda: session.store.tick("security.auth.password-hashing", "alice"),
        lambda: session.store.untick("security.auth.jwt-secret", "alice"),
        lambda: session.store.record_results([]),
        lambda: launch_record.start_clock(session.store, "alice", FROZEN),
    ]
    for change in changes:
        with pytest.raises(UserError, match="read-only"):
            change()
    assert state_path.read_bytes() == before
    assert session.store.audit_path.read_bytes() == audit_before


@pytest.mark.parametrize(("environ", "read_only", "operator"), [
    ({}, True, "viewer (read-only)"),
    ({ROLE_ENV: "viewer", OPERATOR_ENV: "alice"}, True, "viewer (read-only)"),
    ({ROLE_ENV: "operator", OPERATOR_ENV: ""}, True, "viewer (read-only)"),  # no name: fail closed
    ({ROLE_ENV: "operator", OPERATOR_ENV: "alice"}, False, "alice"),
])
def test_the_environment_names_the_role(state_path: Path, environ, read_only: bool, operator: str):
    from linkflow_console.tui.served import served_session

    session, is_read_only = served_session(["--state", str(state_path)], environ)
    assert (is_read_only, session.store.read_only, session.operator) == (read_only, read_only, operator)
    assert (session.profile.path is None) or not read_only  # a viewer runs no probes


async def test_a_viewer_pressing_tick_is_told_and_nothing_changes(state_path: Path):
    from linkflow_console.tui.served import ServedConsole, served_session

    session, _ = served_session(["--state", str(state_path)], {})
    app = ServedConsole(session, read_only=True, kiosk=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert [bar.display for bar in app.screen.query("KeyBar")] == [True]  # only the kiosk hides it
        await pilot.press("x", "w")
        assert await settle(pilot, lambda: any("changes the state" in str(n.message) for n in app._notifications))
        assert len(app.screen_stack) == 1  # no dialog was opened for a change that cannot happen
    assert not state_path.exists()


async def test_kiosk_opens_on_launch_day_without_the_key_bar(state_path: Path):
    from linkflow_console.tui.served import ServedConsole, served_session

    session, _ = served_session(["--state", str(state_path)], {KIOSK_ENV: "1"})
    app = ServedConsole(session, read_only=True, kiosk=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert app.current_mode == "launch"
        key_bars = app.screen.query("KeyBar")  # by its CSS type name: the widget may move modules
        assert key_bars and not any(bar.display for bar in key_bars)
        assert not app.screen.has_class("narrow")  # the two-column layout of a large display


def test_a_store_that_cannot_refuse_changes_is_not_served(state_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Fail closed: a state backend without the read-only switch never gives a viewer a writable console."""
    from linkflow_console.state import StateStore
    from linkflow_console.tui.served import served_session

    monkeypatch.delattr(StateStore, "read_only")
    with pytest.raises(UserError, match="cannot refuse changes"):
        served_session(["--state", str(state_path)], {})
