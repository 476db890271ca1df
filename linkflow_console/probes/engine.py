"""Runs probes: each under its timeout, all under a bounded pool, results streamed as they finish."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable

from linkflow_console.probes.base import (
    Evidence,
    Outcome,
    ProbeError,
    ProbeResult,
    Status,
    implementation,
)
from linkflow_console.probes.catalog import HTTP_LIBRARIES, LIBRARIES, PROBES
from linkflow_console.probes.context import ProbeContext


def missing_needs(probe_id: str, ctx: ProbeContext) -> list[str]:
    """Profile keys the probe needs that are not set (a key the schema lacks counts as unset)."""
    return [key for key in PROBES[probe_id].needs if not ctx.profile.is_known_and_set(key)]


async def run_probe(probe_id: str, ctx: ProbeContext) -> ProbeResult:
    """Never raises: every failure to tell becomes a result with status `error`."""
    started_at = ctx.clock()
    start = time.perf_counter()
    missing = missing_needs(probe_id, ctx)
    if missing:
        result = Outcome(Status.SKIPPED, f"not configured: set {', '.join(missing)} in the profile")
    else:
        try:
            async with asyncio.timeout(ctx.timeout):
                result = await implementation(probe_id)(ctx)
        except TimeoutError:
            result = Outcome(Status.ERROR, f"timed out after {ctx.timeout:g} s (could not tell)")
        except ProbeError as exc:
            result = Outcome(Status.ERROR, str(exc))
        except Exception as exc:  # a probe bug or a library surprise: report, never crash the sweep
            result = Outcome(Status.ERROR, f"probe failed unexpectedly: {type(exc).__name__}: {exc}")
    duration_ms = (time.perf_counter() - start) * 1000
    return _scrubbed(ProbeResult(
        probe_id=probe_id,
        status=result.status,
        summary=result.summary,
        evidence=result.evidence,
        raw=result.raw,
        values=result.values,
        duration_ms=duration_ms,
        started_at=started_at,
    ), ctx)


def _scrubbed(result: ProbeResult, ctx: ProbeContext) -> ProbeResult:
    """Defence in depth: no resolved secret value survives into a result."""
    scrub = ctx.scrub
    return ProbeResult(
        probe_id=result.probe_id,
        status=result.status,
        summary=scrub(result.summary),
        evidence=tuple(
            Evidence(scrub(e.label), scrub(e.expected), scrub(e.actual), e.ok) for e in result.evidence
        ),
        raw={k: scrub(v) for k, v in result.raw.items()},
        values=result.values,
        duration_ms=result.duration_ms,
        started_at=result.started_at,
    )


def preload(probe_ids: Iterable[str]) -> None:
    """Import the probe modules and the libraries they use (runs in a thread)."""
    import importlib

    modules = {PROBES[p].module for p in probe_ids}
    for name in (*HTTP_LIBRARIES, *(lib for m in modules for lib in LIBRARIES.get(m, ()))):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the probe itself reports a missing library as `error`
    for module in modules:
        importlib.import_module(f"linkflow_console.probes.{module}")


# A probe still running after this long is waiting on a peer. Waiting is async I/O and needs no
# slot, so it hands its slot to the next probe: a hung host (accepts, never answers) then costs
# one probe timeout per sweep, not one per `concurrency` probes.
STALLED_AFTER_SECONDS = 0.05


async def sweep(
    probe_ids: Iterable[str], ctx: ProbeContext, concurrency: int | None = None
) -> AsyncIterator[ProbeResult]:
    """Yield results in the order they finish. At most `concurrency` probes start or work at once;
    one that has waited STALLED_AFTER_SECONDS on the network frees its slot and runs on."""
    probe_ids = list(dict.fromkeys(probe_ids))
    await asyncio.to_thread(preload, [p for p in probe_ids if not missing_needs(p, ctx)])
    limit = asyncio.Semaphore(concurrency or int(ctx.setting("concurrency")))

    async def bounded(probe_id: str) -> ProbeResult:
        if missing_needs(probe_id, ctx):  # skipped ones need no slot
            return await run_probe(probe_id, ctx)
        async with limit:
            running = asyncio.ensure_future(run_probe(probe_id, ctx))
            try:
                await asyncio.wait({running}, timeout=STALLED_AFTER_SECONDS)
            except asyncio.CancelledError:
                running.cancel()
                raise
        return await running  # cancelling this await cancels the probe too

    tasks = [asyncio.ensure_future(bounded(pid)) for pid in probe_ids]
    try:
        for finished in asyncio.as_completed(tasks):
            yield await finished
    finally:
        for task in tasks:
            task.cancel()


async def run_all(probe_ids: Iterable[str], ctx: ProbeContext) -> dict[str, ProbeResult]:
    return {result.probe_id: result async for result in sweep(probe_ids, ctx)}
