"""`linkflow-console serve`: the console in browsers, one console process per browser session, all on
the state the usual --state/--profile/--checklist options name."""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys

from linkflow_console.errors import UserError

def add_serve_command(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    text = "serve the console to browsers (token access; viewers read-only)"
    p = sub.add_parser("serve", help=text, description=text, parents=[common])
    p.set_defaults(func=cmd_serve)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --cert/--key or --insecure-http)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--cert", metavar="FILE", help="TLS certificate chain (PEM)")
    p.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    p.add_argument("--insecure-http", action="store_true", help="allow plain HTTP on a non-loopback address")
    p.add_argument("--tokens", metavar="FILE", help='tokens file (mode 600): viewer = "..." and [operators] name = "..."')
    p.add_argument("--max-sessions", type=int, default=20, metavar="N", help="concurrent browser sessions (default 20)")
    p.add_argument("--kiosk", action="store_true", help="open on the launch-day screen, no key bar, for a big display")


def is_loopback(host: str) -> bool:
    """Every address the name binds to is a loopback one (a name may resolve to several)."""
    import socket

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in addresses)


def tls_context(cert: str | None, key: str | None):
    if not cert and not key:
        return None
    if not (cert and key):
        raise UserError("TLS needs both --cert and --key", fix="pass the certificate chain and its private key (PEM)")
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise UserError(f"cannot load the TLS certificate or key: {exc}", path=cert,
                        fix="pass a PEM certificate chain with --cert and its private key with --key") from None
    return context


def console_command(args: argparse.Namespace) -> str:
    """The command each browser session runs: the served console with the same session options
    `serve` was given (every common option, so a new one such as a state backend carries over; the
    consoles start in serve's working directory, so relative paths mean the same). Not --operator:
    who changes things comes from the token, through the environment."""
    from linkflow_console.cli import _common

    parts = [sys.executable, "-m", "linkflow_console.tui.served"]
    for action in _common()._actions:
        value = getattr(args, action.dest, None)
        if not action.option_strings or action.dest == "operator" or value in (None, False):
            continue
        parts += [action.option_strings[-1]] if value is True else [action.option_strings[-1], str(value)]
    return shlex.join(parts)


def _private_file(name: str, text: str):
    from linkflow_console.paths import data_dir

    path = data_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UserError(f"cannot write the viewer link: {exc.strerror or exc}", path=path,
                        fix="set LINKFLOW_SERVE_VIEWER_TOKEN, or point LINKFLOW_CONSOLE_DATA at a writable directory") from None
    return path


def cmd_serve(args: argparse.Namespace) -> int:
    from linkflow_console.cli import session_from
    from linkflow_console.serve.access import load_tokens

    if getattr(args, "operator", None):
        raise UserError("serve takes no --operator: each operator's token names who records a change",
                        fix="map tokens to names in --tokens FILE or LINKFLOW_SERVE_OPERATOR_TOKENS")
    if not 1 <= args.max_sessions <= 1000:
        raise UserError("--max-sessions must be between 1 and 1000", fix="e.g. --max-sessions 20 (the default)")
    if not 1 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a TCP port", fix="choose a port between 1 and 65535, e.g. --port 8080")
    context = tls_context(args.cert, args.key)
    if not is_loopback(args.host) and context is None and not args.insecure_http:
        raise UserError(f"--host {args.host} is reachable from other machines: tokens would cross the network in clear",
                        fix="add --cert FILE --key FILE for HTTPS, or --insecure-http on a network you trust")
    session = session_from(args)
    session.store.load()  # a broken state file stops here with its message, not in every browser
    tokens = load_tokens(args.tokens, os.environ)

    from linkflow_console.serve.server import GuardedServer

    server = GuardedServer(console_command(args), tokens, host=args.host, port=args.port, ssl_context=context,
                           max_sessions=args.max_sessions, kiosk=args.kiosk)
    scheme = "https" if context else "http"
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"{scheme}://{shown_host}:{args.port}/"
    out = sys.stdout
    where = getattr(session.store, "location", None) or getattr(session.store, "path", "")
    out.write(f"linkflow-console serve: {base} ({where}, up to {args.max_sessions} sessions"
              f"{', kiosk' if args.kiosk else ''})\n")
    if tokens.viewer_generated:
        link = f"{base}?token={tokens.viewer}"
        if out.isatty():
            out.write(f"viewer link (read-only; a new token each start unless LINKFLOW_SERVE_VIEWER_TOKEN is set):\n  {link}\n")
        else:  # stdout is a log (systemd, a file): the token goes to a private file instead
            out.write(f"viewer link (read-only) written to {_private_file('serve-viewer-link.txt', link + chr(10))}\n")
    else:
        out.write(f"viewer link: {base}?token=<the viewer token you set>\n")
    names = sorted(set(tokens.operators.values()))
    out.write(f"operators: {', '.join(names)} (their tokens are not printed)\n" if names else "operators: none (every browser is read-only)\n")
    out.flush()
    try:
        server.run()
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                        fix="choose another --port, or stop what is using it") from None
    return 0
