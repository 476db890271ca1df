"""s3.access-logs-retained against moto's S3 server: the log bucket's lifecycle against the documented
retention."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from tests.probes.test_s3 import evidence, run, s3_credentials  # noqa: F401  (autouse credentials fixture)
from tests.servers.s3 import S3Server, s3_server  # noqa: F401

pytestmark = pytest.mark.servers


def logged_bucket(server: S3Server, prefix: str = "access/") -> tuple[str, str]:
    client = server.client()
    bucket, target = server.new_bucket("app"), server.new_bucket("logs")
    client.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    client.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": prefix}})
    return bucket, target


def expire(server: S3Server, bucket: str, days: int, prefix: str = "access/", status: str = "Enabled") -> None:
    server.client().put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "logs", "Status": status, "Filter": {"Prefix": prefix}, "Expiration": {"Days": days}}]})


async def test_expiration_longer_than_retention_passes(s3_server: S3Server, tmp_path: Path) -> None:  # noqa: F811
    bucket, target = logged_bucket(s3_server)
    expire(s3_server, target, 400)
    result = await run("s3.access-logs-retained", tmp_path, s3_server.endpoint_url, bucket=bucket)
    assert result.status is Status.PASS, result.summary
    assert result.values["retention_days"] == 400
    assert evidence(result, f"lifecycle on {target}") == "expire after 400 d"


async def test_expiration_shorter_than_documented_retention_fails(s3_server: S3Server, tmp_path: Path) -> None:  # noqa: F811
    bucket, target = logged_bucket(s3_server)
    expire(s3_server, target, 30)
    result = await run("s3.access-logs-retained", tmp_path, s3_server.endpoint_url, bucket=bucket)
    assert result.status is Status.FAIL and "deleted after 30 d; retention is 90 d" in result.summary


async def test_no_rule_for_the_log_prefix_warns(s3_server: S3Server, tmp_path: Path) -> None:  # noqa: F811
    bucket, target = logged_bucket(s3_server)
    expire(s3_server, target, 400, prefix="other/")
    result = await run("s3.access-logs-retained", tmp_path, s3_server.endpoint_url, bucket=bucket)
    assert result.status is Status.WARN and "kept forever" in result.summary


async def test_no_access_logging_fails(s3_server: S3Server, tmp_path: Path) -> None:  # noqa: F811
    bucket = s3_server.new_bucket("quiet")
    result = await run("s3.access-logs-retained", tmp_path, s3_server.endpoint_url, bucket=bucket)
    assert result.status is Status.FAIL and "no access logs" in result.summary


async def test_documented_retention_comes_from_the_profile(s3_server: S3Server, tmp_path: Path) -> None:  # noqa: F811
    from linkflow_console.probes.context import ProbeContext
    from linkflow_console.probes.engine import run_probe
    from linkflow_console.probes.profile import parse_profile

    bucket, target = logged_bucket(s3_server)
    expire(s3_server, target, 400)
    profile = parse_profile(
        f'timeout = 3.0\n[s3]\nendpoint_url = "{s3_server.endpoint_url}"\nbucket = "{bucket}"\naccess_log_retention_days = 730\n'
        'access_key_id = { env = "TEST_S3_KEY" }\nsecret_access_key = { env = "TEST_S3_SECRET" }\n', tmp_path / "p.toml")
    result = await run_probe("s3.access-logs-retained", ProbeContext(profile))
    assert result.status is Status.FAIL and "retention is 730 d" in result.summary
