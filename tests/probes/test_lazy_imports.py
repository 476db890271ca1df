"""Probe packages register their probes without importing the client libraries they use: those load
when a probe runs (or a sweep preloads them in a thread), so opening the console never pays for them."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(("package", "library"), [
    ("postgres", "psycopg"), ("redis", "redis"), ("s3", "boto3"), ("prometheus", "yaml"), ("config", "httpx"),
])
def test_importing_a_probe_package_does_not_import_its_client_library(package: str, library: str) -> None:
    code = (
        f"import sys, linkflow_console.probes.{package}\n"
        "from linkflow_console.probes.base import registered\n"
        f"print(bool(registered()), {library!r} in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
