"""Object storage probes (S3 / MinIO): bucket policy, encryption, lifecycle, logging, backups.

boto3 is blocking and slow to import, so it is imported inside functions, every call runs in
a worker thread, and one client per sweep is shared by the probes (building one loads the
whole S3 service model).
"""

from __future__ import annotations

import asyncio
import functools
import json
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, ProbeFunc, Status, outcome, probe

if TYPE_CHECKING:
    from linkflow_console.probes.context import ProbeContext

# The IAM permission each call needs, so an AccessDenied says what to grant the probe.
PERMISSIONS = {
    "get_bucket_policy": "s3:GetBucketPolicy",
    "get_public_access_block": "s3:GetBucketPublicAccessBlock",
    "get_bucket_encryption": "s3:GetEncryptionConfiguration",
    "get_bucket_lifecycle_configuration": "s3:GetLifecycleConfiguration",
    "get_bucket_logging": "s3:GetBucketLogging",
    "list_objects_v2": "s3:ListBucket",
}
CREDENTIAL_ERRORS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired"}
DENIED_ERRORS = {"AccessDenied", "AllAccessDisabled", "403", "Forbidden"}
SSE_ALGORITHMS = {"AES256", "aws:kms", "aws:kms:dsse"}
PUBLIC_ACCESS_BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

_clients: weakref.WeakKeyDictionary[ProbeContext, dict[bool, asyncio.Future[Any]]] = weakref.WeakKeyDictionary()


class BucketMissing(ProbeError):
    """The profile names a bucket that does not exist: the S3 probes report it as `fail`."""

    def __init__(self, bucket: str) -> None:
        super().__init__(f"bucket {bucket} does not exist")
        self.bucket = bucket


def _endpoint(ctx: ProbeContext) -> str:
    return ctx.setting("s3.endpoint_url") or f"https://s3.{ctx.setting('s3.region')}.amazonaws.com"


async def _client(ctx: ProbeContext, *, unsigned: bool = False) -> Any:
    """The sweep's boto3 S3 client (anonymous when `unsigned`), built once per context."""
    await ctx.ensure_reachable(_endpoint(ctx))
    per_context = _clients.setdefault(ctx, {})
    if unsigned not in per_context:
        per_context[unsigned] = asyncio.ensure_future(_build_client(ctx, unsigned))
    return await asyncio.shield(per_context[unsigned])


async def _build_client(ctx: ProbeContext, unsigned: bool) -> Any:
    access_key = secret_key = None
    if not unsigned:
        access_key = await ctx.secret("s3.access_key_id")
        secret_key = await ctx.secret("s3.secret_access_key")
        if (access_key is None) != (secret_key is None):
            raise ProbeError("set both s3.access_key_id and s3.secret_access_key, or neither (AWS default chain)")

    def build() -> Any:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        limit = ctx.timeout * 0.8
        config = Config(
            connect_timeout=limit,
            read_timeout=limit,
            # One attempt: "max_attempts" counts retries only, so it would still send the request twice.
            retries={"total_max_attempts": 1},
            signature_version=UNSIGNED if unsigned else None,
        )
        session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key)
        if not unsigned and access_key is None:
            # Default-chain credentials are secrets too: keep them out of every result.
            found = session.get_credentials()
            if found is not None:
                ctx.hide(found.access_key)
                ctx.hide(found.secret_key)
                ctx.hide(found.token)
        return session.client(
            "s3", endpoint_url=ctx.setting("s3.endpoint_url"), region_name=ctx.setting("s3.region"), config=config
        )

    return await asyncio.to_thread(build)


def _error_code(exc: Exception) -> tuple[str, int]:
    response = getattr(exc, "response", {}) or {}
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return str(response.get("Error", {}).get("Code") or status), status


def _transport_error(exc: Exception, ctx: ProbeContext) -> ProbeError | None:
    """A ProbeError for failures below the S3 API (network, TLS, missing credentials), else None."""
    from botocore.exceptions import BotoCoreError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return ProbeError("no S3 credentials: set s3.access_key_id and s3.secret_access_key or configure the AWS default chain")
    if isinstance(exc, BotoCoreError):
        return ProbeError(f"S3 endpoint {_endpoint(ctx)}: {exc}")
    return None


