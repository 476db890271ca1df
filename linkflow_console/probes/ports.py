"""`net.internal-ports` and `net.database-port`: internal ports must not accept TCP on the public host.

A completed TCP connect from here is the finding (fail, naming the ports). A refusal means closed; no
answer at all means filtered (a firewall dropping): both count as not exposed. Silence only proves
"filtered" when the host itself answers, so the public HTTPS port is checked alongside: when it and
every checked port are silent, we cannot tell a firewall from a host we cannot reach (error). Every
address of the host is checked (a dual-stack name: the firewall may cover IPv4 and not IPv6).
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


MAX_ADDRESSES = 4  # a dual-stack name has an A and an AAAA record; a firewall may cover only one


async def resolve(host: str, limit: float) -> list[str]:
    """Every address of the public host (each is checked); a name that does not resolve is error."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(limit):
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise ProbeError(f"cannot resolve {host}: no DNS answer within {limit:.1f} s") from None
    except (OSError, UnicodeError) as exc:  # gaierror; UnicodeError for names that are not valid DNS names
        raise ProbeError(f"cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))[:MAX_ADDRESSES]


async def port_state_everywhere(addresses: list[str], port: int, limit: float) -> PortState:
    """One port on every address: open anywhere is open (named), else untestable, filtered, closed."""
    states = await asyncio.gather(*(port_state(address, port, limit) for address in addresses))
    for wanted in ("open", "could-not-test", "filtered"):
        hits = [(a, s) for a, s in zip(addresses, states, strict=True) if s.state == wanted]
        if hits:
            address, state = hits[0]
            where = f" on {', '.join(a for a, _ in hits)}" if len(addresses) > 1 else ""
            return PortState(port, wanted, state.detail + where)
    return PortState(port, "closed", states[0].detail + (" on every address" if len(addresses) > 1 else ""))


async def check_ports(ctx: ProbeContext, ports: list[int], what: str) -> Outcome:
    base_url = ctx.setting("api.base_url")
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    invalid = [p for p in ports if not 0 < p < 65536]
    if invalid:
        raise ProbeError(f"port {invalid[0]} is not a TCP port (1-65535): fix the profile")
    limit = ctx.timeout * 0.8
    addresses = await resolve(host, limit)
    public_port = parts.port or (443 if parts.scheme == "https" else 80)

    public, *states = await asyncio.gather(
        port_state_everywhere(addresses, public_port, limit),
        *(port_state_everywhere(addresses, port, limit) for port in ports),
    )
    evidence = [Evidence(f"port {s.port}", "closed or filtered", s.detail, s.state in ("closed", "filtered"))
                for s in states]
    raw = {"host": f"{host} ({', '.join(addresses)})"} | {f"port {s.port}": s.detail for s in states}
    raw["public port"] = f"{public_port}: {public.detail}"
    values = {"open_ports": float(sum(s.state == "open" for s in states))}
    open_ports = [str(s.port) for s in states if s.state == "open"]
    if open_ports:
        noun = "port" if len(open_ports) == 1 else "ports"
        return outcome(Status.FAIL, f"{what} {noun} {', '.join(open_ports)} open on {host}", evidence, raw, values)
    untested = [s for s in states if s.state == "could-not-test"]
    if untested:
        raise ProbeError(f"port {untested[0].port} on {host}: {untested[0].detail}")
    filtered = [s for s in states if s.state == "filtered"]
    # Silence proves "filtered" only when the host answers somewhere: the public port accepting or
    # refusing, or any checked port refusing (a refusal is the host's own answer).
    host_answers = public.state in ("open", "closed") or any(s.state == "closed" for s in states)
    if filtered and not host_answers:
        raise ProbeError(f"no answer on {host} port(s) {', '.join(str(s.port) for s in filtered)} and the public "
                         f"port {public_port} does not answer either ({public.detail}): cannot tell a firewall "
                         "from an unreachable host")
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
