"""A throwaway certificate authority (trustme) and server-side TLS contexts with chosen protocol ranges.

The certificates name 127.0.0.1 and localhost, so probes connect to https://127.0.0.1:<port> with
certificate verification ON (the profile's api.ca_file points at `ca_file`).
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme


@pytest.fixture(scope="session")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(certificate_authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    return path


def server_tls_context(
    authority: trustme.CA,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED,
) -> ssl.SSLContext:
    """A server context accepting exactly minimum..maximum."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if minimum < ssl.TLSVersion.TLSv1_2:
        # OpenSSL 3 refuses TLS 1.0/1.1 at the default security level: lower it so the
        # server really offers them (the configuration under test is "legacy versions on").
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # TLSv1/TLSv1_1 are deprecated: exactly what we need to serve
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = minimum
        context.maximum_version = maximum
    return context


# --- a hand-scripted TLS server: answers each ClientHello with chosen bytes ---------------------------
# For behaviours no real TLS library can be configured into: negotiating another version than the
# one asked, closing without an alert, malformed ServerHellos. It reads one ClientHello, looks at the
# highest version it offers (supported_versions, else legacy_version) and sends what `answer` says
# for that version (b"" = close without a byte).

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304


def offered_version(record: bytes) -> int:
    """The highest version a ClientHello record offers."""
    body = record[9:]  # record header (5) + handshake header (4)
    legacy = int.from_bytes(body[0:2], "big")
    position = 34
    position += 1 + body[position]  # session id
    position += 2 + int.from_bytes(body[position:position + 2], "big")  # cipher suites
    position += 1 + body[position]  # compression methods
    end = position + 2 + int.from_bytes(body[position:position + 2], "big")
    position += 2
    while position + 4 <= end:
        kind = int.from_bytes(body[position:position + 2], "big")
        size = int.from_bytes(body[position + 2:position + 4], "big")
        if kind == 43:  # supported_versions
            data = body[position + 5:position + 4 + size]
            return max(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
        position += 4 + size
    return legacy


def server_hello(legacy_version: int, supported_version: int | None = None, cipher: int = 0xC02F) -> bytes:
    """A ServerHello record: `legacy_version`, plus a supported_versions extension when given (1.3 style)."""
    extensions = b""
    if supported_version is not None:
        extensions = (43).to_bytes(2, "big") + (2).to_bytes(2, "big") + supported_version.to_bytes(2, "big")
    body = (legacy_version.to_bytes(2, "big") + os.urandom(32) + b"\x00" + cipher.to_bytes(2, "big") + b"\x00"
            + len(extensions).to_bytes(2, "big") + extensions)
    handshake = b"\x02" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x03" + len(handshake).to_bytes(2, "big") + handshake


def alert(code: int) -> bytes:
    return b"\x15\x03\x03\x00\x02\x02" + bytes([code])


class ScriptedTLSServer:
    def __init__(self, answer: Callable[[int], bytes]) -> None:
        self.answer = answer
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                record = b""
                while len(record) < 5 or len(record) < 5 + int.from_bytes(record[3:5], "big"):
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    record += chunk
                if record[0] != 0x16:  # not a handshake (a default client's hello is one too)
                    return
                reply = self.answer(offered_version(record))
                if reply:
                    connection.sendall(reply)
                    connection.recv(1)  # let the client read and close first
            except OSError:
                pass

    def stop(self) -> None:
        self._listener.close()


@pytest.fixture
def scripted_tls_server() -> Iterator[Callable[[Callable[[int], bytes]], ScriptedTLSServer]]:
    started: list[ScriptedTLSServer] = []

    def start(answer: Callable[[int], bytes]) -> ScriptedTLSServer:
        server = ScriptedTLSServer(answer)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
