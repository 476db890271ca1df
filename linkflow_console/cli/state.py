"""`linkflow-console state ...`: commands about the state itself. `state copy --from-env NAME`
carries the work recorded in another environment into this one as one carry-over event."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from linkflow_console.errors import UserError
from linkflow_console.exitcodes import EXIT_OK
from linkflow_console.session import Session, other_environments_with_work, session_from
from linkflow_console.state import StateStore
from linkflow_console.state import events as ev
from linkflow_console.state.backend import StateBackend, carry_over
from linkflow_console.timefmt import stamp


def add_state_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    state = sub.add_parser("state", help="the state itself: carry work over between environments",
                           description="Commands about the state itself.", parents=[common])
    commands = state.add_subparsers(dest="state_command", parser_class=type(state), required=True)

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
        parser.set_defaults(func=func)
        return parser

    p = command("copy", "carry another environment's work over (--from-env), or copy a state between a file "
                "and a team store (--from, --to; either way, losslessly)", cmd_copy)
    p.add_argument("--from-env", metavar="NAME", help="the environment whose work to carry over, e.g. default")
    p.add_argument("--again", action="store_true", help="carry over again although it was carried over before")
    from linkflow_console.state.pg.commands import add_copy_options, add_init_command

    add_copy_options(p)
    add_init_command(command)


def environment_backend(session: Session, environment: str) -> StateBackend:
    """The state of another environment of the session's checklist: a file beside this one, else
    in the data directory."""
    from linkflow_console.paths import default_state_path

    name = f"{session.checklist.id}.{environment}.state.toml"
    here = getattr(session.store, "path", None)
    path = here.with_name(name) if here is not None and here.with_name(name).exists() else default_state_path(session.checklist.id, environment)
    if not path.exists():
        with_work = [b.environment for b in other_environments_with_work(session)]
        raise UserError(f"no state for environment {environment!r} of checklist {session.checklist.id!r}", path=path,
                        fix=f"environments with recorded work: {', '.join(with_work)}" if with_work else "check the name with --from-env")
    return StateStore(path, session.checklist.id, environment, clock=session.clock)


def cmd_copy(args: argparse.Namespace) -> int:
    if args.source or args.target:
        from linkflow_console.state.pg.commands import cmd_copy_between

        return cmd_copy_between(args)
    if not args.from_env:
        raise UserError("state copy needs --from-env NAME, or --from and --to", fix="see `linkflow-console state copy --help`")
    session = session_from(args)
    target = session.store
    if args.from_env == session.environment:
        raise UserError(f"--from-env {args.from_env} is this environment", fix="name another environment, or choose this one with --env / --profile")
    source = environment_backend(session, args.from_env)
    earlier = [e for e in target.events_since(0)[0] if e.kind == ev.CARRY_OVER and e.target == source.environment]
    if earlier and not args.again:
        last = earlier[-1]
        raise UserError(f"the work of environment {source.environment!r} was carried over already, by {last.by} at {stamp(last.at)}",
                        fix="pass --again to carry it over once more (notes and history would be added twice)")
    event = carry_over(source, target, session.operator)
    if event is None:
        raise UserError(f"environment {source.environment!r} has no recorded work to carry over", path=source.location)
    sys.stdout.write(f"carried {event.fields['count']} change(s) over from environment {source.environment!r} ({source.location}) "
                     f"into {target.environment!r} ({session.operator}) -> {target.location}\n")
    return EXIT_OK