async def _call(ctx: ProbeContext, operation: str, bucket: str, absent: tuple[str, ...] = (), **params: Any) -> dict[str, Any] | None:
    """One S3 API call on `bucket` with the probe's credentials.

    Returns None when the answer is one of the `absent` error codes (e.g. no policy set);
    raises BucketMissing for NoSuchBucket and ProbeError when the probe cannot read."""
    from botocore.exceptions import ClientError

    client = await _client(ctx)
    try:
        return await asyncio.to_thread(getattr(client, operation), Bucket=bucket, **params)
    except ClientError as exc:
        code, status = _error_code(exc)
        if code in absent:
            return None
        if code == "NoSuchBucket":
            raise BucketMissing(bucket) from None
        if code in CREDENTIAL_ERRORS:
            raise ProbeError(f"S3 rejected the probe's credentials ({code})") from None
        if code in DENIED_ERRORS:
            raise ProbeError(f"access denied: the probe's credentials need {PERMISSIONS[operation]} on {bucket}") from None
        if code == "NotImplemented":  # e.g. MinIO has no bucket-logging API
            raise ProbeError(f"{_endpoint(ctx)} does not implement {operation}: cannot tell") from None
        message = exc.response.get("Error", {}).get("Message", "")
        raise ProbeError(f"{operation} on {bucket} failed: {code} (HTTP {status}) {message}".rstrip()) from None
    except Exception as exc:
        raise (_transport_error(exc, ctx) or exc) from None


def _bucket_probe(probe_id: str) -> Callable[[ProbeFunc], ProbeFunc]:
    """Register a probe; a bucket that does not exist is the target being wrong, so `fail`."""

    def register(func: ProbeFunc) -> ProbeFunc:
        @functools.wraps(func)
        async def run(ctx: ProbeContext) -> Outcome:
            try:
                return await func(ctx)
            except BucketMissing as missing:
                return outcome(
                    Status.FAIL,
                    f"bucket {missing.bucket} does not exist",
                    [Evidence("bucket", "exists", "NoSuchBucket", False)],
                    raw={"bucket": missing.bucket, "error_code": "NoSuchBucket"},
                )

        return probe(probe_id)(run)

    return register


async def newest_backup(ctx: ProbeContext) -> tuple[str, datetime] | None:
    """Newest object under s3.backup_bucket / s3.backup_prefix as (key, LastModified in UTC).

    None when there is none; raises ProbeError (BucketMissing when the bucket does not exist)
    when S3 cannot be read, with the reason."""
    bucket = ctx.setting("s3.backup_bucket")
    prefix = ctx.setting("s3.backup_prefix") or ""
    newest: tuple[str, datetime] | None = None
    params: dict[str, Any] = {"Prefix": prefix}
    while True:
        page = await _call(ctx, "list_objects_v2", bucket, **params) or {}
        for item in page.get("Contents", []):
            modified = item["LastModified"].astimezone(UTC)
            if newest is None or modified > newest[1]:
                newest = (item["Key"], modified)
        if not page.get("IsTruncated"):
            return newest
        params["ContinuationToken"] = page["NextContinuationToken"]


# --- bucket policy ------------------------------------------------------------------------


def _is_public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


def public_statements(policy: dict[str, Any]) -> list[str]:
    """Statements that allow anyone, with no Condition narrowing them, named by Sid or position."""
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    found = []
    for index, statement in enumerate(statements):
        if statement.get("Effect") == "Allow" and _is_public_principal(statement.get("Principal")) and not statement.get("Condition"):
            actions = statement.get("Action", "")
            name = statement.get("Sid") or f"#{index + 1}"
            found.append(f"{name} ({', '.join(actions) if isinstance(actions, list) else actions})")
    return found


async def _anonymous_read(ctx: ProbeContext, bucket: str, key: str | None) -> tuple[bool, str]:
    """Try an unsigned GET of `key` (or a listing when the bucket is empty): (allowed, what happened)."""
    from botocore.exceptions import ClientError

    client = await _client(ctx, unsigned=True)
    if key is None:
        request = functools.partial(client.list_objects_v2, Bucket=bucket, MaxKeys=1)
    else:
        request = functools.partial(client.get_object, Bucket=bucket, Key=key, Range="bytes=0-0")
    try:
        response = await asyncio.to_thread(request)
    except ClientError as exc:
        code, status = _error_code(exc)
        if code in DENIED_ERRORS or status == 403:
            return False, f"refused: {code} (HTTP {status})"
        if code == "InvalidRange" or status == 416:
            # S3 authorises before it checks the range: an empty object (a "folder" marker) is
            # unsatisfiable for bytes=0-0 only once anonymous reads are allowed.
            return True, f"allowed: {code} (HTTP {status}, the object is empty)"
        raise ProbeError(f"anonymous request answered {code} (HTTP {status}): could not tell whether it is public") from None
    except Exception as exc:
        raise (_transport_error(exc, ctx) or exc) from None
    if "Body" in response:
        response["Body"].close()
    return True, f"allowed: HTTP {response['ResponseMetadata']['HTTPStatusCode']}"


