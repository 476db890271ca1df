"""Command line: the TUI by default, plus headless commands for scripts and CI.

Exit codes: 0 ok; 1 `check` found a failing item; 2 usage or input error (bad file, flag or id);
3 internal error (details in the log file named on stderr); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from linkflow_console.errors import UserError, read_text_file
from linkflow_console.paths import environment_flag
from linkflow_console.text import one_line_arg as _one_line_text
from linkflow_console.text import safe_text
from linkflow_console.text import user_text_arg as _user_text

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 too; add a hint
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n  fix: see `{self.prog} --help`\n")
        raise SystemExit(EXIT_USAGE)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    S = argparse.SUPPRESS
    common.add_argument("--checklist", metavar="FILE", default=S, help="checklist TOML (default: the bundled LinkFlow checklist)")
    common.add_argument("--state", metavar="FILE", default=S, help="state TOML (default: in the user data directory)")
    common.add_argument("--profile", metavar="FILE", default=S, help="deployment profile TOML for live probes")
    common.add_argument("--operator", metavar="NAME", default=S, type=_one_line_text, help="who records ticks (default: the OS user)")
    common.add_argument("--env", dest="environment", metavar="NAME", default=S, type=environment_flag, help="environment name (default: the profile's name)")
    common.add_argument("--runbooks", metavar="DIR", default=S, help="team runbooks that override the bundled ones")
    return common


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-31") from None


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog="linkflow-console", description=__doc__.splitlines()[0], parents=[common])
    from linkflow_console import __version__

    parser.add_argument("--version", action="version", version=f"linkflow-console {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

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
    p.add_argument("--note", default="", type=_user_text)
    p.add_argument("--evidence", default="", type=_user_text, metavar="LINK", help="where the proof is: a ticket, a log, a dashboard URL")
    p = command("untick", "mark an item not done", cmd_untick)
    p.add_argument("item")
    p.add_argument("--note", default="", type=_user_text)
    p = command("note", "add a note to an item", cmd_note)
    p.add_argument("item")
    p.add_argument("text", type=_user_text)
    p = command("na", "mark an item not applicable (reason required)", cmd_na)
    p.add_argument("item")
    p.add_argument("--reason", required=True, type=_user_text)
    p.add_argument("--clear", action="store_true", help="remove the N/A instead")
    p = command("waive", "accept an open item until a date (reason, owner, expiry)", cmd_waive)
    p.add_argument("item")
    p.add_argument("--reason", required=True, type=_user_text)
    p.add_argument("--owner", required=True, type=_one_line_text)
    p.add_argument("--until", required=True, type=_date, metavar="YYYY-MM-DD")
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
    command("probes", "list every probe, the item it proves and what it needs", cmd_probes)
    p = command("runbook", "print an item's runbook", cmd_runbook)
    p.add_argument("item")
    p = command("secret", "store a secret in the OS keyring", cmd_secret)
    p.add_argument("action", choices=["set"])
    p.add_argument("name", help="keyring name, e.g. linkflow/production/redis")
    from linkflow_console.launch.cli import add_launch_commands

    add_launch_commands(sub, common)
    from linkflow_console.serve.command import add_serve_command

    add_serve_command(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_tui)
    try:
        return func(args)
    except UserError as exc:
        sys.stderr.write(f"linkflow-console: {safe_text(exc)}\n")  # it may quote a file's text
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        from linkflow_console.fileio import USER_ERRNOS, os_user_error

        if isinstance(exc, OSError) and exc.errno in USER_ERRNOS:  # a path, a permission, a full disk
            sys.stderr.write(f"linkflow-console: {safe_text(os_user_error(exc, 'use the file'))}\n")
            return EXIT_USAGE
        log = _log_internal_error()
        where = f"details written to {log}" if log else f"{type(exc).__name__} (no crash log could be written)"
        sys.stderr.write(f"linkflow-console: internal error; {where}\n")
        return EXIT_INTERNAL


def crash_log() -> Path:
    """Where internal errors are written: never to the user's terminal."""
    from linkflow_console.paths import data_dir

    path = data_dir() / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return path


def _log_internal_error() -> Path | None:
    import traceback

    try:
        path = crash_log()
        with path.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
    except Exception:
        return None
    return path


