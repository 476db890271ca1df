"""Command line: the TUI by default, plus headless commands for scripts and CI.

Exit codes: 0 ok; 1 `check` found a failing item; 2 usage or input error (bad file, flag or id);
3 internal error (details in the log file named on stderr); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from linkflow_console.cli.common import Parser, common_options, parse_date
from linkflow_console.cli.items import cmd_import, cmd_na, cmd_note, cmd_tick, cmd_untick, cmd_unwaive, cmd_waive
from linkflow_console.cli.reports import cmd_check, cmd_export, cmd_list, cmd_probes, cmd_runbook, cmd_status
from linkflow_console.collector import startup_finished
from linkflow_console.errors import UserError
from linkflow_console.exitcodes import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from linkflow_console.text import one_line_arg, safe_text, user_text_arg


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = Parser(prog="linkflow-console", description=__doc__.splitlines()[0], parents=[common])
    from linkflow_console import __version__

    parser.add_argument("--version", action="version", version=f"linkflow-console {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    def command(name: str, help_text: str, func: Callable[..., int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(func=func)
        return p

    command("tui", "open the console (the default)", cmd_tui)
    p = command("status", "progress per section", cmd_status)
    p.add_argument("--format", choices=["table", "json"], default="table", help="table (tab-separated when piped) or json")
    command("list", "every item for scripts: id, status, severity, text (tab-separated)", cmd_list)
    p = command("export", "export the state as markdown or JSON", cmd_export)
    p.add_argument("--format", choices=["markdown", "json"], default="markdown")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--runbook-links", action="store_true", help="link each item to its runbook section")
    p = command("tick", "mark an item done (a blocker with its evidence: --note or --evidence)", cmd_tick)
    p.add_argument("item")
    p.add_argument("--note", default="", type=user_text_arg)
    p.add_argument("--evidence", default="", type=user_text_arg, metavar="LINK", help="where the proof is: a ticket, a log, a dashboard URL")
    p = command("untick", "mark an item not done", cmd_untick)
    p.add_argument("item")
    p.add_argument("--note", default="", type=user_text_arg)
    p = command("note", "add a note to an item", cmd_note)
    p.add_argument("item")
    p.add_argument("text", type=user_text_arg)
    p = command("na", "mark an item not applicable (reason required)", cmd_na)
    p.add_argument("item")
    p.add_argument("--reason", required=True, type=user_text_arg)
    p.add_argument("--clear", action="store_true", help="remove the N/A instead")
    p = command("waive", "accept an open item until a date (reason, owner, expiry)", cmd_waive)
    p.add_argument("item")
    p.add_argument("--reason", required=True, type=user_text_arg)
    p.add_argument("--owner", required=True, type=one_line_arg)
    p.add_argument("--until", required=True, type=parse_date, metavar="YYYY-MM-DD")
    p = command("unwaive", "remove an item's waiver", cmd_unwaive)
    p.add_argument("item")
    p = command("import", "turn a markdown checklist into checklist TOML", cmd_import)
    p.add_argument("markdown", metavar="FILE.md")
    p.add_argument("-o", "--output", required=True, metavar="FILE.toml")
    p.add_argument("--id", dest="checklist_id", default=None, help="checklist id (default: the output file's stem)")
    p.add_argument("--ticks", action="store_true", help="record [x] boxes as ticks in the state of the new checklist")
    p.add_argument("--force", action="store_true", help="replace FILE.toml if it exists")
    p = command("check", "run the live probes headless (for CI)", cmd_check)
    p.add_argument("--format", choices=["table", "json", "junit"], default="table")
    p.add_argument("--only", nargs="+", metavar="ID", default=None, help="only these item ids")
    p.add_argument("--fail-on", choices=["fail", "error", "warn"], default="fail", help="what fails the gate (exit 1)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--since", metavar="24h|MOMENT", default=None,
                   help="also list what changed since then (new failures first, fixes, changed evidence)")
    command("probes", "list every probe, the item it proves and what it needs", cmd_probes)
    p = command("runbook", "print an item's runbook", cmd_runbook)
    p.add_argument("item")
    p = command("secret", "store a secret in the OS keyring", cmd_secret)
    p.add_argument("action", choices=["set"])
    p.add_argument("name", help="keyring name, e.g. linkflow/production/redis")
    from linkflow_console.cli.launch import add_launch_commands
    from linkflow_console.cli.state import add_state_commands

    from linkflow_console.serve.command import add_serve_command

    add_launch_commands(sub, common)
    add_state_commands(sub, common)
    add_serve_command(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_tui)
    if func is not cmd_tui:  # the console says so itself, after its first frame
        startup_finished()
    try:
        code = func(args)
        _say_unshared()
        return code
    except UserError as exc:
        sys.stderr.write(f"linkflow-console: {safe_text(exc)}\n")  # it may quote a file's text
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        from linkflow_console.crashlog import log_internal_error
        from linkflow_console.fileio import USER_ERRNOS, os_user_error

        if isinstance(exc, OSError) and exc.errno in USER_ERRNOS:  # a path, a permission, a full disk
            sys.stderr.write(f"linkflow-console: {safe_text(os_user_error(exc, 'use the file'))}\n")
            return EXIT_USAGE

        log = log_internal_error()
        where = f"details written to {log}" if log else f"{type(exc).__name__} (no crash log could be written)"
        sys.stderr.write(f"linkflow-console: internal error; {where}\n")
        return EXIT_INTERNAL


def _say_unshared() -> None:
    """A change the team store did not get (offline, journaled here) is said, never silent."""
    team = sys.modules.get("linkflow_console.state.pg.backend")  # loaded only for a team store
    for line in team.unshared_notices() if team else ():
        sys.stderr.write(f"linkflow-console: {line}\n")


def cmd_tui(args: argparse.Namespace) -> int:
    from linkflow_console.tui.app import run_tui

    return run_tui(args)


def cmd_secret(args: argparse.Namespace) -> int:
    import getpass

    from linkflow_console.secrets import SecretUnavailable, store

    if not sys.stdin.isatty():
        value = sys.stdin.readline().rstrip("\n")
    else:
        value = getpass.getpass(f"value for {args.name} (not echoed): ")
    if not value:
        raise UserError("empty secret; nothing stored")
    try:
        store(args.name, value)
    except SecretUnavailable as exc:
        raise UserError(str(exc), fix='reference it as { env = "VAR" } in the profile and export VAR') from None
    sys.stdout.write(f'stored {args.name}; reference it as {{ keyring = "{args.name}" }}\n')
    return EXIT_OK
