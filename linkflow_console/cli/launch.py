"""`linkflow-console launch ...` commands: start the clock, status, war-room log, check-ins."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from linkflow_console.launch.model import Decision, LogKind
from linkflow_console.text import safe_text, user_text_arg


def add_launch_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    schedule_option = argparse.ArgumentParser(add_help=False)
    schedule_option.add_argument("--schedule", metavar="FILE", default=None,
                                 help="launch schedule TOML (default: launch-schedule.toml beside the checklist, else the bundled one)")
    parents = [common, schedule_option]
    launch = sub.add_parser("launch", help="launch-day mode: clock, go/no-go, check-ins, war-room log",
                            description="Launch-day mode, headless.", parents=[common])
    commands = launch.add_subparsers(dest="launch_command", parser_class=type(launch), required=True)

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text, parents=parents)
        parser.set_defaults(func=func)
        return parser

    p = command("start", "start the launch clock (T0)", cmd_start)
    p.add_argument("--at", default="now", metavar="TIME", help="T0: now (default), HH:MM (UTC, nearest to now) or 2026-11-26T09:00Z")
    p.add_argument("--force", action="store_true", help="move a T0 that is already set")
    p = command("status", "the clock, go/no-go and the due and overdue check-ins", cmd_status)
    p.add_argument("--all", dest="show_all", action="store_true", help="list every check-in")
    p.add_argument("--run-due", action="store_true", help="first run the probes of check-ins that came due (needs --profile)")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 on NO-GO too (the behaviour before exit code 1 meant NO-GO)")
    p = command("log", "add a war-room log entry", cmd_log)
    p.add_argument("text", type=user_text_arg)
    p.add_argument("--kind", choices=[str(k) for k in LogKind], default=None, help="default: note, or decision with --decision")
    p.add_argument("--decision", choices=[str(d) for d in Decision], default=None)
    p = command("checkin", "mark a check-in done, e.g. post-launch.first-24h.monitor-error-rates@1h", cmd_checkin)
    p.add_argument("checkin", metavar="ID")
    p.add_argument("--note", default="", type=user_text_arg, help="what was seen")
    p.add_argument("--reopen", action="store_true", help="undo a check-in marked done by mistake")


def _open(args: argparse.Namespace):
    from linkflow_console.cli.common import open_session
    from linkflow_console.launch.schedule import schedule_for

    session = open_session(args)
    return session, schedule_for(session.checklist, session.checklist_path, args.schedule)


def cmd_start(args: argparse.Namespace) -> int:
    from linkflow_console.launch.record import parse_moment, start_clock
    from linkflow_console.launch.report import stamp

    session, _ = _open(args)
    t0 = parse_moment(args.at, session.clock())
    start_clock(session.store, session.operator, t0, force=args.force)
    sys.stdout.write(f"launch clock started: T0 {stamp(t0)} ({session.operator}) -> {session.store.location}\n")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from linkflow_console.launch.model import checkin_views, launch_data
    from linkflow_console.launch.report import status_text

    session, schedule = _open(args)
    if args.run_due:
        _run_due(session, checkin_views(schedule, launch_data(session.store.state), session.clock()))
    data = launch_data(session.store.state)
    now = session.clock()
    text = status_text(session.checklist, schedule, data, session.views(), checkin_views(schedule, data, now), now,
                       show_all=args.show_all)
    sys.stdout.write(safe_text(text))  # other people's notes and decisions: no raw escapes
    from linkflow_console.launch.model import go_no_go

    no_go = not go_no_go(session.checklist, session.views()).go
    return 1 if no_go and not args.exit_zero else 0  # like `check`: a script can gate on the verdict


def _run_due(session, views) -> None:
    import asyncio

    from linkflow_console.errors import UserError
    from linkflow_console.launch.probing import run_due

    if session.profile.path is None:
        raise UserError("--run-due needs a profile", fix="pass --profile FILE with prometheus/redis/api settings")
    results = asyncio.run(run_due(session, views))
    for result in results.values():
        sys.stdout.write(f"probed {result.probe_id}: {result.status} {safe_text(result.summary, one_line=True)}\n")


def cmd_log(args: argparse.Namespace) -> int:
    from linkflow_console.launch.record import add_log_entry

    session, _ = _open(args)
    kind = args.kind or (str(LogKind.DECISION) if args.decision else str(LogKind.NOTE))
    add_log_entry(session.store, session.operator, kind, args.text, args.decision)
    sys.stdout.write(f"logged {args.decision or kind} ({session.operator}) -> {session.store.location}\n")
    return 0


def cmd_checkin(args: argparse.Namespace) -> int:
    from linkflow_console.launch.record import complete_checkin, reopen_checkin

    session, schedule = _open(args)
    if args.reopen:
        reopen_checkin(session.store, schedule, args.checkin, session.operator)
        sys.stdout.write(f"check-in {args.checkin} reopened ({session.operator}) -> {session.store.location}\n")
        return 0
    complete_checkin(session.store, schedule, args.checkin, session.operator, args.note)
    sys.stdout.write(f"check-in {args.checkin} done ({session.operator}) -> {session.store.location}\n")
    return 0
