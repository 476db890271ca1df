"""Item commands (tick, untick, note, na, waive, unwaive) and `import`: each change one event."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from linkflow_console.cli.common import open_session, write_output
from linkflow_console.errors import UserError, read_text_file
from linkflow_console.exitcodes import EXIT_OK
from linkflow_console.session import Session
from linkflow_console.state import record
from linkflow_console.text import safe_text


def _item_command(args: argparse.Namespace, action: Callable[[Session, str], object], done: str) -> int:
    session = open_session(args)
    item_id = session.require_item(args.item)
    action(session, item_id)
    sys.stdout.write(f"{done} {item_id} ({safe_text(session.operator, one_line=True)}) -> {session.store.location}\n")
    return EXIT_OK


def cmd_tick(args: argparse.Namespace) -> int:
    from linkflow_console.reports.evidence import tick_note, tick_warnings

    session = open_session(args)
    item_id = session.require_item(args.item)
    note = tick_note(session, item_id, args.note, args.evidence)
    record.tick(session.store, item_id, session.operator, note)
    sys.stdout.write(f"ticked {item_id} ({safe_text(session.operator, one_line=True)}) -> {session.store.location}\n")
    for warning in tick_warnings(session, item_id, note):
        sys.stderr.write(f"note: {safe_text(warning)}\n")
    return EXIT_OK


def cmd_untick(args: argparse.Namespace) -> int:
    return _item_command(args, lambda s, i: record.untick(s.store, i, s.operator, args.note), "unticked")


def cmd_note(args: argparse.Namespace) -> int:
    return _item_command(args, lambda s, i: record.add_note(s.store, i, s.operator, args.text), "noted")


def cmd_na(args: argparse.Namespace) -> int:
    if args.clear:
        return _item_command(args, lambda s, i: record.clear_na(s.store, i, s.operator), "cleared N/A on")
    return _item_command(args, lambda s, i: record.set_na(s.store, i, s.operator, args.reason), "marked N/A")


def cmd_waive(args: argparse.Namespace) -> int:
    return _item_command(
        args, lambda s, i: record.waive(s.store, i, s.operator, args.reason, args.owner, args.until), "waived"
    )


def cmd_unwaive(args: argparse.Namespace) -> int:
    return _item_command(args, lambda s, i: record.unwaive(s.store, i, s.operator), "unwaived")


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
    write_output(toml_text, str(output))
    ticked = [item_id for item_id, is_checked in checked.items() if is_checked]
    sys.stdout.write(f"imported {len(checked)} items into {output}\n")
    if args.ticks and ticked:
        args.checklist = str(output)
        session = open_session(args)
        for item_id in ticked:
            record.tick(session.store, item_id, session.operator, f"imported from {source.name}")
        sys.stdout.write(f"recorded {len(ticked)} ticks in {session.store.location}\n")
    return EXIT_OK
