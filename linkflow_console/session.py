"""What every command and the TUI start from: checklist + state + profile, resolved from options.
The CLI and the TUI sit on top of this module; it sits on top of the core."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from linkflow_console.checklist import Checklist, load_checklist
from linkflow_console.errors import UserError, suggest
from linkflow_console.paths import bundled_checklist, data_dir, default_state_path
from linkflow_console.probes.profile import Profile, empty_profile, load_profile
from linkflow_console.state import StateStore
from linkflow_console.state.backend import StateBackend
from linkflow_console.status import ItemView, all_views
from linkflow_console.timefmt import utc_now


def default_operator() -> str:
    try:
        import getpass  # only when no --operator or environment names the operator

        return getpass.getuser()
    except Exception:  # no passwd entry (containers): fall back to the environment
        return os.environ.get("USER") or "operator"


@dataclass
class Session:
    checklist: Checklist
    checklist_path: Path
    store: StateBackend
    profile: Profile
    operator: str
    runbooks_dir: Path | None = None
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def environment(self) -> str:
        if getattr(self.store, "adopt_environment", False):
            self.store.state  # noqa: B018 - reading a --state file adopts its environment
        return self.store.environment

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def views(self, pending: frozenset[str] = frozenset()) -> dict[str, ItemView]:
        return all_views(self.checklist, self.store.state, self.today(), pending=pending)

    def require_item(self, item_id: str) -> str:
        if item_id in self.checklist:
            return item_id
        ids = [item.id for item in self.checklist.all_items()]
        hint = suggest(item_id, ids, "list the ids with `linkflow-console export --format json`")
        raise UserError(f"unknown item id {item_id!r}", path=self.checklist_path, fix=hint)


def open_session(
    *,
    checklist: str | Path | None = None,
    state: str | Path | None = None,
    profile: str | Path | None = None,
    operator: str | None = None,
    environment: str | None = None,
    runbooks: str | Path | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Session:
    checklist_path = Path(checklist) if checklist else bundled_checklist()
    model = load_checklist(checklist_path)
    loaded_profile = load_profile(profile) if profile else empty_profile()
    env_name = environment or (loaded_profile.name if profile else "default")
    # --state without --env or a profile: the state's own environment is used (no mismatch to refuse)
    adopt = bool(state) and not environment and not profile
    store = open_backend(state, model.id, env_name, loaded_profile, clock=clock, adopt_environment=adopt)
    runbooks_dir = Path(runbooks) if runbooks else (
        Path(loaded_profile.get("runbooks")) if loaded_profile.get("runbooks") else None
    )
    if runbooks_dir is not None and not runbooks_dir.is_dir():
        raise UserError("runbook directory not found", path=runbooks_dir, fix="pass an existing directory with --runbooks")
    return Session(model, checklist_path, store, loaded_profile, operator or default_operator(), runbooks_dir, clock)


def open_backend(
    state: str | Path | None,
    checklist_id: str,
    environment: str,
    profile: Profile | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    adopt_environment: bool = False,
) -> StateBackend:
    """The backend `--state` names: a postgresql:// store (`--state URL` or the profile's
    [state] url), else the TOML file (`--state FILE`, default: in the data directory)."""
    from linkflow_console.state.pg import is_store_url

    if is_store_url(state) or (profile is not None and profile.get("state.url") and not state):
        from linkflow_console.state.pg.backend import PostgresBackend
        from linkflow_console.state.pg.settings import store_settings

        settings = store_settings(str(state) if state else None, profile)
        assert settings is not None
        return PostgresBackend(settings, checklist_id, environment, clock=clock)
    path = Path(state) if state else default_state_path(checklist_id, environment)
    return StateStore(path, checklist_id, environment, clock=clock, adopt_environment=adopt_environment)


def common_options():
    """The options every command (and a served console) opens its session with, as an argparse
    parent parser; values stay unset (SUPPRESS) unless given, so a subcommand's copy never
    overwrites the top level's."""
    import argparse

    from linkflow_console.paths import environment_flag
    from linkflow_console.text import one_line_arg

    common = argparse.ArgumentParser(add_help=False)
    S = argparse.SUPPRESS
    common.add_argument("--checklist", metavar="FILE", default=S, help="checklist TOML (default: the bundled LinkFlow checklist)")
    common.add_argument("--state", metavar="FILE", default=S, help="state TOML file, or postgresql:// URL of a team store (default: a file in the user data directory)")
    common.add_argument("--profile", metavar="FILE", default=S, help="deployment profile TOML for live probes")
    common.add_argument("--operator", metavar="NAME", default=S, type=one_line_arg, help="who records ticks (default: the OS user)")
    common.add_argument("--env", dest="environment", metavar="NAME", default=S, type=environment_flag, help="environment name (default: the profile's name)")
    common.add_argument("--runbooks", metavar="DIR", default=S, help="team runbooks that override the bundled ones")
    return common


def session_from(options: Any, *, clock: Callable[[], datetime] = utc_now) -> Session:
    """A session from parsed command-line options (an argparse Namespace or anything with the
    same attributes; missing ones take their defaults)."""
    return open_session(
        checklist=getattr(options, "checklist", None),
        state=getattr(options, "state", None),
        profile=getattr(options, "profile", None),
        operator=getattr(options, "operator", None),
        environment=getattr(options, "environment", None),
        runbooks=getattr(options, "runbooks", None),
        clock=clock,
    )


def other_environments_with_work(session: Session) -> list[StateBackend]:
    """When this session's environment has no recorded work: the other environments of the same
    checklist that do (state files named <checklist>.<env>.state.toml beside this one or in the
    data directory), so the user can be told where their work is and how to carry it over."""
    store = session.store
    if not isinstance(store, StateStore) or store.has_work():
        return []
    found: dict[Path, StateBackend] = {}
    for folder in dict.fromkeys((store.path.parent, data_dir())):
        for path in sorted(folder.glob(f"{session.checklist.id}.*.state.toml")):
            environment = path.name[len(session.checklist.id) + 1: -len(".state.toml")]
            if not environment or environment == session.environment or path.resolve() in found:
                continue
            other = StateStore(path, session.checklist.id, environment, clock=session.clock)
            try:
                if other.has_work():
                    found[path.resolve()] = other
            except UserError:
                continue  # an unreadable file says so when it is opened itself
    return list(found.values())
