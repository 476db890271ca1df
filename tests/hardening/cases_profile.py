"""Malformed profiles: numbers out of bounds, names that would escape the data directory, URLs
and DSNs that do not parse, secrets in connection strings, unreadable files."""

from tests.hardening.support import CHECKLIST, DIRECTORY, STATE, Case

RUN = ["--checklist", "{d}/c.toml", "--state", "{d}/s.toml", "--profile", "{d}/p.toml", "status"]


def case(id: str, text: object, fragment: str, line: int | None = None) -> Case:
    return Case(f"profile-{id}", {"c.toml": CHECKLIST, "s.toml": STATE, "p.toml": text}, RUN, fragment, "p.toml", line)


def table(name: str, body: str, fragment: str) -> Case:
    """A profile with [table] on line 2 and the bad key on line 3."""
    return case(f"{name}", f'name = "test"\n[{body.split(".")[0]}]\n{body.split(".", 1)[1]}\n', fragment, 3)


CASES = [
    case("timeout-inf", "timeout = inf\n", "finite", 1),
    case("timeout-nan", "timeout = nan\n", "finite", 1),
    case("timeout-neg-inf", 'name = "test"\ntimeout = -inf\n', "finite", 2),
    case("timeout-huge", "timeout = 1e308\n", "between", 1),
    case("timeout-zero", "timeout = 0\n", "between", 1),
    case("timeout-negative", "timeout = -1.5\n", "between", 1),
    case("timeout-text", 'timeout = "5"\n', "must be a number", 1),
    case("timeout-bool", "timeout = true\n", "must be a number", 1),
    case("concurrency-zero", "concurrency = 0\n", "between", 1),
    case("concurrency-huge", "concurrency = 100000\n", "between", 1),
    case("concurrency-float", "concurrency = 2.5\n", "must be a number", 1),
    case("refresh-negative", "refresh_interval = -5\n", "between", 1),
    case("refresh-inf", "refresh_interval = inf\n", "finite", 1),
    case("history-retention-zero", 'name = "test"\nhistory_retention_days = 0\n', "between", 2),
    case("history-retention-huge", "history_retention_days = 100000\n", "between", 1),
    case("history-retention-float", "history_retention_days = 7.5\n", "must be a number", 1),
    table("latency-samples-zero", "api.latency_samples = 0", "between"),
    table("latency-samples-huge", "api.latency_samples = 1000000000", "between"),
    table("database-port-high", "api.database_port = 70000", "between"),
    table("internal-port-zero", "api.internal_ports = [0, 5432]", "between"),
    table("internal-port-high", "api.internal_ports = [65536]", "between"),
    table("backup-age-nan", "s3.max_backup_age_hours = nan", "finite"),
    table("backup-age-negative", "s3.max_backup_age_hours = -1.0", "between"),
    case("name-empty", 'name = ""\n', "is empty", 1),
    case("name-escapes", 'name = "x/../../../../tmp/elsewhere/pwned"\n', "cannot name a file", 1),
    case("name-dotdot", 'name = ".."\n', "cannot name a file", 1),
    case("name-parent", 'timeout = 1.0\nname = "../x"\n', "cannot name a file", 2),
    case("name-space", 'name = "prod east"\n', "cannot name a file", 1),
    case("name-too-long", f'name = "{"p" * 65}"\n', "at most 64", 1),
    case("name-escape-char", 'name = "prod\\u001b[2J"\n', "control character", 1),
    case("name-not-text", "name = 5\n", "must be a string", 1),
    table("redis-not-url", 'redis.url = "notaurl"', "not a redis://"),
    table("redis-port-zero", 'redis.url = "redis://r:0/0"', "port '0'"),
    table("redis-password-query", 'redis.url = "redis://r:6379/0?password=hunter2"', "secret"),
    table("redis-userinfo-password", 'redis.url = "redis://:hunter2@r:6379/0"', "embeds a password"),
    table("postgres-garbage", 'postgres.dsn = "garbage:::"', "neither a postgresql:// URL"),
    table("postgres-keyword-password", 'postgres.dsn = "host=db user=probe password=hunter2"', "password= parameter"),
    table("postgres-keyword-quoted-password", "postgres.dsn = \"host=db password='hunter 2'\"", "password= parameter"),
    table("postgres-query-password", 'postgres.dsn = "postgresql://probe@db/x?password=hunter2"', "secret"),
    table("postgres-sslpassword", 'postgres.dsn = "host=db sslpassword=hunter2"', "sslpassword= parameter"),
    table("postgres-bad-port", 'postgres.dsn = "postgresql://db:654321/x"', "port"),
    table("postgres-wrong-scheme", 'postgres.dsn = "mysql://db/x"', "not a postgres"),
    table("pooler-userinfo-password", 'postgres.pooler_dsn = "postgresql://probe:hunter2@pgb:6432/pgbouncer"', "embeds a password"),
    table("base-url-port-range", 'api.base_url = "https://api.example.com:99999"', "port '99999'"),
    table("base-url-ipv6-unclosed", 'api.base_url = "https://[::1:8443"', "IPv6"),
    table("base-url-ipv6-garbage", 'api.base_url = "https://[zz::1]:8443"', "IPv6"),
    table("base-url-space", 'api.base_url = "https://api example.com"', "space"),
    table("base-url-ftp", 'api.base_url = "ftp://api.example.com"', "not an http(s) URL"),
    table("base-url-no-host", 'api.base_url = "https://"', "names no host"),
    table("base-url-bare-host", 'api.base_url = "api.example.com"', "not an http(s) URL"),
    table("prometheus-token-query", 'prometheus.url = "http://prom:9090/?token=abc"', "secret"),
    table("alertmanager-userinfo", 'alertmanager.url = "http://admin:pw@am:9093"', "embeds a password"),
    table("s3-endpoint-not-url", 's3.endpoint_url = "not a url"', "space"),
    table("openapi-bad-port", 'api.openapi = "https://x:0/openapi.yaml"', "port '0'"),
    table("frontend-origin-bracket", 'api.frontend_origin = "https://app]"', "stray"),
    table("sentinel-bad-port", 'redis.sentinels = ["s1:26379", "s2:abc"]', "port 'abc'"),
    table("sentinel-no-port", 'redis.sentinels = ["s1"]', "no :port"),
    table("literal-password", 'redis.password = "hunter2"', "literal secret"),
    table("secret-bad-reference", 's3.secret_access_key = { file = "x" }', "secret reference"),
    case("unknown-key", 'name = "test"\ntimeout = 1.0\ncolour = "red"\n', "unknown key 'colour'", 3),
    case("binary", b"\x00\x00\x7fELF\x02\x01", "binary file"),
    case("not-utf8", b'name = "\xc3\x28"\n', "not UTF-8"),
    case("deep", "x = " + "[" * 3000 + "]" * 3000 + "\n", "levels deep"),
    case("syntax-error", 'name = "test"\n[api\n', "not valid TOML", 2),
    case("is-a-directory", DIRECTORY, "is a directory"),
]
CASES.append(Case("profile-missing", {"c.toml": CHECKLIST, "s.toml": STATE}, RUN, "not found", "p.toml"))
CASES.append(Case("profile-device-too-large", {"c.toml": CHECKLIST, "s.toml": STATE},
                  [*RUN[:4], "--profile", "/dev/zero", "status"], "too large", "/dev/zero"))
