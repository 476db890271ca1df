"""What every command shares: the parser, the common options, opening a session, writing output."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from linkflow_console.exitcodes import EXIT_USAGE
from linkflow_console.session import Session, common_options, other_environments_with_work, session_from  # noqa: F401 - common_options: the parser's
from linkflow_console.text import safe_text


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 too; add a hint
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n  fix: see `{self.prog} --help`\n")
        raise SystemExit(EXIT_USAGE)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-31") from None


def open_session(args: argparse.Namespace) -> Session:
    """The session the options name; says on stderr when its environment has no work while
    another environment of the checklist has some (and the command that carries it over)."""
    session = session_from(args)
    others = other_environments_with_work(session)
    if others:
        sys.stderr.write(work_elsewhere_note(session, others, args))
    return session


def work_elsewhere_note(session: Session, others: list, args: argparse.Namespace) -> str:
    flags = "".join(f" --{'env' if name == 'environment' else name} {getattr(args, name)}"
                    for name in ("checklist", "state", "profile", "environment") if getattr(args, name, None))
    lines = [f"note: environment {session.environment!r} has no recorded work yet ({session.store.location})"]
    lines += [f"  environment {other.environment!r} has recorded work: {other.location}" for other in others]
    lines.append(f"  carry it over: linkflow-console state copy --from-env {others[0].environment}{flags}")
    return safe_text("\n".join(lines)) + "\n"  # environment names come from file names


def write_output(text: str, output: str | None) -> None:
    if output:
        from linkflow_console.fileio import write_text

        write_text(output, text, "the output file")
    else:
        sys.stdout.write(text)


def rich_console():
    from rich.console import Console

    return Console()