def session_from(args: argparse.Namespace):
    from linkflow_console.session import open_session

    return open_session(
        checklist=getattr(args, "checklist", None),
        state=getattr(args, "state", None),
        profile=getattr(args, "profile", None),
        operator=getattr(args, "operator", None),
        environment=getattr(args, "environment", None),
        runbooks=getattr(args, "runbooks", None),
    )


def _write(text: str, output: str | None) -> None:
    if output:
        from linkflow_console.fileio import write_text

        write_text(output, text, "the output file")
    else:
        sys.stdout.write(text)


def _console():
    from rich.console import Console

    return Console()


def cmd_tui(args: argparse.Namespace) -> int:
    from linkflow_console.tui.app import run_tui

    return run_tui(args)


def _for_scripts() -> bool:
    """stdout is a pipe or a file: print for scripts (no wrapping, padding or colour)."""
    return not sys.stdout.isatty()


def cmd_status(args: argparse.Namespace) -> int:
    from linkflow_console.reports import plain
    from linkflow_console.reports.tables import status_table

    session = session_from(args)
    what = (session.checklist, session.views(), session.environment, session.store.path)
    if args.format == "json":
        sys.stdout.write(plain.status_json(*what))
    elif _for_scripts():
        sys.stdout.write(plain.status_text(*what))
    else:
        _console().print(status_table(*what))
    unknown = sorted(i for i in session.store.state.items if i not in session.checklist)
    if unknown:  # kept in the file (a renamed item's history is not thrown away), but said
        sys.stderr.write(f"note: {len(unknown)} item(s) recorded in the state are not in this checklist "
                         f"(kept, not counted): {safe_text(', '.join(unknown), one_line=True)}\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from linkflow_console.reports import export

    session = session_from(args)
    links = None
    if args.runbook_links:
        from linkflow_console.runbooks import RunbookLibrary

        links = RunbookLibrary(session.runbooks_dir).links(session.checklist)
    views = session.views()
    now = session.clock()
    if args.format == "json":
        text = export.to_json(session.checklist, views, session.store.state, environment=session.environment, now=now, runbook_links=links) + "\n"
    else:
        from linkflow_console.launch.model import log_lines

        text = export.to_markdown(
            session.checklist, views, environment=session.environment, now=now,
            runbook_links=links, launch_lines=log_lines(session.store.state),
        )
    _write(text, args.output)
    return EXIT_OK


def _item_command(args: argparse.Namespace, action: Callable[..., object], done: str) -> int:
    session = session_from(args)
    item_id = session.require_item(args.item)
    action(session, item_id)
    sys.stdout.write(f"{done} {item_id} ({safe_text(session.operator, one_line=True)}) -> {session.store.path}\n")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from linkflow_console.reports.plain import item_list

    session = session_from(args)
    sys.stdout.write(item_list(session.checklist, session.views()))
    return EXIT_OK


def cmd_tick(args: argparse.Namespace) -> int:
    from linkflow_console.reports.evidence import tick_note, tick_warnings

    session = session_from(args)
    item_id = session.require_item(args.item)
    note = tick_note(session, item_id, args.note, args.evidence)
    session.store.tick(item_id, session.operator, note)
    sys.stdout.write(f"ticked {item_id} ({session.operator}) -> {session.store.path}\n")
    for warning in tick_warnings(session, item_id, note):
        sys.stderr.write(f"note: {warning}\n")
    return EXIT_OK


def cmd_untick(args: argparse.Namespace) -> int:
    return _item_command(args, lambda s, i: s.store.untick(i, s.operator, args.note), "unticked")


def cmd_note(args: argparse.Namespace) -> int:
    return _item_command(args, lambda s, i: s.store.add_note(i, s.operator, args.text), "noted")


def cmd_na(args: argparse.Namespace) -> int:
    if args.clear:
        return _item_command(args, lambda s, i: s.store.clear_na(i, s.operator), "cleared N/A on")
    return _item_command(args, lambda s, i: s.store.set_na(i, s.operator, args.reason), "marked N/A")


def cmd_waive(args: argparse.Namespace) -> int:
    return _item_command(
        args, lambda s, i: s.store.waive(i, s.operator, args.reason, args.owner, args.until), "waived"
    )


def cmd_unwaive(args: argparse.Namespace) -> int:
    return _item_command(args, lambda s, i: s.store.unwaive(i, s.operator), "unwaived")


def cmd_import(args: argparse.Namespace) -> int:
    from linkflow_console.checklist import load_checklist_text
    from linkflow_console.checklist.loader import ID_PATTERN
    from linkflow_console.checklist.markdown import parse_markdown, slug, to_toml

    source = Path(args.markdown)
    text = read_text_file(source, "markdown checklist", UserError, "import FILE.md", encoding="utf-8-sig")
    output = Path(args.output)
    if output.exists() and not args.force:  # a team's hand-edited checklist is never lost to a typo
        raise UserError("exists already; not replaced", path=output, fix="choose another -o FILE, or add --force to replace it")
    if args.checklist_id is not None and not ID_PATTERN.fullmatch(args.checklist_id):
        raise UserError(
            f"--id {args.checklist_id!r} is not a valid checklist id",
            fix="use lowercase letters, digits, '-' and '.', e.g. --id team-launch",
        )
    checklist_id = args.checklist_id or slug(output.stem.split(".")[0], 30)
    toml_text, checked = to_toml(parse_markdown(text, source), checklist_id)
    load_checklist_text(toml_text, output)  # the import must itself load
    _write(toml_text, str(output))
    ticked = [item_id for item_id, is_checked in checked.items() if is_checked]
    sys.stdout.write(f"imported {len(checked)} items into {output}\n")
    if args.ticks and ticked:
        args.checklist = str(output)
        session = session_from(args)
        for item_id in ticked:
            session.store.tick(item_id, session.operator, f"imported from {source.name}")
        sys.stdout.write(f"recorded {len(ticked)} ticks in {session.store.path}\n")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if not getattr(args, "profile", None):
        raise UserError("check needs a profile", fix="pass --profile FILE (see the README's profile section)")
    import asyncio

    from linkflow_console.reports import check as report
    from linkflow_console.runner import run_sweep

    if args.output:  # refused before the sweep, so a typo costs nothing and records nothing
        from linkflow_console.fileio import check_output_path

        check_output_path(args.output)
    session = session_from(args)
    from linkflow_console.probes.kubernetes.loader import with_stdin

    session.profile = with_stdin(session.profile, sys.stdin)  # kubernetes.manifests = ["-"]
    only = {session.require_item(i) for i in args.only} if args.only else None
    items = [i for i in session.checklist.all_items() if not only or i.id in only]
    started = session.clock()
    results = asyncio.run(run_sweep(session, [p for item in items for p in item.probes]))
    finished = session.clock()
    session.store.record_results(results.values())
    views = session.views()
    check_rows = report.rows(session.checklist, views, only)
    if args.format == "json":
        text = report.to_json(check_rows, session.profile.name, started, finished) + "\n"
        _write(text, args.output)
    elif args.format == "junit":
        _write(report.to_junit(check_rows, session.profile.name, started, finished), args.output)
    else:
        from linkflow_console.reports.plain import check_text
        from linkflow_console.reports.tables import check_table

        if args.output or _for_scripts():  # for scripts: one line per item, probe text neutralised
            _write(safe_text(check_text(check_rows)), args.output)
        else:
            _console().print(check_table(check_rows))
    failed = report.gate_failed(check_rows, args.fail_on)
    if failed:
        sys.stderr.write(f"check: {len(failed)} item(s) at or above '{args.fail_on}': {', '.join(r.view.item.id for r in failed)}\n")
    return EXIT_GATE if failed else EXIT_OK


def cmd_probes(args: argparse.Namespace) -> int:
    from linkflow_console.reports.tables import probes_table

    session = session_from(args)
    if _for_scripts():
        from linkflow_console.reports.plain import probes_text

        sys.stdout.write(probes_text(session.checklist))
    else:
        _console().print(probes_table(session.checklist))
    return EXIT_OK


def cmd_runbook(args: argparse.Namespace) -> int:
    from rich.markdown import Markdown

    from linkflow_console.runbooks import RunbookLibrary

    session = session_from(args)
    item = session.checklist.get(session.require_item(args.item))
    assert item is not None
    section = RunbookLibrary(session.runbooks_dir).section_for(item)
    if section is None:
        raise UserError(f"no runbook for {item.id}", fix="add a section to the runbooks (see the README)")
    view = session.views()[item.id]
    from linkflow_console.runbooks import failing_first

    if _for_scripts():  # the markdown as written (escapes neutralised): shell commands whole, no padding
        sys.stdout.write(safe_text(failing_first(section, view)).rstrip("\n") + "\n")
    else:
        _console().print(Markdown(safe_text(failing_first(section, view))))  # a team's runbook file: no raw escapes
    return EXIT_OK


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
