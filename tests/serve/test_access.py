"""`serve`'s access rules over real HTTP and WebSocket connections to a real server process."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.conftest import run_cli
from tests.serve.harness import OPERATOR_TOKEN, VIEWER_TOKEN, Served, serve_env, serving

pytestmark = pytest.mark.servers


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "war-room.state.toml"
    assert run_cli("--state", str(path), "note", "security.auth.jwt-secret", "seeded").returncode == 0
    return path


def login(served: Served, token: str, **query: str) -> httpx.Client:
    client = httpx.Client(base_url=served.url, follow_redirects=False)
    response = client.get("/", params={"token": token, **query})
    assert response.status_code == 303, response.text
    return client


def wait_for_consoles(served: Served, count: int, timeout: float = 20.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = served.consoles()
        if len(found) == count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{len(served.consoles())} console processes, wanted {count}")


def test_a_token_is_exchanged_for_an_httponly_cookie_and_leaves_the_url(state: Path):
    with serving(state) as served:
        client = httpx.Client(base_url=served.url)
        response = client.get("/", params={"token": VIEWER_TOKEN, "fontsize": "18"})
        assert response.status_code == 303
        assert response.headers["location"] == "/?fontsize=18"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and VIEWER_TOKEN not in cookie
        page = client.get("/?fontsize=18")
        assert page.status_code == 200 and 'data-font-size="18"' in page.text
        assert "read-only viewer" in page.text and VIEWER_TOKEN not in page.text
        assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
        posted = httpx.post(f"{served.url}login", data={"token": OPERATOR_TOKEN})
        assert posted.status_code == 303
        assert "operator alice" in httpx.get(served.url, cookies=posted.cookies).text
    log = served.output()
    assert "GET / 303" in log  # the requests were logged, without their query strings
    assert VIEWER_TOKEN not in log and OPERATOR_TOKEN not in log


def test_wrong_tokens_are_rate_limited_and_start_nothing(state: Path):
    with serving(state) as served:
        for attempt in range(5):
            response = httpx.get(served.url, params={"token": f"guess-number-{attempt:04d}-abcdef"})
            assert response.status_code == 401 and "access token" in response.text
        limited = httpx.get(served.url, params={"token": VIEWER_TOKEN})  # even the right one, for now
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        assert httpx.get(served.url).status_code == 401
        assert httpx.get(f"{served.url}static/js/textual.js").status_code == 401
        assert served.consoles() == []
        assert "wrong access token" in served.output()


async def test_a_websocket_needs_a_session_from_the_same_origin(state: Path):
    with serving(state) as served:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(f"{served.url}ws")
            assert refused.value.status == 401
        cookies = login(served, VIEWER_TOKEN).cookies
        async with aiohttp.ClientSession(cookies=dict(cookies)) as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
                await session.ws_connect(f"{served.url}ws", origin="http://elsewhere.example")
            assert foreign.value.status == 403
        assert served.consoles() == []


async def test_sessions_are_capped_and_consoles_hold_no_token(state: Path):
    with serving(state, "--max-sessions", "2") as served:
        viewer = dict(login(served, VIEWER_TOKEN).cookies)
        operator = dict(login(served, OPERATOR_TOKEN).cookies)
        async with aiohttp.ClientSession(cookies=viewer) as as_viewer, aiohttp.ClientSession(cookies=operator) as as_operator:
            first = await as_viewer.ws_connect(f"{served.url}ws?width=100000&height=30")  # bounded to 400
            second = await as_operator.ws_connect(f"{served.url}ws?width=100&height=30")
            consoles = wait_for_consoles(served, 2)
            with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                await as_viewer.ws_connect(f"{served.url}ws")
            assert full.value.status == 503
            page = httpx.get(served.url, cookies=viewer)
            assert page.status_code == 503 and "All 2 console sessions" in page.text

            roles, widths = {}, set()
            for pid in consoles:
                environ = Path(f"/proc/{pid}/environ").read_bytes()
                argv = Path(f"/proc/{pid}/cmdline").read_bytes()
                for token in (VIEWER_TOKEN, OPERATOR_TOKEN):
                    assert token.encode() not in environ + argv
                widths |= {v for v in environ.split(b"\0") if v.startswith(b"COLUMNS=")}
                role = b"LINKFLOW_SERVE_ROLE=operator" in environ.split(b"\0")
                roles[role] = b"LINKFLOW_SERVE_OPERATOR=alice" in environ.split(b"\0")
            assert roles == {True: True, False: False}
            assert widths == {b"COLUMNS=400", b"COLUMNS=100"}

            await first.close()
            wait_for_consoles(served, 1)
            third = await as_viewer.ws_connect(f"{served.url}ws")  # a freed place is taken again
            wait_for_consoles(served, 2)
            await third.close()
            await second.close()
        wait_for_consoles(served, 0)


def run_serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "linkflow_console", "serve", *args], capture_output=True,
                          text=True, env=env or serve_env(), timeout=60)


def test_a_non_loopback_address_needs_tls_or_an_explicit_choice(state: Path):
    result = run_serve("--state", str(state), "--host", "192.0.2.10")  # TEST-NET: never bound
    assert result.returncode == 2
    assert "--cert FILE --key FILE" in result.stderr and "--insecure-http" in result.stderr
    result = run_serve("--state", str(state), "--cert", str(state))
    assert result.returncode == 2 and "both --cert and --key" in result.stderr
    result = run_serve("--state", str(state), "--port", "70000")
    assert result.returncode == 2 and "not a TCP port" in result.stderr
    result = run_serve("--state", str(state), "--operator", "mallory")
    assert result.returncode == 2 and "token names who records" in result.stderr


def test_https_with_cert_and_key_sets_a_secure_cookie(state: Path, tmp_path: Path):
    import trustme

    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    cert, key, ca = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    trusted = ssl.create_default_context(cafile=str(ca))
    with serving(state, "--cert", str(cert), "--key", str(key), scheme="https") as served:
        response = httpx.get(served.url, params={"token": VIEWER_TOKEN}, verify=trusted)
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]
        page = httpx.get(served.url, cookies=response.cookies, verify=trusted)
        assert "wss://127.0.0.1" in page.text
        with pytest.raises(httpx.HTTPError):
            httpx.get(served.url.replace("https", "http"), timeout=5)


def test_a_tokens_file_maps_operators_and_must_be_private(state: Path, tmp_path: Path):
    tokens = tmp_path / "tokens.toml"
    tokens.write_text('viewer = "file-viewer-token-0123456789"\n[operators]\n"bob smith" = "file-bob-token-0123456789"\n')
    env = {k: v for k, v in serve_env().items() if not k.startswith("LINKFLOW_SERVE_")}
    os.chmod(tokens, 0o644)
    result = run_serve("--state", str(state), "--tokens", str(tokens), env=env)
    assert result.returncode == 2 and "chmod 600" in result.stderr
    os.chmod(tokens, 0o600)
    with serving(state, "--tokens", str(tokens), env=env) as served:
        cookies = login(served, "file-bob-token-0123456789").cookies
        assert "operator bob smith" in httpx.get(served.url, cookies=cookies).text
        assert httpx.get(served.url, params={"token": VIEWER_TOKEN}).status_code == 401
    printed = served.output()
    assert "operators: bob smith" in printed and "file-" not in printed


def test_a_generated_viewer_token_goes_to_a_private_file_when_stdout_is_a_log(state: Path):
    env = {k: v for k, v in serve_env().items() if not k.startswith("LINKFLOW_SERVE_")}
    with serving(state, env=env) as served:
        printed = served.output()
        where = Path(printed.split("written to ", 1)[1].split()[0])
        assert where.stat().st_mode & 0o777 == 0o600
        link = where.read_text().strip()
        assert "?token=" in link and link.split("?token=")[1] not in printed
        assert httpx.get(link).status_code == 303
        assert "every browser is read-only" in printed


def test_a_session_survives_a_restart_but_not_a_changed_token(state: Path):
    with serving(state) as served:
        cookies = dict(login(served, VIEWER_TOKEN).cookies)
    with serving(state) as restarted:
        assert httpx.get(restarted.url, cookies=cookies).status_code == 200  # the kiosk reconnects
        issued, _, signature = cookies["linkflow_console_session"].partition(".")
        forged = {"linkflow_console_session": f"{int(issued) + 1}.{signature}"}
        assert httpx.get(restarted.url, cookies=forged).status_code == 401
    with serving(state, env=serve_env(LINKFLOW_SERVE_VIEWER_TOKEN="a-new-viewer-token-0123456789")) as rotated:
        assert httpx.get(rotated.url, cookies=cookies).status_code == 401


def test_sessions_expire_and_failures_are_forgotten_after_their_window():
    from linkflow_console.serve.access import SESSION_SECONDS, FailureLimiter, Sessions, load_tokens

    now = [1_000_000.0]
    tokens = load_tokens(None, {"LINKFLOW_SERVE_VIEWER_TOKEN": VIEWER_TOKEN,
                                "LINKFLOW_SERVE_OPERATOR_TOKENS": f"alice={OPERATOR_TOKEN}"})
    sessions = Sessions(tokens, clock=lambda: now[0])
    cookie = sessions.open(OPERATOR_TOKEN)
    assert sessions.grant(cookie).operator == "alice"
    now[0] += SESSION_SECONDS
    assert sessions.grant(cookie) is None

    limiter = FailureLimiter(limit=2, window=60, clock=lambda: now[0])
    limiter.failed("client-a")
    limiter.failed("client-a")
    assert limiter.blocked_for("client-a") == 60 and limiter.blocked_for("client-b") == 0
    now[0] += 60
    assert limiter.blocked_for("client-a") == 0


def test_the_server_side_imports_no_textual():
    """serve/ sits beside the core: textual-serve's server, never Textual (only the consoles it starts)."""
    code = (
        "import sys\n"
        "import linkflow_console.serve.command, linkflow_console.serve.server\n"
        "loaded = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_generated_viewer_token_is_printed_on_a_terminal(state: Path):
    import pty
    import select
    import signal

    from tests.servers import free_port

    port = free_port()
    pid, fd = pty.fork()
    if pid == 0:  # the child: `serve` on a terminal, no token configured
        for name in [n for n in os.environ if n.startswith("LINKFLOW_SERVE_")]:
            del os.environ[name]
        os.execv(sys.executable, [sys.executable, "-m", "linkflow_console", "serve", "--state", str(state), "--port", str(port)])
    seen = b""
    try:
        deadline = time.monotonic() + 30
        while not re.search(rb"\?token=\S+\r?\n", seen) and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                seen += os.read(fd, 4096)
        link = next(line.strip() for line in seen.decode().splitlines() if "?token=" in line)
        for _ in range(100):  # listening right after printing
            try:
                assert httpx.get(link).status_code == 303
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        else:
            raise AssertionError("serve never answered")
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.0.2.10", False), ("no-such-host.invalid", False),
])
def test_only_addresses_that_all_resolve_to_loopback_count_as_local(host: str, loopback: bool):
    from linkflow_console.serve.command import is_loopback

    assert is_loopback(host) is loopback
