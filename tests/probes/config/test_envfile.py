"""The env-file parser and Go value readers (pure: text in, values out, no file or server)."""

from __future__ import annotations

import pytest

from linkflow_console.probes.config.envfile import go_bool, go_duration_seconds, parse_env, unquote


def test_quotes_comments_export_and_malformed_lines():
    text = (
        "\ufeff# comment\n"
        "export APP_ENV=production\n"
        'DATABASE_PASSWORD="pa ss\\"word\\n"\n'
        "JWT_SECRET='$literal \\n'\n"
        "LOG_FORMAT=json   # shipped to Loki\n"
        "not a line\n"
        "9BAD=1\n"
        "EMPTY=\n"
    )
    env = parse_env(text, "production.env")
    assert env.values == {"APP_ENV": "production", "DATABASE_PASSWORD": 'pa ss"word\n', "JWT_SECRET": "$literal \\n",
                          "LOG_FORMAT": "json", "EMPTY": ""}
    assert env.malformed_lines == [6, 7]
    assert env.lines["LOG_FORMAT"] == 5


def test_lookup_follows_aliases_and_skips_empty_values():
    env = parse_env("APP_ENV=staging\nDATABASE_HOST=\nDB_HOST=db.internal\n", "x.env")
    setting = env.lookup("APP_ENVIRONMENT")
    assert (setting.name, setting.value, setting.where) == ("APP_ENV", "staging", "APP_ENV (alias of APP_ENVIRONMENT), line 1")
    assert env.lookup("DATABASE_HOST").name == "DB_HOST"
    assert env.lookup("SENTRY_DSN") is None


def test_secret_values_include_passwords_inside_urls():
    env = parse_env("REDIS_URL=redis://:r3dis-pw@redis:6379/0\nAPP_URL=https://api.example.com\nS3_SECRET_KEY=abc\n", "x.env")
    assert sorted(env.secret_values()) == ["abc", "r3dis-pw"]


@pytest.mark.parametrize(("rest", "value"), [
    ('"unterminated', "unterminated"), ("'single' # not a comment inside", "single"), ("bare#hash", "bare#hash"),
    ("bare # comment", "bare"), ('"a\\$b\\t"', "a$b\t"),
])
def test_unquote(rest: str, value: str):
    assert unquote(rest) == value


@pytest.mark.parametrize(("text", "value"), [("true", True), ("T", True), ("1", True), ("False", False), ("0", False),
                                             ("yes", None), ("TRUE ", None)])
def test_go_bool(text: str, value: bool | None):
    assert go_bool(text) is value


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900.0), ("1h30m", 5400.0), ("168h", 604800.0), ("0", 0.0),
                                               ("1.5s", 1.5), ("-2m", -120.0), ("300ms", 0.3), ("15", None),
                                               ("15 m", None), ("", None), ("1d", None)])
def test_go_duration(text: str, seconds: float | None):
    assert go_duration_seconds(text) == (pytest.approx(seconds) if seconds is not None else None)
