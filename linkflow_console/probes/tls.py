"""`http.tls-versions`: TLS 1.0/1.1 refused, 1.2 or 1.3 accepted.

Each version is asked for with a hand-built ClientHello over a raw socket (as testssl.sh does)
and judged by the version the ServerHello selects, never by an alert code: servers refuse with
alert 70, alert 80, handshake_failure or just by closing. Building the hello ourselves means the
local OpenSSL policy (SECLEVEL, disabled legacy ciphers) can never be mistaken for a refusal.
Python's ssl is used once more, only to report the negotiated protocol, cipher and certificate.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from dataclasses import dataclass
from enum import IntEnum
from ipaddress import ip_address
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext


class TLSVersion(IntEnum):
    TLS1_0 = 0x0301
    TLS1_1 = 0x0302
    TLS1_2 = 0x0303
    TLS1_3 = 0x0304

    @property
    def label(self) -> str:
        return f"TLS 1.{self - 0x0301}"


LEGACY_VERSIONS = (TLSVersion.TLS1_0, TLSVersion.TLS1_1)
MODERN_VERSIONS = (TLSVersion.TLS1_2, TLSVersion.TLS1_3)

# Cipher suites offered in 1.0-1.2 hellos: broad on purpose (CBC, GCM, ChaCha, RSA, DHE, ECDHE,
# 3DES), so a server that allows a version always finds a suite it can pick.
LEGACY_SUITES: dict[int, str] = {
    0xC02B: "ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02C: "ECDHE-ECDSA-AES256-GCM-SHA384",
    0xC02F: "ECDHE-RSA-AES128-GCM-SHA256", 0xC030: "ECDHE-RSA-AES256-GCM-SHA384",
    0xCCA9: "ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA8: "ECDHE-RSA-CHACHA20-POLY1305",
    0xC023: "ECDHE-ECDSA-AES128-SHA256", 0xC027: "ECDHE-RSA-AES128-SHA256",
    0xC009: "ECDHE-ECDSA-AES128-SHA", 0xC00A: "ECDHE-ECDSA-AES256-SHA",
    0xC013: "ECDHE-RSA-AES128-SHA", 0xC014: "ECDHE-RSA-AES256-SHA",
    0x009E: "DHE-RSA-AES128-GCM-SHA256", 0x009F: "DHE-RSA-AES256-GCM-SHA384",
    0x0033: "DHE-RSA-AES128-SHA", 0x0039: "DHE-RSA-AES256-SHA",
    0x009C: "AES128-GCM-SHA256", 0x009D: "AES256-GCM-SHA384",
    0x003C: "AES128-SHA256", 0x002F: "AES128-SHA", 0x0035: "AES256-SHA",
    0xC012: "ECDHE-RSA-DES-CBC3-SHA", 0x000A: "DES-CBC3-SHA",
}
RENEGOTIATION_SCSV = 0x00FF
TLS13_SUITES: dict[int, str] = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
}
GROUPS = (0x001D, 0x0017, 0x0018, 0x0019)  # x25519, secp256r1, secp384r1, secp521r1
SIGNATURE_ALGORITHMS = (
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806,
    0x0809, 0x080A, 0x080B, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
)
# RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random.
HELLO_RETRY_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

RECORD_HANDSHAKE, RECORD_ALERT = 22, 21
HANDSHAKE_SERVER_HELLO = 2
MAX_SERVER_HELLO = 1 << 16  # real ones are a few hundred bytes
EXT_SERVER_NAME, EXT_GROUPS, EXT_POINT_FORMATS, EXT_SIGNATURE_ALGORITHMS = 0, 10, 11, 13
EXT_SUPPORTED_VERSIONS, EXT_PSK_MODES, EXT_KEY_SHARE, EXT_RENEGOTIATION_INFO = 43, 45, 51, 0xFF01
ALERT_NAMES = {40: "handshake_failure", 70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
               47: "illegal_parameter", 50: "decode_error", 86: "inappropriate_fallback", 112: "unrecognized_name"}


def _u8_list(data: bytes) -> bytes:
    return len(data).to_bytes(1, "big") + data


def _u16_list(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


def _u16s(values: tuple[int, ...] | list[int]) -> bytes:
    return b"".join(v.to_bytes(2, "big") for v in values)


def _extension(kind: int, data: bytes) -> bytes:
    return kind.to_bytes(2, "big") + _u16_list(data)


def client_hello(version: TLSVersion, server_name: str | None) -> bytes:
    """A ClientHello record offering exactly `version` (1.3 via supported_versions, RFC 8446)."""
    extensions = [
        _extension(EXT_GROUPS, _u16_list(_u16s(GROUPS))),
        _extension(EXT_POINT_FORMATS, _u8_list(b"\x00")),
        _extension(EXT_SIGNATURE_ALGORITHMS, _u16_list(_u16s(SIGNATURE_ALGORITHMS))),
        _extension(EXT_RENEGOTIATION_INFO, b"\x00"),
    ]
    if server_name:
        name = server_name.encode("idna")
        extensions.insert(0, _extension(EXT_SERVER_NAME, _u16_list(b"\x00" + _u16_list(name))))
    if version is TLSVersion.TLS1_3:
        suites = list(TLS13_SUITES)
        x25519_share = GROUPS[0].to_bytes(2, "big") + _u16_list(os.urandom(32))
        extensions += [
            _extension(EXT_SUPPORTED_VERSIONS, _u8_list(_u16s([TLSVersion.TLS1_3]))),
            _extension(EXT_KEY_SHARE, _u16_list(x25519_share)),
            _extension(EXT_PSK_MODES, _u8_list(b"\x01")),
        ]
    else:
        suites = [*LEGACY_SUITES, RENEGOTIATION_SCSV]
    body = (
        min(version, TLSVersion.TLS1_2).to_bytes(2, "big")
        + os.urandom(32)
        + _u8_list(os.urandom(32))  # a session id, as real clients send (middlebox compatibility)
        + _u16_list(_u16s(suites))
        + _u8_list(b"\x00")  # null compression only
        + _u16_list(b"".join(extensions))
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return bytes([RECORD_HANDSHAKE]) + TLSVersion.TLS1_0.to_bytes(2, "big") + _u16_list(handshake)


@dataclass(frozen=True)
class VersionResult:
    version: TLSVersion
    state: str  # "offered", "refused", "could-not-test"
    detail: str
    tls_answer: bool = False  # the server sent a TLS record (ServerHello or alert), not just a close


class _NotTLS(Exception):
    pass


class _Alert(Exception):
    pass


def _parse_server_hello(body: bytes) -> tuple[int, int, bool]:
    """(selected version, cipher suite, is HelloRetryRequest) from a ServerHello body; _NotTLS when
    the body is too short to be one."""
    # version (2) + random (32) + session id length (1) + id + cipher (2) + compression (1)
    if len(body) < 35 or len(body) < 38 + body[34]:
        raise _NotTLS(f"sent a malformed ServerHello ({len(body)} bytes)")
    legacy_version = int.from_bytes(body[0:2], "big")
    random = body[2:34]
    position = 35 + body[34]
    cipher = int.from_bytes(body[position:position + 2], "big")
    position += 3  # cipher suite + compression method
    selected = legacy_version
    if position + 2 <= len(body):
        end = position + 2 + int.from_bytes(body[position:position + 2], "big")
        position += 2
        while position + 4 <= end:
            kind = int.from_bytes(body[position:position + 2], "big")
            size = int.from_bytes(body[position + 2:position + 4], "big")
            if kind == EXT_SUPPORTED_VERSIONS and size == 2:
                selected = int.from_bytes(body[position + 4:position + 6], "big")
            position += 4 + size
    return selected, cipher, random == HELLO_RETRY_RANDOM


async def _read_server_hello(reader: asyncio.StreamReader) -> bytes:
    """The ServerHello body answering our hello; raises _Alert when the server sent an alert instead."""
    handshake = b""
    while True:
        header = await reader.readexactly(5)
        kind, length = header[0], int.from_bytes(header[3:5], "big")
        if kind not in (RECORD_HANDSHAKE, RECORD_ALERT) or header[1] != 3:
            raise _NotTLS(f"answered with something that is not TLS: {header!r}")
        payload = await reader.readexactly(length)
        if kind == RECORD_ALERT:
            code = payload[1] if len(payload) > 1 else -1
            raise _Alert(f"alert {code} {ALERT_NAMES.get(code, '')}".rstrip())
        handshake += payload
        if len(handshake) >= 4 and int.from_bytes(handshake[1:4], "big") > MAX_SERVER_HELLO:
            raise _NotTLS(f"announced a {int.from_bytes(handshake[1:4], 'big')}-byte handshake message, "
                          "too long for a ServerHello")
        if len(handshake) >= 4 and len(handshake) >= 4 + int.from_bytes(handshake[1:4], "big"):
            if handshake[0] != HANDSHAKE_SERVER_HELLO:
                raise _NotTLS(f"sent handshake message {handshake[0]} instead of a ServerHello")
            return handshake[4:4 + int.from_bytes(handshake[1:4], "big")]


async def try_version(host: str, port: int, server_name: str | None, version: TLSVersion, limit: float) -> VersionResult:
    """Offer one version and classify the answer. Only a ServerHello selecting it counts as offered."""

    def result(state: str, detail: str) -> VersionResult:
        return VersionResult(version, state, detail)

    try:
        async with asyncio.timeout(limit):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(client_hello(version, server_name))
                await writer.drain()
                server_hello = await _read_server_hello(reader)
            finally:
                writer.close()
        selected, cipher, retry = _parse_server_hello(server_hello)
    except TimeoutError:
        return result("could-not-test", f"no answer within {limit:.1f} s")
    except asyncio.IncompleteReadError as exc:
        how = "closed the connection" if not exc.partial else "closed the connection mid-record"
        return result("refused", f"refused ({how}, no ServerHello)")
    except ConnectionResetError:
        return result("refused", "refused (connection reset, no ServerHello)")
    except _Alert as alert:
        return VersionResult(version, "refused", f"refused ({alert}, no ServerHello)", tls_answer=True)
    except _NotTLS as exc:
        return result("could-not-test", str(exc))
    except OSError as exc:
        return result("could-not-test", f"cannot connect: {exc.strerror or type(exc).__name__}")
    if selected != version:
        # A server that answers a 1.0 hello with a 1.2 ServerHello did not accept 1.0: judged by the
        # version it selects, whatever it picked instead.
        name = TLSVersion(selected).label if selected in TLSVersion._value2member_map_ else hex(selected)
        return VersionResult(version, "refused", f"refused (server selected {name})", tls_answer=True)
    suite = {**LEGACY_SUITES, **TLS13_SUITES}.get(cipher, f"0x{cipher:04x}")
    return VersionResult(version, "offered", f"offered ({'HelloRetryRequest' if retry else suite})", tls_answer=True)


async def negotiated_session(ctx: ProbeContext, host: str, port: int, limit: float) -> dict[str, str]:
    """What a normal verified client (Python ssl, profile trust anchors) negotiates: info only."""
    try:
        context = ctx.ssl_context()
    except ProbeError as exc:
        return {"negotiated": f"no TLS session: {exc}"}
    if context is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(limit):
            _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
    except TimeoutError:
        return {"negotiated": f"no TLS session within {limit:.1f} s"}
    except (ssl.SSLError, OSError) as exc:
        return {"negotiated": f"no TLS session: {exc}"}
    ssl_object = writer.get_extra_info("ssl_object")
    certificate = writer.get_extra_info("peercert") or {}
    writer.close()
    info = {"negotiated": f"{ssl_object.version()} {ssl_object.cipher()[0]}"}
    if certificate:
        subject = dict(item[0] for item in certificate.get("subject", ()) if item)
        names = [subject["commonName"]] if "commonName" in subject else []
        names += [value for kind, value in certificate.get("subjectAltName", ()) if value not in names]
        info["certificate"] = f"for {', '.join(names) or '?'}; expires {certificate.get('notAfter', '?')}"
    return info


def verdict(results: list[VersionResult], legacy_offered: list[str], modern_offered: list[str],
            negotiated: str = "") -> tuple[Status, str]:
    untested = [r for r in results if r.state == "could-not-test"]
    if legacy_offered:
        return Status.FAIL, f"{' and '.join(legacy_offered)} accepted: must be refused"
    untested_legacy = [r for r in untested if r.version in LEGACY_VERSIONS]
    if untested_legacy or (not modern_offered and untested):
        first = (untested_legacy or untested)[0]
        raise ProbeError(f"could not test {first.version.label}: {first.detail}")
    if not modern_offered and not any(r.tls_answer for r in results):
        # Closing on every hello without one TLS byte is no answer (a dead backend behind a TCP
        # proxy looks like this), not proof that 1.2 and 1.3 are refused.
        raise ProbeError("no TLS answer to any ClientHello (every connection closed without a ServerHello "
                         "or alert): cannot tell which versions the server accepts")
    if not modern_offered and negotiated.startswith(("TLSv1.2", "TLSv1.3")):
        # Our hand-built hellos went unanswered, yet a default client negotiated a modern version.
        raise ProbeError(f"the hand-built TLS 1.2/1.3 hellos were refused, but a default client negotiated "
                         f"{negotiated}: could not test")
    if not modern_offered:
        return Status.FAIL, "neither TLS 1.2 nor TLS 1.3 accepted"
    return Status.PASS, f"TLS 1.0/1.1 refused; {' and '.join(modern_offered)} accepted"


@probe("http.tls-versions")
async def tls_versions(ctx: ProbeContext) -> Outcome:
    base_url = ctx.setting("api.base_url")
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        raise ProbeError(f"api.base_url is {parts.scheme}://, not https://: no TLS endpoint to test")
    host, port = parts.hostname or "", parts.port or 443
    await ctx.ensure_reachable(host, port)
    try:
        ip_address(host)
        server_name = None  # SNI carries host names only (RFC 6066)
    except ValueError:
        server_name = host
    limit = ctx.timeout * 0.8
    *results, session = await asyncio.gather(
        *(try_version(host, port, server_name, version, limit) for version in TLSVersion),
        negotiated_session(ctx, host, port, limit),
    )
    offered = {r.version for r in results if r.state == "offered"}
    legacy_offered = [v.label for v in LEGACY_VERSIONS if v in offered]
    modern_offered = [v.label for v in MODERN_VERSIONS if v in offered]
    status, summary = verdict(results, legacy_offered, modern_offered, session["negotiated"])
    evidence = [
        Evidence(r.version.label, "refused" if r.version in LEGACY_VERSIONS else "offered (1.2 or 1.3)", r.detail,
                 r.state == "refused" if r.version in LEGACY_VERSIONS else None)
        for r in results
    ]
    evidence.append(Evidence("TLS 1.2 or 1.3", "at least one offered", ", ".join(modern_offered) or "none offered",
                             bool(modern_offered)))
    evidence.append(Evidence("negotiated by a default client", "-", session["negotiated"]))
    raw = {r.version.label: r.detail for r in results} | session | {"target": f"{host}:{port}"}
    return outcome(status, summary, evidence, raw=raw)
