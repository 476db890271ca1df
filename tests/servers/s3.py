"""moto's S3 server on 127.0.0.1: one open server for the session, one that enforces IAM auth."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.servers import free_port, stop, wait_for_port

# moto accepts any credentials unless IAM auth is switched on; these are for the open server.
OPEN_KEY_ID = "AKIATESTPROBEKEY0001"
OPEN_SECRET = "open-server-secret-key-for-tests"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def client(self, key_id: str = OPEN_KEY_ID, secret: str = OPEN_SECRET, service: str = "s3") -> Any:
        import boto3

        return boto3.client(
            service, endpoint_url=self.endpoint_url, region_name="us-east-1",
            aws_access_key_id=key_id, aws_secret_access_key=secret,
        )

    def new_bucket(self, label: str) -> str:
        """A bucket with a unique name, so tests sharing the server never see each other's state."""
        name = f"{label}-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wait_for_port(port)
    yield S3Server(f"http://127.0.0.1:{port}")
    server.stop()


@dataclass(frozen=True)
class AuthS3Server(S3Server):
    bucket: str
    key_id: str  # an IAM user with no permissions at all
    secret: str


@pytest.fixture(scope="session")
def s3_auth_server() -> Iterator[AuthS3Server]:
    """A separate moto process with IAM auth enforced (a process-wide moto setting)."""
    import httpx

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )
    try:
        wait_for_port(port, proc=proc, timeout=30)
        server = S3Server(f"http://127.0.0.1:{port}")
        bucket = server.new_bucket("auth")
        iam = server.client(service="iam")
        iam.create_user(UserName="probe")
        key = iam.create_access_key(UserName="probe")["AccessKey"]
        # From here on every request must be signed by a known IAM user with the right policy.
        httpx.post(f"{server.endpoint_url}/moto-api/reset-auth", content=b"0").raise_for_status()
        yield AuthS3Server(server.endpoint_url, bucket, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        stop(proc)
