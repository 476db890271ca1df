"""Small configurable HTTP(S) servers on 127.0.0.1, plus ports that refuse, stay silent or drop SYNs.

A server runs an `App`: a function from the request to a `Reply` (status, headers, body), so a test
states exactly the behaviour under test (chosen headers, redirects, CORS answers). With a TLS
context from tests/servers/tls.py it serves HTTPS (trustme certificate, verification stays on).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from linkflow_console.probes.base import Evidence, ProbeResult
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile



async def run_with_api(probe_id: str, tmp_path: Path, timeout: float = 2.0, **api: object) -> ProbeResult:
    """Run a probe through the real profile contract: [api] keys given as keyword arguments (None = unset)."""
    lines = [f"{key} = {json.dumps(str(value) if isinstance(value, Path) else value)}"
             for key, value in api.items() if value is not None]
    text = "\n".join([f"timeout = {timeout}", "[api]", *lines]) + "\n"
    return await run_probe(probe_id, ProbeContext(parse_profile(text, tmp_path / "profile.toml")))


def evidence(result: ProbeResult, label: str) -> Evidence:
    return next(e for e in result.evidence if e.label == label)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b'{"status":"ok"}'


App = Callable[[Request], Reply]


def static(status: int = 200, headers: dict[str, str] | None = None) -> App:
    """Every request gets the same answer."""
    reply = Reply(status, list((headers or {}).items()))
    return lambda request: reply


def redirect(status: int, location: Callable[[str], str]) -> App:
    """Answer every request with a redirect whose Location is computed from the request path."""
    return lambda request: Reply(status, [("Location", location(request.path))], b"")


def cors(policy: str, allowed: tuple[str, ...] = ()) -> App:
    """CORS behaviours: 'none', 'wildcard', 'reflect', 'reflect-credentials', 'allowlist' (exact
    match, with credentials, like LinkFlow) and 'prefix' (the classic startswith() bug)."""
    matches = {
        "reflect": lambda origin: True,
        "reflect-credentials": lambda origin: True,
        "allowlist": lambda origin: origin in allowed,
        "prefix": lambda origin: origin.startswith(allowed),
    }

    def answer(request: Request) -> Reply:
        origin = request.headers.get("origin")
        headers: list[tuple[str, str]] = []
        if policy == "wildcard":
            headers.append(("Access-Control-Allow-Origin", "*"))
        elif origin and policy in matches and matches[policy](origin):
            headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            if policy != "reflect":
                headers.append(("Access-Control-Allow-Credentials", "true"))
        if request.method == "OPTIONS" and len(headers) > 0:
            headers.append(("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE"))
            headers.append(("Access-Control-Allow-Headers", "Authorization, Content-Type"))
            return Reply(204, headers, b"")
        return Reply(200, headers)

    return answer


class _Handler(BaseHTTPRequestHandler):
    server: _AppServer

    def _dispatch(self) -> None:
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        reply = self.server.app(request)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # probes connect concurrently: a backlog of 5 drops SYNs (1 s retransmits)

    def __init__(self, app: App, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.tls = tls

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        # The TLS handshake runs in the per-connection thread, so a client that stalls or
        # aborts a handshake (the TLS probe does) never blocks the accept loop.
        request.settimeout(10)
        if self.tls is not None:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        try:
            super().finish_request(request, client_address)
        except OSError:
            pass


class WebServer:
    def __init__(self, app: App, tls: ssl.SSLContext | None = None) -> None:
        self._server = _AppServer(app, tls)
        self.port: int = self._server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(scope="module")
def web_server() -> Iterator[Callable[..., WebServer]]:
    """Factory: `web_server(app, tls=context)` starts a server; all stop when the module ends."""
    started: list[WebServer] = []

    def start(app: App, tls: ssl.SSLContext | None = None) -> WebServer:
        server = WebServer(app, tls)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()






@pytest.fixture(scope="module")
def filtered_port() -> Iterator[int]:
    """A port whose SYNs go unanswered, like a firewall that drops: connects time out.

    A listener with a full accept queue makes Linux drop new SYNs; two queued connections fill
    a backlog of 0."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        yield port
        for filler in fillers:
            filler.close()


# --- hostile HTTP servers: raw sockets, for answers http.server cannot be made to give ---------------

HOSTILE_KINDS = ("endless-body", "slow-drip", "endless-headers", "invalid-utf8")


def _hostile_answer(kind: str, connection: socket.socket) -> None:
    if kind == "endless-body":  # 200, no Content-Length, a body that never ends, as fast as TCP goes
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
        chunk = b"linkflow " * 8192
        while True:
            connection.sendall(chunk)
    elif kind == "slow-drip":  # headers at once, then one byte a second: every read succeeds
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(600):
            connection.sendall(b" ")
            threading.Event().wait(1.0)
    elif kind == "endless-headers":
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        while True:
            connection.sendall(b"X-Padding: " + b"a" * 100 + b"\r\n")
    elif kind == "invalid-utf8":
        body = b'{"status": "\xff\xfe healthy \xc3\x28"}\n# HELP x \xff\n'
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                           b"Content-Length: " + str(len(body)).encode() + b"\r\nX-Bad: \xff\xfe\r\n\r\n" + body)


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[Callable[[str], str]]:
    """Factory: `hostile_server(kind)` returns the URL of a raw server answering every request the
    hostile way `kind` names (HOSTILE_KINDS)."""
    listeners: list[socket.socket] = []

    def start(kind: str) -> str:
        assert kind in HOSTILE_KINDS, kind
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listeners.append(listener)

        def serve(connection: socket.socket) -> None:
            with connection:
                connection.settimeout(30)
                try:
                    connection.recv(65536)  # the request (small: sent in one segment)
                    _hostile_answer(kind, connection)
                except OSError:  # the probe gave up and closed: exactly what it should do
                    pass

        def accept() -> None:
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=serve, args=(connection,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener in listeners:
        listener.close()
