"""Response time p95 from a bounded sample of GETs to a cheap endpoint."""

from __future__ import annotations

import asyncio
import math
import time
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import api_url, send

PASS_P95_SECONDS = 0.5  # the checklist: response time < 500 ms p95
WARN_P95_SECONDS = 2.0  # the checklist's alert threshold: p95 > 2 s
MIN_SAMPLES = 5
BUDGET_SHARE = 0.8  # of the probe timeout; the rest is margin before the engine cuts us off


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile: with few samples p95 is the slowest, never an interpolation."""
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


@probe("http.latency-p95")
async def latency_p95(ctx: ProbeContext) -> Outcome:
    url = api_url(ctx, "api.latency_path")
    wanted = int(ctx.setting("api.latency_samples"))
    if wanted < MIN_SAMPLES:
        raise ProbeError(f"api.latency_samples is {wanted}: a p95 needs at least {MIN_SAMPLES} samples")
    deadline = time.perf_counter() + ctx.timeout * BUDGET_SHARE
    await ctx.ensure_reachable(url)
    durations: list[float] = []
    status_codes: list[int] = []
    # Sequential on purpose: concurrent requests would measure the target under our own load.
    async with ctx.http_client() as client:
        while len(durations) < wanted:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            started = time.perf_counter()
            try:
                async with asyncio.timeout(remaining):
                    response = await send(client, "GET", url)
            except TimeoutError:
                break  # the time budget ran out mid-request: that sample is not counted
            durations.append(time.perf_counter() - started)
            status_codes.append(response.status_code)
    if not durations:
        raise ProbeError(f"no GET of {url} completed within {ctx.timeout * BUDGET_SHARE:.1f} s: could not measure")
    if len(durations) < MIN_SAMPLES:
        raise ProbeError(
            f"only {len(durations)} of {wanted} samples within {ctx.timeout * BUDGET_SHARE:.1f} s "
            f"(at least {MIN_SAMPLES} needed); raise the profile timeout to measure"
        )
    non_2xx = [code for code in status_codes if not 200 <= code < 300]
    if len(non_2xx) == len(status_codes):
        raise ProbeError(f"every answer was non-2xx ({non_2xx[0]}): the latency of errors says nothing")
    ordered = sorted(durations)
    p50, p95, slowest = percentile(ordered, 0.50), percentile(ordered, 0.95), ordered[-1]
    if p95 < PASS_P95_SECONDS:
        status = Status.PASS
    elif p95 < WARN_P95_SECONDS:
        status = Status.WARN
    else:
        status = Status.FAIL
    evidence = [
        Evidence("p95", f"< {milliseconds(PASS_P95_SECONDS)}", milliseconds(p95), status is Status.PASS),
        Evidence("p50", "", milliseconds(p50), None),
        Evidence("max", "", milliseconds(slowest), None),
        Evidence("samples", f"{wanted} wanted, >= {MIN_SAMPLES}", str(len(durations)), None),
        Evidence("non-2xx answers", "0", str(len(non_2xx)), None if not non_2xx else False),
    ]
    raw = {
        "url": url,
        "status_codes": " ".join(map(str, status_codes)),
        "durations_ms": " ".join(f"{d * 1000:.1f}" for d in durations),
    }
    values = {"p95_seconds": p95, "p50_seconds": p50, "max_seconds": slowest, "samples": float(len(durations))}
    summary = f"p95 {milliseconds(p95)} over {len(durations)} GETs of {urlsplit(url).path or '/'}"
    if non_2xx:
        summary += f" ({len(non_2xx)} non-2xx)"
    return outcome(status, summary, evidence, raw=raw, values=values)