def _public_access_block_evidence(config: dict[str, Any] | None) -> Evidence:
    expected = "all four flags true"
    if config is None:
        return Evidence("public access block", expected, "not configured", False)
    flags = config.get("PublicAccessBlockConfiguration", {})
    actual = ", ".join(f"{flag}={str(bool(flags.get(flag))).lower()}" for flag in PUBLIC_ACCESS_BLOCK_FLAGS)
    return Evidence("public access block", expected, actual, all(flags.get(flag) for flag in PUBLIC_ACCESS_BLOCK_FLAGS))


@_bucket_probe("s3.bucket-policy")
async def bucket_policy(ctx: ProbeContext) -> Outcome:
    bucket = ctx.setting("s3.bucket")
    policy_response = await _call(ctx, "get_bucket_policy", bucket, absent=("NoSuchBucketPolicy",))
    policy_text = (policy_response or {}).get("Policy", "")
    public = public_statements(json.loads(policy_text)) if policy_text else []
    listing = await _call(ctx, "list_objects_v2", bucket, MaxKeys=1) or {}
    sample_key = next((item["Key"] for item in listing.get("Contents", [])), None)
    allowed, anonymous = await _anonymous_read(ctx, bucket, sample_key)
    block = await _call(ctx, "get_public_access_block", bucket, absent=("NoSuchPublicAccessBlockConfiguration", "NotImplemented"))

    tried = f"anonymous GET {sample_key}" if sample_key else "anonymous ListObjects (bucket is empty)"
    block_evidence = _public_access_block_evidence(block)
    evidence = [
        Evidence("bucket policy", "present", "present" if policy_text else "none (NoSuchBucketPolicy)", bool(policy_text)),
        Evidence("statements allowing Principal * without a Condition", "none", "; ".join(public) or "none", not public),
        Evidence(tried, "refused (403)", anonymous, not allowed),
        block_evidence,
    ]
    raw = {"bucket": bucket, "policy": policy_text or "(none)", "anonymous_request": f"{tried}: {anonymous}",
           "public_access_block": json.dumps((block or {}).get("PublicAccessBlockConfiguration")) if block else "(none)"}

    if allowed:
        return outcome(Status.FAIL, f"{bucket} is publicly readable: {tried} {anonymous}", evidence, raw)
    if public:
        return outcome(Status.FAIL, f"{bucket} policy allows anyone without a condition: {'; '.join(public)}", evidence, raw)
    if not policy_text:
        return outcome(Status.FAIL, f"{bucket} has no bucket policy", evidence, raw)
    if not block_evidence.ok:
        return outcome(Status.WARN, f"{bucket} policy set and anonymous read refused, but public access block is {block_evidence.actual}", evidence, raw)
    return outcome(Status.PASS, f"{bucket} policy set, anonymous read refused, public access fully blocked", evidence, raw)


# --- encryption ----------------------------------------------------------------------------


