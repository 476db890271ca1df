"""What every configuration probe does with the env file: load it (hiding its secrets from every
result), name where a value came from, and say what is missing."""

from __future__ import annotations

import asyncio

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome
from linkflow_console.probes.config.envfile import ALIASES, EnvFile, Setting, read_env_file
from linkflow_console.probes.context import ProbeContext


async def load_env(ctx: ProbeContext) -> EnvFile:
    env = await asyncio.to_thread(read_env_file, str(ctx.setting("env.file")))
    for value in env.secret_values():
        ctx.hide(value)
    return env


def env_raw(env: EnvFile, *settings: Setting | None) -> dict[str, str]:
    raw = {"env_file": env.path}
    for setting in settings:
        if setting is not None:
            raw[setting.wanted] = setting.where
    if env.malformed_lines:
        raw["malformed_lines"] = ", ".join(map(str, env.malformed_lines))
    return raw


def unset(env: EnvFile, name: str, why: str, status: Status = Status.FAIL) -> Outcome:
    names = " / ".join((name, *ALIASES.get(name, ())))
    return outcome(status, f"{name} is not set: {why}", [Evidence(name, "set", f"not set ({names})", False)],
                   raw=env_raw(env))
