"""Runs a sweep for a session: the one path used by `check`, the TUI and launch check-ins."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import sweep

if TYPE_CHECKING:
    from linkflow_console.session import Session


async def run_sweep(
    session: Session,
    probe_ids: Iterable[str],
    on_result: Callable[[ProbeResult], None] | None = None,
) -> dict[str, ProbeResult]:
    ctx = ProbeContext(session.profile, clock=session.clock)
    results: dict[str, ProbeResult] = {}
    async for result in sweep(probe_ids, ctx):
        results[result.probe_id] = result
        if on_result is not None:
            on_result(result)
    return results