async def _encryption_outcome(ctx: ProbeContext, bucket_key: str) -> Outcome:
    bucket = ctx.setting(bucket_key)
    response = await _call(ctx, "get_bucket_encryption", bucket, absent=("ServerSideEncryptionConfigurationNotFoundError",))
    rules = (response or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    defaults = [rule.get("ApplyServerSideEncryptionByDefault", {}) for rule in rules]
    algorithms = [d.get("SSEAlgorithm", "") for d in defaults if d.get("SSEAlgorithm")]
    encrypted = any(algorithm in SSE_ALGORITHMS for algorithm in algorithms)
    evidence = [Evidence("default encryption", "AES256 or aws:kms", ", ".join(algorithms) or "none", encrypted)]
    kms_keys = [d["KMSMasterKeyID"] for d in defaults if d.get("KMSMasterKeyID")]
    if kms_keys:
        evidence.append(Evidence("KMS key", "", ", ".join(kms_keys)))
    raw = {"bucket": bucket, "encryption_rules": json.dumps(rules) if rules else "(none)"}
    if encrypted:
        return outcome(Status.PASS, f"{bucket} encrypted at rest ({', '.join(algorithms)})", evidence, raw)
    return outcome(Status.FAIL, f"{bucket} has no default encryption", evidence, raw)


@_bucket_probe("s3.encryption")
async def encryption(ctx: ProbeContext) -> Outcome:
    return await _encryption_outcome(ctx, "s3.bucket")


@_bucket_probe("s3.backup-encryption")
async def backup_encryption(ctx: ProbeContext) -> Outcome:
    return await _encryption_outcome(ctx, "s3.backup_bucket")


# --- lifecycle and logging -----------------------------------------------------------------


def _rule_prefix(rule: dict[str, Any]) -> str:
    rule_filter = rule.get("Filter", {})
    prefix = rule_filter.get("Prefix", rule_filter.get("And", {}).get("Prefix", rule.get("Prefix", "")))
    return prefix or "(whole bucket)"


def _rule_cleanup(rule: dict[str, Any]) -> list[str]:
    """What the rule deletes: the point of a lifecycle policy 'for cleanup'."""
    found = []
    if "Days" in rule.get("Expiration", {}):
        found.append(f"expire after {rule['Expiration']['Days']} d")
    elif "Date" in rule.get("Expiration", {}):
        found.append(f"expire on {rule['Expiration']['Date']}")
    if "NoncurrentDays" in rule.get("NoncurrentVersionExpiration", {}):
        found.append(f"old versions after {rule['NoncurrentVersionExpiration']['NoncurrentDays']} d")
    if "DaysAfterInitiation" in rule.get("AbortIncompleteMultipartUpload", {}):
        found.append(f"abort uploads after {rule['AbortIncompleteMultipartUpload']['DaysAfterInitiation']} d")
    return found


@_bucket_probe("s3.lifecycle")
async def lifecycle(ctx: ProbeContext) -> Outcome:
    bucket = ctx.setting("s3.bucket")
    response = await _call(ctx, "get_bucket_lifecycle_configuration", bucket, absent=("NoSuchLifecycleConfiguration",))
    rules = (response or {}).get("Rules", [])
    enabled = [rule for rule in rules if rule.get("Status") == "Enabled"]
    evidence = [Evidence("enabled rules", ">= 1", f"{len(enabled)} of {len(rules)}", bool(enabled))]
    for rule in rules:
        actions = _rule_cleanup(rule) or ["no expiration"]
        evidence.append(Evidence(f"rule {rule.get('ID', '(no id)')}", "", f"{rule.get('Status')}, {_rule_prefix(rule)}: {', '.join(actions)}"))
    raw = {"bucket": bucket, "lifecycle_rules": json.dumps(rules, default=str) if rules else "(none)"}
    values = {"enabled_rules": float(len(enabled))}
    if not enabled:
        return outcome(Status.FAIL, f"{bucket} has no enabled lifecycle rule", evidence, raw, values)
    if not any(_rule_cleanup(rule) for rule in enabled):
        return outcome(Status.WARN, f"{bucket} lifecycle rules only transition objects; none expires anything", evidence, raw, values)
    return outcome(Status.PASS, f"{bucket} has {len(enabled)} enabled lifecycle rule(s)", evidence, raw, values)


@_bucket_probe("s3.access-logging")
async def access_logging(ctx: ProbeContext) -> Outcome:
    bucket = ctx.setting("s3.bucket")
    logging = (await _call(ctx, "get_bucket_logging", bucket) or {}).get("LoggingEnabled") or {}
    target = logging.get("TargetBucket")
    destination = f"s3://{target}/{logging.get('TargetPrefix', '')}" if target else "not enabled"
    evidence = [Evidence("access log target", "a target bucket", destination, bool(target))]
    raw = {"bucket": bucket, "logging": json.dumps(logging) if logging else "(none)"}
    if not target:
        return outcome(Status.FAIL, f"{bucket} has no access logging", evidence, raw)
    if target == bucket:
        # Logs written into the logged bucket generate more log entries, forever.
        evidence.append(Evidence("target is another bucket", bucket, target, False))
        return outcome(Status.WARN, f"{bucket} logs access into itself", evidence, raw)
    return outcome(Status.PASS, f"{bucket} access logs go to {destination}", evidence, raw)


# --- backups -------------------------------------------------------------------------------


@_bucket_probe("s3.backup-age")
async def backup_age(ctx: ProbeContext) -> Outcome:
    bucket = ctx.setting("s3.backup_bucket")
    prefix = ctx.setting("s3.backup_prefix") or ""
    limit_hours = float(ctx.setting("s3.max_backup_age_hours"))
    location = f"s3://{bucket}/{prefix}"
    found = await newest_backup(ctx)
    if found is None:
        evidence = [Evidence("newest backup", f"younger than {limit_hours:g} h", f"no object under {location}", False)]
        return outcome(Status.FAIL, f"no backup under {location}", evidence, {"location": location})
    key, modified = found
    age_hours = (ctx.clock() - modified).total_seconds() / 3600
    fresh = age_hours < limit_hours
    evidence = [
        Evidence("newest backup", "", key),
        Evidence("age", f"< {limit_hours:g} h", f"{age_hours:.1f} h (written {modified.isoformat(timespec='seconds')})", fresh),
    ]
    raw = {"location": location, "key": key, "last_modified": modified.isoformat()}
    values = {"backup_age_hours": round(age_hours, 3)}
    if fresh:
        return outcome(Status.PASS, f"newest backup {key} is {age_hours:.1f} h old", evidence, raw, values)
    return outcome(Status.FAIL, f"newest backup {key} is {age_hours:.1f} h old (limit {limit_hours:g} h)", evidence, raw, values)
