"""Passwords for the probes' profiles, and the S3 backups the backup-schedule tests read."""

from __future__ import annotations

import pytest

from tests.probes.postgres import PG_ENV, POOLER_ENV
from tests.servers.postgres import POOLER_PASSWORD, PROBE_PASSWORD
from tests.servers.s3 import OPEN_KEY_ID, OPEN_SECRET, S3Server


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PG_ENV, PROBE_PASSWORD)
    monkeypatch.setenv(POOLER_ENV, POOLER_PASSWORD)
    monkeypatch.setenv("LF_TEST_S3_KEY", OPEN_KEY_ID)
    monkeypatch.setenv("LF_TEST_S3_SECRET", OPEN_SECRET)


@pytest.fixture(scope="module")
def backups(s3_server: S3Server) -> str:
    bucket = s3_server.new_bucket("pg-backups")
    s3_server.client().put_object(Bucket=bucket, Key="production/db/linkflow-full.sql.gz", Body=b"dump")
    return bucket
