"""Secrets come from the environment or the OS keyring; never from state, logs or the screen."""

from __future__ import annotations

import os

from linkflow_console.probes.profile import SecretRef


class SecretUnavailable(Exception):
    """A secret reference could not be resolved; the message says how to provide it."""


def split_keyring_name(name: str) -> tuple[str, str]:
    """'linkflow/production/redis' -> service 'linkflow/production', user 'redis'."""
    service, _, user = name.rpartition("/")
    return (service or "linkflow-console", user)


def _keyring():
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise SecretUnavailable(
            "no usable keyring backend on this machine (a headless box has none); "
            'reference the secret as { env = "VAR" } and export VAR instead'
        )
    return keyring


def resolve(ref: SecretRef) -> str:
    if ref.env:
        value = os.environ.get(ref.env)
        if value is None:
            raise SecretUnavailable(f"environment variable {ref.env} is not set; export it before running")
        return value
    assert ref.keyring is not None
    service, user = split_keyring_name(ref.keyring)
    try:
        value = _keyring().get_password(service, user)
    except SecretUnavailable:
        raise
    except Exception as exc:  # keyring backends raise their own types
        raise SecretUnavailable(f"keyring lookup of {ref.keyring} failed: {type(exc).__name__}: {exc}") from None
    if value is None:
        raise SecretUnavailable(
            f"keyring has no secret {ref.keyring}; store it with `linkflow-console secret set {ref.keyring}`"
        )
    return value


def store(name: str, value: str) -> None:
    service, user = split_keyring_name(name)
    try:
        _keyring().set_password(service, user, value)
    except SecretUnavailable:
        raise
    except Exception as exc:
        raise SecretUnavailable(f"keyring refused to store {name}: {type(exc).__name__}: {exc}") from None
