"""Throwaway PostgreSQL clusters (and a PgBouncer) on 127.0.0.1 for the PostgreSQL probe tests.

Three primaries cover the configurations the probes judge:
- `pg_secure`: ssl on with pg_hba `hostssl` only, WAL archived to a directory, pg_stat_statements
  preloaded and installed, a streaming replica (`pg_replica`), bcrypt hashes made by pgcrypto;
- `pg_lax`: ssl on but plaintext allowed, an archive_command that always fails, pg_stat_statements
  installed but not preloaded;
- `pg_plain`: ssl off, wal_level minimal, no archiving, no pg_stat_statements.
Probes log in as the role `probe` (member of pg_monitor) with PROBE_PASSWORD over TCP; fixtures
administer through the cluster's own unix socket as the `postgres` superuser (trust).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers import free_port, need_binary, postgres_owned_dir, stop, wait_for_port

PROBE_USER = "probe"
PROBE_PASSWORD = "probe-Pw-4b9e1c"
POOLER_ADMIN = "pgb_admin"
POOLER_PASSWORD = "pooler-Pw-77d2a0"
DATABASE = "linkflow"

LOCAL_TRUST = "local all postgres trust"


def _as_postgres(home: Path) -> dict[str, Any]:
    """Popen arguments that drop root to the `postgres` user (initdb and postgres refuse root).

    HOME moves too: libpq inside pg_basebackup and the standby's walreceiver looks for
    ~/.postgresql/postgresql.crt and fails on root's unreadable home."""
    env = {**os.environ, "HOME": str(home)}
    return {"user": "postgres", "group": "postgres", "env": env} if os.geteuid() == 0 else {"env": env}


def _run_as_postgres(home: Path, *args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False, **_as_postgres(home))
    if done.returncode:
        raise RuntimeError(f"{Path(args[0]).name} exited with {done.returncode}: {done.stderr.strip()}")


def _own(path: Path, mode: int | None = None) -> None:
    if mode is not None:
        path.chmod(mode)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


@dataclass
class PgServer:
    directory: Path
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def dsn(self, user: str = PROBE_USER, database: str = DATABASE, **params: str) -> str:
        extra = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}" + (f"?{extra}" if extra else "")

    def admin(self, database: str = DATABASE) -> Any:
        """A superuser connection over the cluster's unix socket (sync psycopg: fixtures are sync)."""
        import psycopg

        return psycopg.connect(host=str(self.directory), port=self.port, user="postgres", dbname=database, autocommit=True)

    def sql(self, *statements: str, database: str = DATABASE) -> list[tuple[Any, ...]]:
        """Run statements; the rows of the last one."""
        rows: list[tuple[Any, ...]] = []
        with self.admin(database) as conn:
            for statement in statements:
                cursor = conn.execute(statement)
                rows = cursor.fetchall() if cursor.description else []
        return rows

    def wait_until(self, query: str, what: str, timeout: float = 60.0) -> None:
        """Poll until `query` returns a true first column (archiver, replication catch up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.sql(query)
            if rows and rows[0][0]:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not happen within {timeout} s; see {self.log}")


@dataclass(frozen=True)
class PgCerts:
    ca_file: Path
    cert_file: Path
    key_file: Path


@dataclass
class PgSpec:
    ssl: bool = False
    hba: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)


def start_postgres(directory: Path, settings: dict[str, str]) -> PgServer:
    """Start `postgres` on a free port for an initialised data directory under `directory`."""
    port = free_port()
    log = directory / "postgres.log"
    args = [need_binary("postgres"), "-D", str(directory / "data"), "-c", f"port={port}",
            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={directory}"]
    for name, value in settings.items():
        args += ["-c", f"{name}={value}"]
    with log.open("ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, **_as_postgres(directory))
    wait_for_port(port, proc=proc)
    server = PgServer(directory, port, proc, log)
    _wait_ready(server)
    return server


def _wait_ready(server: PgServer, timeout: float = 30.0) -> None:
    """The port opens before the cluster accepts logins (startup, recovery)."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with server.admin("postgres"):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline or server.proc.poll() is not None:
                raise RuntimeError(f"postgres on {server.port} never accepted logins; see {server.log}") from None
            time.sleep(0.1)


