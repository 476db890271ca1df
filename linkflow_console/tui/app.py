"""The Textual app: thin. It owns the session and the modes; screens do the work."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from linkflow_console.collector import startup_finished
from linkflow_console.errors import UserError
from linkflow_console.runbooks import RunbookLibrary
from linkflow_console.session import Session
from linkflow_console.tui.carry_over import CARRY_OVER_BINDING, CarryOverOffer

if TYPE_CHECKING:
    import argparse


CHECKLIST_MODE = "checklist"
LAUNCH_MODE = "launch"


class LinkflowConsole(CarryOverOffer, App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere find it too
    TITLE = "linkflow-console"
    DEFAULT_MODE = CHECKLIST_MODE
    COMMANDS = App.COMMANDS | {lambda: _item_jump_provider()}
    BINDINGS = [
        Binding("l", "toggle_launch", "Launch day"),
        Binding("question_mark", "toggle_help", "Keys"),
        Binding("q", "quit", "Quit"),
        CARRY_OVER_BINDING,
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.runbooks = RunbookLibrary(session.runbooks_dir)
        self.add_mode(LAUNCH_MODE, self._launch_screen)
        # The checklist opens as Textual's default screen (get_default_screen): the first screen of
        # a named mode costs two full re-parses of every CSS rule before the first frame. It is
        # named once mounted, so launch day can switch back to it (the existing stack is reused).

    def get_default_screen(self):
        return self._checklist_screen()

    def on_mount(self) -> None:
        self.add_mode(CHECKLIST_MODE, self._checklist_screen)
        self.call_after_refresh(self._started)

    def _started(self) -> None:
        """After the first frame: nothing here may delay what the user sees first."""
        startup_finished()
        self.offer_carry_over()
        from linkflow_console.tui.team_watch import start_team_watch

        start_team_watch(self, self.session.store)  # a team store (PostgreSQL) only

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield from self.carry_over_commands()

    def _checklist_screen(self):
        from linkflow_console.tui.screens.checklist import ChecklistScreen

        return ChecklistScreen(self.session, self.runbooks)

    def _launch_screen(self):
        from linkflow_console.tui.screens.launch import LaunchScreen  # loaded when first opened

        return LaunchScreen(self.session)

    def _print_error_renderables(self) -> None:
        """A crash inside the UI goes to the crash log with one line on stderr, never a traceback."""
        if not self._exit_renderables:
            return
        from rich.console import Console

        from linkflow_console.crashlog import crash_log

        path = crash_log()
        try:
            with path.open("a", encoding="utf-8") as handle:
                console = Console(file=handle, width=120, color_system=None)
                for renderable in self._exit_renderables:
                    console.print(renderable)
        except OSError:
            pass
        sys.stderr.write(f"linkflow-console: internal error; details written to {path}\n")
        self._exit_renderables.clear()

    def action_toggle_help(self) -> None:
        from linkflow_console.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen("Launch" if self.current_mode == LAUNCH_MODE else "Checklist"))

    def action_toggle_launch(self) -> None:
        self.switch_mode(CHECKLIST_MODE if self.current_mode == LAUNCH_MODE else LAUNCH_MODE)

    def jump_to_item(self, item_id: str) -> None:
        from linkflow_console.tui.screens.checklist import ChecklistScreen

        def select() -> None:
            screen = self.screen
            if isinstance(screen, ChecklistScreen):
                screen.select_item(item_id)

        if self.current_mode != CHECKLIST_MODE:
            self.switch_mode(CHECKLIST_MODE)
        self.call_after_refresh(select)


def _item_jump_provider():
    from linkflow_console.tui.item_commands import ItemJumpProvider  # textual.command loads on first use

    return ItemJumpProvider


def run_tui(args: argparse.Namespace) -> int:
    from linkflow_console.exitcodes import EXIT_INTERNAL
    from linkflow_console.session import session_from
    from linkflow_console.tui.screens.error import ErrorApp

    try:
        session = session_from(args)
        session.store.load()  # a corrupt state shows the error screen, not a half-open console
    except UserError as error:
        return ErrorApp(error).run() or error.exit_code
    app = LinkflowConsole(session)
    app.run()
    return EXIT_INTERNAL if app.return_code == 1 else 0  # 1: Textual caught an exception
