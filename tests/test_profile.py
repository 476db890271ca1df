"""The profile contract: known keys only, secrets as references, clear errors with file:line."""

import pytest

from linkflow_console.errors import ProfileError
from linkflow_console.probes.base import Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import SecretRef, load_profile, parse_profile


def parse(tmp_path, text):
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return load_profile(path)


def test_defaults_and_derived_values(tmp_path):
    profile = parse(tmp_path, 'name = "prod"\n[api]\nbase_url = "https://api.example.com:8443/"\nca_file = "ca.pem"\n')
    assert profile.name == "prod" and profile.timeout == 5.0
    assert profile.get("api.base_url") == "https://api.example.com:8443"
    assert profile.get("api.http_url") == "http://api.example.com"  # port 80, never the TLS port
    assert profile.get("api.metrics_url") == "https://api.example.com:8443/metrics"
    assert profile.get("api.health_path") == "/api/v1/health"
    assert profile.get("api.ca_file") == str(tmp_path / "ca.pem")  # relative to the profile
    assert profile.get("redis.queues") == ["critical", "default", "low"]


def test_unknown_key_names_file_line_and_suggests(tmp_path):
    with pytest.raises(ProfileError) as caught:
        parse(tmp_path, '[api]\nbase_url = "https://x"\n\n[redis]\nurl = "redis://r"\nqueue = ["a"]\n')
    assert caught.value.line == 6 and "unknown key 'redis.queue'" in caught.value.message


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('[postgres]\ndsn = "postgresql://db/x"\npassword = "hunter2"\n', 3, "literal secret"),
        ('[postgres]\ndsn = "postgresql://probe:hunter2@db/x"\n', 2, "embeds a password"),
        ('[redis]\nurl = "redis://:hunter2@redis:6379/0"\n', 2, "embeds a password"),
        ('[s3]\nsecret_access_key = { file = "x" }\n', 2, "must be a secret reference"),
        ('timeout = "5"\n', 1, "must be a number"),
        ('[api]\nbase_url = "api.example.com"\n', 2, "not an http(s) URL"),
    ],
)
def test_bad_values_are_refused_without_echoing_secrets(tmp_path, text, line, fragment):
    with pytest.raises(ProfileError) as caught:
        parse(tmp_path, text)
    assert caught.value.line == line and fragment in caught.value.message
    assert "hunter2" not in str(caught.value)


def test_secret_references_parse(tmp_path):
    profile = parse(tmp_path, '[redis]\nurl = "redis://r"\npassword = { keyring = "linkflow/prod/redis" }\n[postgres]\npassword = { env = "PG_PW" }\n')
    assert profile.get("redis.password") == SecretRef(keyring="linkflow/prod/redis")
    assert profile.get("postgres.password") == SecretRef(env="PG_PW")


async def test_unresolvable_secret_is_error_not_fail(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    profile = parse_profile('[redis]\nurl = "redis://127.0.0.1:1"\npassword = { env = "NOT_SET_ANYWHERE" }\n', tmp_path / "p.toml")
    result = await run_probe("redis.auth", ProbeContext(profile))
    assert result.status is Status.ERROR
    assert "NOT_SET_ANYWHERE" in result.summary or "cannot connect" in result.summary


@pytest.fixture
def headless_keyring():
    """The backend a headless Linux box ends up with (keyring's own 'fail' backend)."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


async def test_keyring_without_backend_is_a_clear_error(tmp_path, headless_keyring):
    ctx = ProbeContext(parse_profile('[redis]\npassword = { keyring = "linkflow/prod/redis" }\n', tmp_path / "p.toml"))
    from linkflow_console.probes.base import ProbeError

    with pytest.raises(ProbeError, match="no usable keyring backend"):
        await ctx.secret("redis.password")


async def test_skipped_names_the_missing_key(tmp_path):
    result = await run_probe("postgres.pitr", ProbeContext(parse_profile("", tmp_path / "p.toml")))
    assert result.status is Status.SKIPPED and "postgres.dsn" in result.summary
