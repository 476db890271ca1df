"""Read-side commands: status, export, check, probes, runbook."""

from __future__ import annotations

import argparse
import sys

from linkflow_console.cli.common import open_session, rich_console, write_output
from linkflow_console.errors import UserError
from linkflow_console.exitcodes import EXIT_GATE, EXIT_OK
from linkflow_console.state import record
from linkflow_console.text import safe_text


def _for_scripts() -> bool:
    """stdout is a pipe or a file: print for scripts (no wrapping, padding or colour)."""
    return not sys.stdout.isatty()


def cmd_status(args: argparse.Namespace) -> int:
    from linkflow_console.reports import plain
    from linkflow_console.reports.tables import status_table

    session = open_session(args)
    where = f"environment {session.environment}, state {session.store.location}\n"
    if not _for_scripts() and args.format != "json":  # piped text and JSON carry environment and state themselves
        sys.stdout.write(where)
    what = (session.checklist, session.views(), session.environment, session.store.location)
    if args.format == "json":
        sys.stdout.write(plain.status_json(*what))
    elif _for_scripts():
        sys.stdout.write(plain.status_text(*what))
    else:
        rich_console().print(status_table(*what))
    unknown = sorted(i for i in session.store.state.items if i not in session.checklist)
    if unknown:  # kept in the file (a renamed item's history is not thrown away), but said
        sys.stderr.write(f"note: {len(unknown)} item(s) recorded in the state are not in this checklist "
                         f"(kept, not counted): {safe_text(', '.join(unknown), one_line=True)}\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from linkflow_console.reports import export

    session = open_session(args)
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
    write_output(text, args.output)
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
    session = open_session(args)
    from linkflow_console.probes.kubernetes.loader import with_stdin

    session.profile = with_stdin(session.profile, sys.stdin)  # kubernetes.manifests = ["-"]
    only = {session.require_item(i) for i in args.only} if args.only else None
    items = [i for i in session.checklist.all_items() if not only or i.id in only]
    started = session.clock()
    since = _since(args, started, session.profile.get("history_retention_days"))
    results = asyncio.run(run_sweep(session, [p for item in items for p in item.probes]))
    finished = session.clock()
    record.record_results(session.store, results.values())
    changed = _changes(session, since)
    views = session.views()
    check_rows = report.rows(session.checklist, views, only)
    if args.format == "json":
        text = report.to_json(check_rows, session.profile.name, started, finished) + "\n"
        if since is not None:  # the JSON contract only gains fields
            import json

            from linkflow_console.reports.changes import to_json_fields

            text = json.dumps({**json.loads(text), **to_json_fields(changed, since)}, indent=2, ensure_ascii=False) + "\n"
        write_output(text, args.output)
    elif args.format == "junit":
        write_output(report.to_junit(check_rows, session.profile.name, started, finished), args.output)
    else:
        from linkflow_console.reports.plain import check_text
        from linkflow_console.reports.tables import check_table

        if args.output or _for_scripts():  # for scripts: one line per item, probe text neutralised
            write_output(safe_text(check_text(check_rows)), args.output)
        else:
            rich_console().print(check_table(check_rows))
    if since is not None and args.format != "json":
        from linkflow_console.reports.changes import to_lines

        out = sys.stdout if args.format == "table" and not args.output else sys.stderr
        out.write("\n".join(to_lines(changed, since)) + "\n")
    failed = report.gate_failed(check_rows, args.fail_on)
    if failed:
        sys.stderr.write(f"check: {len(failed)} item(s) at or above '{args.fail_on}': {', '.join(r.view.item.id for r in failed)}\n")
    return EXIT_GATE if failed else EXIT_OK


def _since(args: argparse.Namespace, now, retention_days: float):
    """The moment `--since` names (checked before the sweep: bad input costs no probing), no
    earlier than the history the profile keeps (`history_retention_days`)."""
    if not getattr(args, "since", None):
        return None
    from linkflow_console.reports.changes import parse_since
    from linkflow_console.reports.history import retention_cutoff

    return max(parse_since(args.since, now), retention_cutoff(now, retention_days))


def _changes(session, since) -> list:
    if since is None:
        return []
    from linkflow_console.reports.changes import changes_since
    from linkflow_console.reports.history import within_retention

    events = within_retention(session.store.events_since(0)[0], session.clock(), session.profile.get("history_retention_days"))
    return changes_since(events, since)


def cmd_probes(args: argparse.Namespace) -> int:
    from linkflow_console.reports.tables import probes_table

    session = open_session(args)
    if _for_scripts():
        from linkflow_console.reports.plain import probes_text

        sys.stdout.write(probes_text(session.checklist))
    else:
        rich_console().print(probes_table(session.checklist))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from linkflow_console.reports.plain import item_list

    session = open_session(args)
    sys.stdout.write(item_list(session.checklist, session.views()))
    return EXIT_OK


def cmd_runbook(args: argparse.Namespace) -> int:
    from rich.markdown import Markdown

    from linkflow_console.runbooks import RunbookLibrary, failing_first

    session = open_session(args)
    item = session.checklist.get(session.require_item(args.item))
    assert item is not None
    section = RunbookLibrary(session.runbooks_dir).section_for(item)
    if section is None:
        raise UserError(f"no runbook for {item.id}", fix="add a section to the runbooks (see the README)")
    text = safe_text(failing_first(section, session.views()[item.id]))  # a team's runbook file: no raw escapes
    if _for_scripts():  # the markdown as written: shell commands whole, no padding
        sys.stdout.write(text.rstrip("\n") + "\n")
    else:
        rich_console().print(Markdown(text))
    return EXIT_OK
