"""The console opened on an environment without work, while another has some: it says so and `C`
carries the work over."""

from __future__ import annotations

from linkflow_console.session import open_session
from linkflow_console.state import record
from linkflow_console.tui.app import LinkflowConsole
from tests.conftest import FROZEN

ITEM = "security.network.tls-min-version"


async def test_opening_an_empty_environment_offers_the_other_ones_work_and_c_carries_it() -> None:
    default = open_session(operator="alice", clock=lambda: FROZEN)
    record.tick(default.store, ITEM, "alice", "checked")
    app = LinkflowConsole(open_session(operator="carol", environment="tiny", clock=lambda: FROZEN))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in pilot.app._notifications]
        assert any("'tiny' has no recorded work" in m and "'default'" in m and "Press C" in m for m in messages)
        assert [c.title for c in pilot.app.get_system_commands(pilot.app.screen) if "Carry" in c.title] == [
            "Carry work over from default"]
        await pilot.press("C")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.session.store.state.item(ITEM).done
        assert pilot.app.work_elsewhere == []
