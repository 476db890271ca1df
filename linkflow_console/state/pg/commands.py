"""`linkflow-console state init` (create or migrate a team store) and `state copy` (move a state
between a file and a store, either way, losslessly: the same events under the same ids)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from linkflow_console.errors import UserError


def add_init_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    """`state init`, added to the `state` command group."""
    p = command("init", "create or migrate the team store named by --state URL (or the profile's [state] url)", cmd_init)
    p.add_argument("--grant", metavar="ROLE", action="append", default=[],
                   help="give ROLE the least privileges a console needs (read, insert events); repeatable")


def add_copy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", metavar="FILE|URL", help="copy this state (a file or a postgresql:// store)...")
    parser.add_argument("--to", dest="target", metavar="FILE|URL", help="...into this one; copying twice adds nothing")


def _profile(args: argparse.Namespace):
    from linkflow_console.probes.profile import empty_profile, load_profile

    return load_profile(args.profile) if getattr(args, "profile", None) else empty_profile()


def cmd_init(args: argparse.Namespace) -> int:
    from linkflow_console.state.pg import schema
    from linkflow_console.state.pg.settings import StoreUnreachable, connect, store_settings

    profile = _profile(args)
    settings = store_settings(getattr(args, "state", None), profile)
    if settings is None:
        raise UserError("state init needs a postgresql:// store",
                        fix="pass --state postgresql://OWNER@HOST:PORT/DATABASE, or a --profile with [state] url")
    try:
        conn = connect(settings)
    except StoreUnreachable as exc:
        raise UserError(str(exc), fix="check the host, port and that the server runs; nothing was changed") from None
    import psycopg

    with conn:
        try:
            before, after = schema.init_store(conn, settings.display, args.grant)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise UserError(f"the role may not create the store: {exc.diag.message_primary or exc}",
                            fix="run state init as the database's owner (CREATE on the database)") from None
        except psycopg.errors.UndefinedObject as exc:
            raise UserError(f"cannot grant: {exc.diag.message_primary or exc}", fix="create the role first") from None
    if before is None:
        said = f"created the console store (schema version {after})"
    elif before == after:
        said = f"already at schema version {after}; nothing changed"
    else:
        said = f"migrated the console store from schema version {before} to {after}"
    sys.stdout.write(f"{settings.display}: {said}\n")
    for role in args.grant:
        sys.stdout.write(f"{role}: may read the store and insert events (no update, no delete)\n")
    return 0


def cmd_copy_between(args: argparse.Namespace) -> int:
    from linkflow_console.checklist import load_checklist
    from linkflow_console.paths import bundled_checklist
    from linkflow_console.session import open_backend
    from linkflow_console.state.backend import copy_events

    profile = _profile(args)
    checklist = load_checklist(getattr(args, "checklist", None) or bundled_checklist())
    chosen = getattr(args, "environment", None) or (profile.name if getattr(args, "profile", None) else None)
    if not (args.source and args.target):
        raise UserError("state copy between stores needs both --from and --to", fix="name the source and the target")
    if args.source == args.target:
        raise UserError("--from and --to name the same state", fix="copy to another file or store")
    from pathlib import Path

    from linkflow_console.state.pg import is_store_url

    if not is_store_url(args.source) and not Path(args.source).is_file():
        raise UserError("state file not found", path=args.source, fix="pass an existing state file (or a postgresql:// URL) with --from")
    source = open_backend(args.source, checklist.id, chosen or "default", profile, adopt_environment=chosen is None)
    source.state  # noqa: B018 - a file chosen without --env gives its own environment
    target = open_backend(args.target, checklist.id, source.environment, profile)
    copied = copy_events(source, target)
    total = len(source.events_since(0)[0])
    sys.stdout.write(f"copied {copied} event(s) of {checklist.id}/{source.environment} from {source.location} "
                     f"to {target.location} ({total - copied} already there)\n")
    return 0