def stop_postgres(server: PgServer) -> None:
    """Fast shutdown (SIGINT): the default smart shutdown would wait for every client."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT)
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def create_cluster(directory: Path, spec: PgSpec, certs: PgCerts | None = None) -> PgServer:
    """initdb as `postgres`, write pg_hba.conf, start; create the probe role and the database."""
    postgres_owned_dir(directory)
    _run_as_postgres(directory, need_binary("initdb"), "-D", str(directory / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    (directory / "data" / "pg_hba.conf").write_text("\n".join([LOCAL_TRUST, *spec.hba]) + "\n")
    settings = {"shared_buffers": "16MB", "fsync": "off", "max_connections": "20", **spec.settings}
    if spec.ssl:
        assert certs is not None
        settings |= {"ssl": "on", "ssl_cert_file": str(certs.cert_file), "ssl_key_file": str(certs.key_file)}
    server = start_postgres(directory, settings)
    server.sql(
        f"CREATE ROLE {PROBE_USER} LOGIN PASSWORD '{PROBE_PASSWORD}' IN ROLE pg_monitor",
        f"CREATE DATABASE {DATABASE}",
        database="postgres",
    )
    return server


@pytest.fixture(scope="session")
def pg_workdir() -> Iterator[Path]:
    """A world-traversable directory outside pytest's basetemp.

    The postgres user must reach its data directory, but every pytest run (other test runs on
    the same machine included) resets /tmp/pytest-of-<user> to 0700, which would lock it out."""
    base = Path(tempfile.mkdtemp(prefix="linkflow-pg-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_certs(pg_workdir: Path) -> PgCerts:
    """A trustme CA and a server certificate for 127.0.0.1; the key is the postgres user's, 0600."""
    import trustme

    directory = postgres_owned_dir(pg_workdir / "certs")
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1", "localhost")
    certs = PgCerts(directory / "ca.pem", directory / "server.crt", directory / "server.key")
    authority.cert_pem.write_to_path(str(certs.ca_file))
    issued.private_key_and_cert_chain_pem.write_to_path(str(certs.cert_file))
    issued.private_key_pem.write_to_path(str(certs.key_file))
    _own(certs.cert_file, 0o644)
    _own(certs.key_file, 0o600)
    return certs


@contextmanager
def running_cluster(pg_workdir: Path, name: str, spec: PgSpec, certs: PgCerts | None = None) -> Iterator[PgServer]:
    server = create_cluster(pg_workdir / name, spec, certs)
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture(scope="session")
def pg_secure(pg_workdir: Path, pg_certs: PgCerts) -> Iterator[PgServer]:
    archive = postgres_owned_dir(pg_workdir / "wal-archive")
    spec = PgSpec(
        ssl=True,
        hba=["hostssl all all 127.0.0.1/32 scram-sha-256", "hostssl replication postgres 127.0.0.1/32 trust"],
        settings={
            "wal_level": "replica",
            "archive_mode": "on",
            "archive_command": f"test ! -f {archive}/%f && cp %p {archive}/%f",
            "shared_preload_libraries": "pg_stat_statements",
            "max_wal_senders": "4",
        },
    )
    with running_cluster(pg_workdir, "secure", spec, pg_certs) as server:
        server.sql(
            "CREATE EXTENSION pg_stat_statements",
            "CREATE EXTENSION pgcrypto",
            "CREATE TABLE users (email text PRIMARY KEY, password text NOT NULL, created_at timestamptz DEFAULT now())",
            "INSERT INTO users VALUES ('strong@example.com', crypt('correct horse', gen_salt('bf', 12)), now()),"
            " ('weak@example.com', crypt('battery staple', gen_salt('bf', 10)), now() - interval '1 day')",
            f"GRANT SELECT ON users TO {PROBE_USER}",
            "SELECT pg_switch_wal()",
        )
        server.wait_until("SELECT archived_count > 0 FROM pg_stat_archiver", "the first WAL archive")
        yield server


