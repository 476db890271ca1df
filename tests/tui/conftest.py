from __future__ import annotations

import pytest

from linkflow_console.session import open_session
from linkflow_console.tui.app import LinkflowConsole
from tests.conftest import FROZEN


def make_app(state_path, **kwargs) -> LinkflowConsole:
    session = open_session(state=state_path, operator=kwargs.pop("operator", "alice"), environment="test", clock=lambda: FROZEN, **kwargs)
    return LinkflowConsole(session)


@pytest.fixture
def app(state_path) -> LinkflowConsole:
    return make_app(state_path)


async def workers_done(pilot) -> None:
    """Wait for every worker (a sweep, the detail render it starts) and the messages they post:
    however slow the machine, no count of pauses can run out first."""
    for _ in range(2):  # the sweep's last messages may start one more worker (the detail re-render)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def settle(pilot, condition, tries: int = 50) -> bool:
    """Let workers and timers run until `condition()` holds (bounded; not a timing assertion)."""
    for _ in range(tries):
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()

