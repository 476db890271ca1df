from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

# The throwaway servers' fixtures, for every test module without importing them (tests/servers/).
pytest_plugins = [
    "tests.servers",
    "tests.servers.alertmanager",
    "tests.servers.api",
    "tests.servers.postgres",
    "tests.servers.prometheus",
    "tests.servers.redis",
    "tests.servers.s3",
    "tests.servers.tls",
    "tests.servers.web",
]

REPO = Path(__file__).resolve().parent.parent
FROZEN = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's data directory."""
    monkeypatch.setenv("LINKFLOW_CONSOLE_DATA", str(tmp_path_factory.mktemp("data")))


@pytest.fixture
def frozen_clock():
    return lambda: FROZEN


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "production.test.state.toml"


@pytest.fixture
def session(state_path: Path, frozen_clock):
    from linkflow_console.session import open_session

    return open_session(state=state_path, operator="alice", environment="test", clock=frozen_clock)


def seed_markdown() -> Path:
    """The seed checklist: shared/ beside the repo (as CI lays it out), else the copy in tests/data."""
    shared = REPO.parent / "shared" / "production-checklist.md"
    return shared if shared.exists() else REPO / "tests" / "data" / "production-checklist.md"


def run_cli(*args: str, cwd: Path | None = None, input_text: str | None = None):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "linkflow_console", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=input_text,
        env={**os.environ, "COLUMNS": "120"},
        timeout=120,
    )