@pytest.fixture(scope="session")
def pg_replica(pg_workdir: Path, pg_secure: PgServer) -> Iterator[PgServer]:
    """A streaming standby of pg_secure made with pg_basebackup -R; yields the standby."""
    directory = postgres_owned_dir(pg_workdir / "replica")
    _run_as_postgres(
        directory, need_binary("pg_basebackup"), "-D", str(directory / "data"), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast",
        "-d", f"host=127.0.0.1 port={pg_secure.port} user=postgres sslmode=require application_name=replica1",
    )
    # The copied pg_hba has hostssl lines, which a standby without ssl refuses to load.
    (directory / "data" / "pg_hba.conf").write_text(f"{LOCAL_TRUST}\nhost all all 127.0.0.1/32 scram-sha-256\n")
    replica = start_postgres(directory, {"shared_buffers": "16MB", "fsync": "off"})
    try:
        pg_secure.wait_until(
            "SELECT count(*) > 0 FROM pg_stat_replication WHERE state = 'streaming'", "streaming replication"
        )
        yield replica
    finally:
        stop_postgres(replica)


@pytest.fixture(scope="session")
def pg_lax(pg_workdir: Path, pg_certs: PgCerts) -> Iterator[PgServer]:
    spec = PgSpec(
        ssl=True,
        hba=["host all all 127.0.0.1/32 scram-sha-256"],  # `host` matches TLS and plaintext alike
        settings={"wal_level": "replica", "archive_mode": "on", "archive_command": "false"},
    )
    with running_cluster(pg_workdir, "lax", spec, pg_certs) as server:
        server.sql("CREATE EXTENSION pg_stat_statements", "CREATE TABLE t AS SELECT 1 AS x", "SELECT pg_switch_wal()")
        server.wait_until("SELECT failed_count > 0 FROM pg_stat_archiver", "a failed WAL archive")
        yield server


@pytest.fixture(scope="session")
def pg_plain(pg_workdir: Path) -> Iterator[PgServer]:
    spec = PgSpec(
        ssl=False,
        hba=["host all all 127.0.0.1/32 scram-sha-256"],
        settings={"wal_level": "minimal", "archive_mode": "off", "max_wal_senders": "0"},
    )
    with running_cluster(pg_workdir, "plain", spec) as server:
        yield server


@dataclass(frozen=True)
class Pooler:
    port: int
    directory: Path

    def dsn(self, user: str = POOLER_ADMIN) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/pgbouncer"


@pytest.fixture(scope="session")
def pgbouncer(pg_workdir: Path, pg_secure: PgServer) -> Iterator[Pooler]:
    """A real PgBouncer in front of pg_secure; its admin console user is POOLER_ADMIN (scram)."""
    binary = need_binary("pgbouncer", "/usr/sbin/pgbouncer")
    directory = postgres_owned_dir(pg_workdir / "pgbouncer")
    port = free_port()
    (directory / "userlist.txt").write_text(f'"{POOLER_ADMIN}" "{POOLER_PASSWORD}"\n"{PROBE_USER}" "{PROBE_PASSWORD}"\n')
    config = directory / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n{DATABASE} = host=127.0.0.1 port={pg_secure.port} dbname={DATABASE}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {directory}/userlist.txt\nadmin_users = {POOLER_ADMIN}\n"
        f"logfile = {directory}/pgbouncer.log\npidfile = {directory}/pgbouncer.pid\n"
        "server_tls_sslmode = require\n"
    )
    for path in (config, directory / "userlist.txt"):
        _own(path, 0o600)
    proc = subprocess.Popen([binary, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **_as_postgres(directory))
    try:
        wait_for_port(port, proc=proc)
        yield Pooler(port, directory)
    finally:
        stop(proc)  # SIGTERM is PgBouncer's immediate shutdown
