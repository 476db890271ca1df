"""S3 probes against moto's S3 server on 127.0.0.1 (real HTTP, real boto3, no mocks)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from linkflow_console.probes.s3 import public_statements, newest_backup
from tests.servers import free_port
from tests.servers.s3 import OPEN_KEY_ID, OPEN_SECRET, S3Server

pytestmark = pytest.mark.servers

BACKUP_PREFIX = "production/db/"


@pytest.fixture(autouse=True)
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_S3_KEY", OPEN_KEY_ID)
    monkeypatch.setenv("TEST_S3_SECRET", OPEN_SECRET)


def make_context(tmp_path: Path, endpoint: str, *, credentials: bool = True, timeout: float = 3.0,
                 clock=None, **s3: str) -> ProbeContext:
    lines = [f"timeout = {timeout}", "[s3]", f'endpoint_url = "{endpoint}"']
    lines += [f'{key} = "{value}"' for key, value in s3.items()]
    if credentials:
        lines += ['access_key_id = { env = "TEST_S3_KEY" }', 'secret_access_key = { env = "TEST_S3_SECRET" }']
    profile = parse_profile("\n".join(lines) + "\n", tmp_path / "profile.toml")
    return ProbeContext(profile, clock=clock) if clock else ProbeContext(profile)


async def run(probe_id: str, tmp_path: Path, endpoint: str, **kwargs) -> ProbeResult:
    return await run_probe(probe_id, make_context(tmp_path, endpoint, **kwargs))


def evidence(result: ProbeResult, label: str) -> str:
    return next(e.actual for e in result.evidence if e.label.startswith(label))


def secure_transport_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]})


def app_write_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AppWrites", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/linkflow-api"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
    }]})


def public_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
    }]})


def bucket_with_object(server: S3Server, label: str, policy=None, object_acl: str = "private") -> str:
    """A bucket holding a.txt, with the bucket policy `policy(bucket)` when given."""
    bucket = server.new_bucket(label)
    client = server.client()
    client.put_object(Bucket=bucket, Key="a.txt", Body=b"x", ACL=object_acl)
    if policy is not None:
        client.put_bucket_policy(Bucket=bucket, Policy=policy(bucket))
    return bucket


def block_all_public_access(client, bucket: str) -> None:
    client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })


# --- s3.bucket-policy --------------------------------------------------------------------


async def test_bucket_policy_passes_when_private_and_blocked(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = bucket_with_object(s3_server, "private", secure_transport_policy)
    block_all_public_access(s3_server.client(), bucket)

    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.PASS, result.summary
    assert evidence(result, "anonymous GET a.txt").startswith("refused")
    assert "BlockPublicAcls=true" in evidence(result, "public access block")


async def test_bucket_policy_warns_without_public_access_block(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = bucket_with_object(s3_server, "noblock", secure_transport_policy)

    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.WARN, result.summary
    assert evidence(result, "public access block") == "not configured"


async def test_bucket_policy_fails_without_policy(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = bucket_with_object(s3_server, "nopolicy")

    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL
    assert evidence(result, "bucket policy") == "none (NoSuchBucketPolicy)"
    assert "no bucket policy" in result.summary


async def test_bucket_policy_fails_when_object_is_public_read(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = bucket_with_object(s3_server, "publicacl", app_write_policy, object_acl="public-read")

    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL
    assert "publicly readable" in result.summary
    assert evidence(result, "anonymous GET a.txt").startswith("allowed: HTTP 20")


async def test_bucket_policy_fails_naming_public_statement(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = bucket_with_object(s3_server, "publicpolicy", public_policy)

    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL
    assert "PublicRead (s3:GetObject)" in evidence(result, "statements allowing Principal *")


async def test_bucket_policy_lists_anonymously_when_bucket_is_empty(s3_server: S3Server, tmp_path: Path) -> None:
    # moto answers anonymous listings of any bucket: exactly what the probe must catch.
    bucket = s3_server.new_bucket("empty")
    s3_server.client().put_bucket_policy(Bucket=bucket, Policy=secure_transport_policy(bucket))

    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL
    assert evidence(result, "anonymous ListObjects (bucket is empty)") == "allowed: HTTP 200"


def testpublic_statements_ignore_conditioned_and_named_principals() -> None:
    policy = {"Statement": [
        {"Sid": "FromOffice", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
        {"Sid": "App", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:*"},
        {"Sid": "Deny", "Effect": "Deny", "Principal": "*", "Action": "s3:*"},
        {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject", "s3:ListBucket"]},
    ]}

    assert public_statements(policy) == ["#4 (s3:GetObject, s3:ListBucket)"]


async def test_bucket_policy_fails_when_bucket_missing(s3_server: S3Server, tmp_path: Path) -> None:
    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket="no-such-bucket-here")

    assert result.status is Status.FAIL
    assert result.summary == "bucket no-such-bucket-here does not exist"
    assert evidence(result, "bucket") == "NoSuchBucket"


# --- s3.encryption / s3.backup-encryption --------------------------------------------------


@pytest.mark.parametrize(("probe_id", "bucket_key"), [("s3.encryption", "bucket"), ("s3.backup-encryption", "backup_bucket")])
@pytest.mark.parametrize("algorithm", ["AES256", "aws:kms"])
async def test_encryption_passes_with_default_sse(
    s3_server: S3Server, tmp_path: Path, probe_id: str, bucket_key: str, algorithm: str
) -> None:
    bucket = s3_server.new_bucket("enc")
    rule = {"SSEAlgorithm": algorithm} | ({"KMSMasterKeyID": "alias/linkflow"} if algorithm == "aws:kms" else {})
    s3_server.client().put_bucket_encryption(
        Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": rule}]}
    )

    result = await run(probe_id, tmp_path, s3_server.endpoint_url, **{bucket_key: bucket})

    assert result.status is Status.PASS, result.summary
    assert evidence(result, "default encryption") == algorithm


@pytest.mark.parametrize(("probe_id", "bucket_key"), [("s3.encryption", "bucket"), ("s3.backup-encryption", "backup_bucket")])
async def test_encryption_fails_without_default_sse(s3_server: S3Server, tmp_path: Path, probe_id: str, bucket_key: str) -> None:
    bucket = s3_server.new_bucket("plain")

    result = await run(probe_id, tmp_path, s3_server.endpoint_url, **{bucket_key: bucket})

    assert result.status is Status.FAIL
    assert evidence(result, "default encryption") == "none"


# --- s3.lifecycle ----------------------------------------------------------------------------


def put_lifecycle(server: S3Server, bucket: str, rule: dict) -> None:
    server.client().put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})


async def test_lifecycle_passes_with_enabled_expiration(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket("lc")
    put_lifecycle(s3_server, bucket, {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 30}})

    result = await run("s3.lifecycle", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.PASS, result.summary
    assert evidence(result, "rule expire-tmp") == "Enabled, tmp/: expire after 30 d"
    assert result.values["enabled_rules"] == 1


async def test_lifecycle_fails_without_rules(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket("nolc")

    result = await run("s3.lifecycle", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL
    assert evidence(result, "enabled rules") == "0 of 0"


async def test_lifecycle_fails_when_only_disabled_rules(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket("offlc")
    put_lifecycle(s3_server, bucket, {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 7}})

    result = await run("s3.lifecycle", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL
    assert evidence(result, "enabled rules") == "0 of 1"


async def test_lifecycle_warns_when_rules_never_expire(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket("translc")
    put_lifecycle(s3_server, bucket, {"ID": "to-ia", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
                                      "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]})

    result = await run("s3.lifecycle", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.WARN
    assert evidence(result, "rule to-ia") == "Enabled, logs/: no expiration"


# --- s3.access-logging -----------------------------------------------------------------------


async def test_access_logging_passes_with_target_bucket(s3_server: S3Server, tmp_path: Path) -> None:
    client = s3_server.client()
    bucket = s3_server.new_bucket("logged")
    target = s3_server.new_bucket("logs")
    client.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    client.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "access/"}})

    result = await run("s3.access-logging", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.PASS, result.summary
    assert evidence(result, "access log target") == f"s3://{target}/access/"


async def test_access_logging_fails_when_disabled(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket("unlogged")

    result = await run("s3.access-logging", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL
    assert evidence(result, "access log target") == "not enabled"


# --- s3.backup-age and newest_backup ---------------------------------------------------------


@pytest.fixture
def backup_bucket(s3_server: S3Server) -> str:
    bucket = s3_server.new_bucket("backups")
    client = s3_server.client()
    client.put_object(Bucket=bucket, Key=f"{BACKUP_PREFIX}linkflow-20250101.sql.gz", Body=b"dump")
    client.put_object(Bucket=bucket, Key="staging/db/linkflow-20250101.sql.gz", Body=b"other env")
    return bucket


async def test_backup_age_passes_for_fresh_backup(s3_server: S3Server, backup_bucket: str, tmp_path: Path) -> None:
    result = await run("s3.backup-age", tmp_path, s3_server.endpoint_url, backup_bucket=backup_bucket)

    assert result.status is Status.PASS, result.summary
    assert evidence(result, "newest backup") == f"{BACKUP_PREFIX}linkflow-20250101.sql.gz"
    assert 0 <= result.values["backup_age_hours"] < 1


async def test_backup_age_pages_past_the_first_1000_objects(s3_server: S3Server, tmp_path: Path) -> None:
    import time
    from concurrent.futures import ThreadPoolExecutor

    bucket = s3_server.new_bucket("manybackups")
    client = s3_server.client()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: client.put_object(Bucket=bucket, Key=f"{BACKUP_PREFIX}a-{i:04d}.sql.gz", Body=b"d"),
                      range(1000)))
    time.sleep(1.1)  # LastModified has one-second resolution: make the newest one unambiguous
    newest = f"{BACKUP_PREFIX}z-newest.sql.gz"  # sorts last: on the second page of the listing
    client.put_object(Bucket=bucket, Key=newest, Body=b"d")

    # two pages of listing from moto: a timeout sized for a loaded CI machine, not for speed
    result = await run("s3.backup-age", tmp_path, s3_server.endpoint_url, backup_bucket=bucket, timeout=30.0)

    assert result.status is Status.PASS, result.summary
    assert evidence(result, "newest backup") == newest


async def test_backup_age_fails_for_stale_backup(s3_server: S3Server, backup_bucket: str, tmp_path: Path) -> None:
    thirty_hours_later = datetime.now(UTC) + timedelta(hours=30)

    result = await run("s3.backup-age", tmp_path, s3_server.endpoint_url, backup_bucket=backup_bucket,
                       clock=lambda: thirty_hours_later)

    assert result.status is Status.FAIL
    assert 29 < result.values["backup_age_hours"] < 31
    assert "limit 26 h" in result.summary


async def test_backup_age_fails_when_prefix_is_empty(s3_server: S3Server, backup_bucket: str, tmp_path: Path) -> None:
    result = await run("s3.backup-age", tmp_path, s3_server.endpoint_url, backup_bucket=backup_bucket, backup_prefix="prod/db/")

    assert result.status is Status.FAIL
    assert evidence(result, "newest backup") == f"no object under s3://{backup_bucket}/prod/db/"


async def test_backup_age_fails_when_bucket_missing(s3_server: S3Server, tmp_path: Path) -> None:
    result = await run("s3.backup-age", tmp_path, s3_server.endpoint_url, backup_bucket="missing-backups")

    assert result.status is Status.FAIL
    assert evidence(result, "bucket") == "NoSuchBucket"


async def test_newest_backup_returns_key_and_aware_utc_time(s3_server: S3Server, backup_bucket: str, tmp_path: Path) -> None:
    ctx = make_context(tmp_path, s3_server.endpoint_url, backup_bucket=backup_bucket)

    found = await newest_backup(ctx)

    assert found is not None
    key, modified = found
    assert key == f"{BACKUP_PREFIX}linkflow-20250101.sql.gz"
    assert modified.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - modified) < timedelta(hours=1)


async def test_newest_backup_is_none_for_empty_prefix(s3_server: S3Server, backup_bucket: str, tmp_path: Path) -> None:
    ctx = make_context(tmp_path, s3_server.endpoint_url, backup_bucket=backup_bucket, backup_prefix="nothing/")

    assert await newest_backup(ctx) is None


# --- errors: could not tell ------------------------------------------------------------------


async def test_refused_endpoint_is_error(tmp_path: Path) -> None:
    port = free_port()

    result = await run("s3.encryption", tmp_path, f"http://127.0.0.1:{port}", bucket="linkflow")

    assert result.status is Status.ERROR
    assert f"cannot connect to 127.0.0.1:{port}" in result.summary


async def test_silent_endpoint_is_error(silent_port: int, tmp_path: Path) -> None:
    result = await run("s3.lifecycle", tmp_path, f"http://127.0.0.1:{silent_port}", bucket="linkflow", timeout=1.0)

    assert result.status is Status.ERROR
    assert "timeout" in result.summary.lower() or "timed out" in result.summary


async def test_unknown_access_key_is_error(s3_auth_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_S3_KEY", "AKIAUNKNOWNKEY000000")

    result = await run("s3.encryption", tmp_path, s3_auth_server.endpoint_url, bucket=s3_auth_server.bucket)

    assert result.status is Status.ERROR
    assert result.summary == "S3 rejected the probe's credentials (InvalidAccessKeyId)"


async def test_wrong_secret_is_error_and_never_shown(s3_auth_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_S3_KEY", s3_auth_server.key_id)
    monkeypatch.setenv("TEST_S3_SECRET", "definitely-the-wrong-secret")

    result = await run("s3.backup-age", tmp_path, s3_auth_server.endpoint_url, backup_bucket=s3_auth_server.bucket)

    assert result.status is Status.ERROR
    assert result.summary == "S3 rejected the probe's credentials (SignatureDoesNotMatch)"
    assert "definitely-the-wrong-secret" not in json.dumps(result.to_dict())


async def test_access_denied_to_probe_is_error_naming_permission(s3_auth_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_S3_KEY", s3_auth_server.key_id)
    monkeypatch.setenv("TEST_S3_SECRET", s3_auth_server.secret)

    result = await run("s3.encryption", tmp_path, s3_auth_server.endpoint_url, bucket=s3_auth_server.bucket)

    assert result.status is Status.ERROR
    assert "s3:GetEncryptionConfiguration" in result.summary


async def test_missing_credentials_is_error(s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no lookups beyond loopback

    result = await run("s3.encryption", tmp_path, s3_server.endpoint_url, bucket="linkflow", credentials=False)

    assert result.status is Status.ERROR
    assert result.summary.startswith("no S3 credentials")


async def test_unset_bucket_is_skipped(tmp_path: Path) -> None:
    result = await run("s3.bucket-policy", tmp_path, "http://127.0.0.1:9")

    assert result.status is Status.SKIPPED
    assert "s3.bucket" in result.summary


def test_module_import_does_not_load_boto3() -> None:
    code = "import sys, linkflow_console.probes.s3; print('boto3' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"


async def test_bucket_policy_fails_when_a_public_first_object_is_empty(s3_server: S3Server, tmp_path: Path) -> None:
    # A zero-byte "folder marker" listed first: a ranged GET of it is unsatisfiable (416) once
    # the read is authorised, which proves it public just as a 200 does.
    bucket = bucket_with_object(s3_server, "emptymarker", app_write_policy)
    s3_server.client().put_object(Bucket=bucket, Key="0-folder/", Body=b"", ACL="public-read")

    result = await run("s3.bucket-policy", tmp_path, s3_server.endpoint_url, bucket=bucket)

    assert result.status is Status.FAIL, result.summary
    assert "publicly readable" in result.summary
    assert evidence(result, "anonymous GET 0-folder/").startswith("allowed")
