"""The console as `linkflow-console serve` starts it for one browser session.

Started as `python -m linkflow_console.tui.served [--state/--profile/--checklist ...]`; who is at the
browser comes through the environment (never argv, which `ps` shows): a viewer (the default when
nothing says otherwise) gets a read-only console, an operator's changes are recorded under the
operator name their token maps to. `LINKFLOW_SERVE_KIOSK=1` opens on launch day without the key bar.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from textual import actions

from linkflow_console.errors import UserError
from linkflow_console.serve.access import KIOSK_ENV, OPERATOR_ENV, ROLE_ENV
from linkflow_console.session import Session
from linkflow_console.tui.app import LAUNCH_MODE, LinkflowConsole

VIEWER_NAME = "viewer (read-only)"

# The key actions that change the state. The store refuses any change from a read-only console
# anyway (StateStore.read_only); stopping the key here says so before a dialog is opened for nothing.
CHANGING_ACTIONS = frozenset({
    "toggle_tick", "note", "na", "waive", "run_item", "run_all",  # checklist
    "start_clock", "complete", "log", "sample",  # launch day
})


class ServedConsole(LinkflowConsole):
    CSS_PATH = [LinkflowConsole.CSS_PATH, Path(__file__).with_name("served.tcss")]

    def __init__(self, session: Session, *, read_only: bool, kiosk: bool) -> None:
        if kiosk:
            self.DEFAULT_MODE = LAUNCH_MODE  # read by App.__init__: the first screen built is launch day
        super().__init__(session)
        self.read_only = read_only
        self.kiosk = kiosk
        session.store.read_only = read_only
        if kiosk:
            self.add_class("-kiosk")

    def on_mount(self) -> None:
        if self.read_only and not self.kiosk:
            self.notify("You are a viewer: the console follows every change, and changes nothing.",
                        title="Read-only", timeout=6)

    async def run_action(self, action, default_namespace=None, namespaces: Mapping | None = None) -> bool:
        if self.read_only:
            name = action[1] if isinstance(action, tuple) else actions.parse(action)[1]
            if name in CHANGING_ACTIONS:
                self.notify("This key changes the state; a viewer's console changes nothing. "
                            "Ask an operator, or open the board with an operator token.",
                            title="Read-only", severity="warning", timeout=5)
                return True
        return await super().run_action(action, default_namespace, namespaces)


def served_session(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[Session, bool]:
    """(the session the CLI options open, read-only?) for the role the environment names."""
    import argparse

    from linkflow_console.probes.profile import empty_profile
    from linkflow_console.session import common_options, session_from

    args = argparse.ArgumentParser(prog="linkflow_console.tui.served", parents=[common_options()]).parse_args(list(argv))
    operator = (environ.get(OPERATOR_ENV) or "").strip()
    read_only = environ.get(ROLE_ENV) != "operator" or not operator
    args.operator = VIEWER_NAME if read_only else operator
    session = session_from(args)
    # fail closed: each backend class declares read_only itself (not inherited), beside the check
    # in the method its writes pass through; one that does not is never served to a viewer
    if read_only and "read_only" not in vars(type(session.store)):
        raise UserError("this state backend cannot refuse changes, so it cannot be served to viewers",
                        fix="serve a state whose store supports read_only (see StateStore.append)")
    if read_only:
        # a viewer runs no probes (it could not record them): operators' consoles and CI do, and
        # their results reach every board through the shared state
        session.profile = empty_profile()
    session.store.read_only = read_only
    return session, read_only


def main(argv: Sequence[str] | None = None) -> int:
    from linkflow_console.exitcodes import EXIT_INTERNAL
    from linkflow_console.tui.screens.error import ErrorApp

    try:
        session, read_only = served_session(sys.argv[1:] if argv is None else argv, os.environ)
        session.store.load()
    except UserError as error:
        return ErrorApp(error).run() or error.exit_code
    app = ServedConsole(session, read_only=read_only, kiosk=os.environ.get(KIOSK_ENV) == "1")
    app.run()
    return EXIT_INTERNAL if app.return_code == 1 else 0


if __name__ == "__main__":
    sys.exit(main())
