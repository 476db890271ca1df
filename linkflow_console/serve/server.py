"""textual-serve's server with the access rules it lacks: a token (exchanged for an HttpOnly session
cookie) before any page or console process, failed attempts limited, sessions capped, no token in
any URL the page sees or any log line, and each console told its role through its environment."""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import ssl
from asyncio.subprocess import Process
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from aiohttp.abc import AbstractAccessLogger
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from linkflow_console.serve.access import SESSION_SECONDS, FailureLimiter, Grant, Sessions, Tokens, console_environment

COOKIE = "linkflow_console_session"
TEMPLATES = Path(__file__).with_name("templates")
log = logging.getLogger("linkflow-console.serve")


class PathOnlyAccessLogger(AbstractAccessLogger):
    """One line per request without the query string (a ?token= never reaches a log)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %d", request.remote, request.method, request.path, response.status)


class RoleAppService(AppService):
    """One console process, started with the browser's role in its environment."""

    def __init__(self, command: str, *, environment: dict[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self._role_environment = environment

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        served = super()._build_environment(width, height)  # os.environ plus the web driver's settings
        driver = {k: v for k, v in served.items() if os.environ.get(k) != v}
        return {**self._role_environment, **driver}  # the role's environment has no token in it

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        """As textual-serve does, without a shell in between (one process less per browser)."""
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command), env=self._build_environment(width, height),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process


class GuardedServer(Server):
    def __init__(
        self,
        command: str,
        tokens: Tokens,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        ssl_context: ssl.SSLContext | None = None,
        max_sessions: int = 20,
        kiosk: bool = False,
        title: str = "linkflow-console",
        limiter: FailureLimiter | None = None,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.tokens = tokens
        self.ssl_context = ssl_context
        self.max_sessions = max_sessions
        self.kiosk = kiosk
        self.limiter = limiter or FailureLimiter()
        self.sessions = Sessions(tokens)
        self.live: set[AppService] = set()
        self.reserved = 0  # sessions admitted whose process is starting

    # -- the web application ---------------------------------------------------------------------
    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.post("/login", self.handle_login, name="login"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        if request.path.startswith("/static/") and self.grant(request) is None:
            return self._page(request, "unauthorized.html", 401)
        response = await handler(request)
        if response.prepared:  # a finished WebSocket: its headers went out long ago
            return response
        headers = response.headers
        headers.setdefault("Cache-Control", "no-store")
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        return response

    def grant(self, request: web.Request) -> Grant | None:
        return self.sessions.grant(request.cookies.get(COOKIE))

    def _page(self, request: web.Request, template: str, status: int, **context: Any) -> web.Response:
        response = aiohttp_jinja2.render_template(template, request, {"title": self.title, **context}, status=status)
        if status == 429:
            response.headers["Retry-After"] = str(context.get("retry", 60))
        return response

    def _client(self, request: web.Request) -> str:
        return request.remote or "unknown"

    def _try_token(self, request: web.Request, token: str, query: dict[str, str]) -> web.StreamResponse:
        """Exchange a token for a session cookie and send the browser to a URL without it."""
        client = self._client(request)
        wait = self.limiter.blocked_for(client)
        if wait > 0:
            return self._page(request, "unauthorized.html", 429, retry=int(wait) + 1, limited=True)
        grant = self.tokens.grant_for(token)
        if grant is None:
            self.limiter.failed(client)
            log.warning("%s: a wrong access token was presented", client)
            return self._page(request, "unauthorized.html", 401, wrong=True)
        response = web.HTTPSeeOther("/" + (f"?{urlencode(query)}" if query else ""))
        response.set_cookie(COOKIE, self.sessions.open(token), httponly=True, samesite="Strict",
                            secure=self.ssl_context is not None, path="/", max_age=SESSION_SECONDS)
        return response

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        return self._try_token(request, str(form.get("token", "")), {})

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        query = {k: v for k, v in request.query.items() if k != "token"}
        if "token" in request.query:
            return self._try_token(request, request.query["token"], query)
        grant = self.grant(request)
        if grant is None:
            return self._page(request, "unauthorized.html", 401)
        if self.busy():
            return self._page(request, "unauthorized.html", 503, full=True, limit=self.max_sessions)
        scheme = "wss" if self.ssl_context is not None else "ws"
        return self._page(
            request, "console.html", 200,
            websocket_url=f"{scheme}://{request.host}/ws",
            static_url="/static/",
            font_size=_clamp(request.query.get("fontsize", "20" if self.kiosk else "16"), 16, 8, 64),
            kiosk=self.kiosk,
            fit_font=self.kiosk and "fontsize" not in request.query,
            role="read-only viewer" if grant.read_only else f"operator {grant.operator}",
        )

    def busy(self) -> bool:
        return len(self.live) + self.reserved >= self.max_sessions

    def _same_origin(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        return origin is None or urlsplit(origin).netloc == request.host

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        grant = self.grant(request)
        if grant is None:
            raise web.HTTPUnauthorized(text="no valid session: open the board's link with its token first")
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="cross-origin console connections are refused")
        if self.busy():
            raise web.HTTPServiceUnavailable(text=f"all {self.max_sessions} console sessions are in use")
        self.reserved += 1
        service: AppService | None = None
        websocket = web.WebSocketResponse(heartbeat=15)
        try:
            await websocket.prepare(request)
            service = RoleAppService(
                self.command,
                environment=console_environment(grant, self.kiosk),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
            )
            self.live.add(service)
            self.reserved -= 1
            await service.start(*_terminal_size(request.query.get("width"), request.query.get("height")))
            await self._process_messages(websocket, service)
        except Exception as error:  # a browser that went away mid-start: end its console, serve the rest
            log.info("console session ended: %s", type(error).__name__)
        finally:
            if service is None:
                self.reserved -= 1
            else:
                await service.stop()
                self.live.discard(service)
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        """textual-serve's loop, with the browser's terminal size bounded (a console of a million
        cells would take the host's memory) and unknown messages ignored."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            envelope = message.json()
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], (envelope[1] if len(envelope) > 1 else None)
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await app_service.set_terminal_size(*_terminal_size(data.get("width"), data.get("height")))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its banner here; `serve` prints its own lines."""

    async def on_shutdown(self, app: web.Application) -> None:
        for service in list(self.live):
            await service.stop()

    def run(self) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        logging.getLogger("aiohttp.access").setLevel(logging.INFO)
        web.run_app(self._make_app(), host=self.host, port=self.port, ssl_context=self.ssl_context,
                    access_log_class=PathOnlyAccessLogger, print=lambda *args: None)


def _clamp(value: object, default: int, low: int, high: int) -> int:
    return min(max(to_int(str(value), default), low), high)


def _terminal_size(width: object, height: object) -> tuple[int, int]:
    return _clamp(width, 80, 20, 400), _clamp(height, 24, 8, 150)
