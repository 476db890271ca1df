"""`net.internal-ports` and `net.database-port`: internal ports must not accept TCP on the public host.

A completed TCP connect from here is the finding (fail, naming the ports). A refusal means closed; no
answer at all means filtered (a firewall dropping): both count as not exposed. Silence only proves
"filtered" when the host itself answers, so the public HTTPS port is checked alongside: when it is
silent too, we cannot tell a firewall from a host we cannot reach (error).
"""

from __future__ import annotations

import asyncio
import errno
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext

UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH}  # an ICMP "prohibited" from a firewall looks like this


@dataclass(frozen=True)
class PortState:
    port: int
    state: str  # "open", "closed", "filtered", "could-not-test"
    detail: str


async def port_state(address: str, port: int, limit: float) -> PortState:
    try:
        async with asyncio.timeout(limit):
            _, writer = await asyncio.open_connection(address, port)
    except TimeoutError:
        return PortState(port, "filtered", f"filtered (no answer within {limit:.1f} s)")
    except ConnectionRefusedError:
        return PortState(port, "closed", "closed (connection refused)")
    except OSError as exc:
        if exc.errno in UNREACHABLE:
            return PortState(port, "filtered", f"filtered ({errno.errorcode[exc.errno]})")
        return PortState(port, "could-not-test", f"could not test: {exc}")
    writer.close()
    return PortState(port, "open", "open (TCP connect accepted)")


async def resolve(host: str, limit: float) -> str:
    """The first address of the public host; a name that does not resolve is error, not a verdict."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(limit):
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise ProbeError(f"cannot resolve {host}: no DNS answer within {limit:.1f} s") from None
    except (OSError, UnicodeError) as exc:  # gaierror; UnicodeError for names that are not valid DNS names
        raise ProbeError(f"cannot resolve {host}: {exc}") from None
    return str(infos[0][4][0])


async def check_ports(ctx: ProbeContext, ports: list[int], what: str) -> Outcome:
    base_url = ctx.setting("api.base_url")
    host = urlsplit(base_url).hostname or ""
    limit = ctx.timeout * 0.8
    address = await resolve(host, limit)

    async def public_port_answers() -> str | None:
        try:
            await ctx.ensure_reachable(base_url)
        except ProbeError as exc:
            return str(exc)
        return None

    public_problem, *states = await asyncio.gather(
        public_port_answers(), *(port_state(address, port, limit) for port in ports)
    )
    evidence = [Evidence(f"port {s.port}", "closed or filtered", s.detail, s.state in ("closed", "filtered"))
                for s in states]
    raw = {"host": f"{host} ({address})"} | {f"port {s.port}": s.detail for s in states}
    values = {"open_ports": float(sum(s.state == "open" for s in states))}
    open_ports = [str(s.port) for s in states if s.state == "open"]
    if open_ports:
        noun = "port" if len(open_ports) == 1 else "ports"
        return outcome(Status.FAIL, f"{what} {noun} {', '.join(open_ports)} open on {host}", evidence, raw, values)
    untested = [s for s in states if s.state == "could-not-test"]
    if untested:
        raise ProbeError(f"port {untested[0].port} on {host}: {untested[0].detail}")
    filtered = [s for s in states if s.state == "filtered"]
    if filtered and public_problem:
        raise ProbeError(f"no answer on {host} port(s) {', '.join(str(s.port) for s in filtered)} and the public "
                         f"port does not answer either ({public_problem}): cannot tell a firewall from an unreachable host")
    closed = len(states) - len(filtered)
    return outcome(Status.PASS, f"{what} {'port' if len(states) == 1 else 'ports'} not exposed on {host} "
                   f"({closed} closed, {len(filtered)} filtered)", evidence, raw, values)


@probe("net.internal-ports")
async def internal_ports(ctx: ProbeContext) -> Outcome:
    ports = list(dict.fromkeys(ctx.setting("api.internal_ports")))
    if not ports:
        raise ProbeError("api.internal_ports is empty: no port to check")
    return await check_ports(ctx, ports, "internal")


@probe("net.database-port")
async def database_port(ctx: ProbeContext) -> Outcome:
    return await check_ports(ctx, [int(ctx.setting("api.database_port"))], "database")
