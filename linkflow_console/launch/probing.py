"""Probe runs for launch mode: the probes of check-ins that came due, and live samples on demand.
Both go through runner.run_sweep (the one path every probe run takes) and are recorded as samples."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from linkflow_console.launch.model import LIVE_PROBES, CheckInView
from linkflow_console.launch.record import record_samples
from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.catalog import PROBES
from linkflow_console.probes.profile import Profile
from linkflow_console.session import Session


def configured(probe_id: str, profile: Profile) -> bool:
    return all(profile.is_set(need) for need in PROBES[probe_id].needs)


def latest_open(views: Iterable[CheckInView]) -> list[CheckInView]:
    """Each task's most recent due or overdue check-in: after a console was closed for hours, the
    older ones would only get today's numbers, which would read as if measured back then."""
    latest: dict[str, CheckInView] = {}
    for view in views:
        if view.open and (view.checkin.item_id not in latest or view.due_at > latest[view.checkin.item_id].due_at):
            latest[view.checkin.item_id] = view
    return list(latest.values())


def probes_due(views: Iterable[CheckInView], profile: Profile) -> dict[str, list[str]]:
    """probe id -> the check-ins waiting for it: each task's latest open check-in not yet probed,
    and only probes the profile configures (an unconfigured one would be retried forever)."""
    wanted: dict[str, list[str]] = {}
    for view in latest_open(views):
        if view.samples:
            continue
        for probe_id in view.checkin.probes:
            if configured(probe_id, profile):
                wanted.setdefault(probe_id, []).append(view.checkin.id)
    return wanted


async def run_and_record(session: Session, answered: dict[str, list[str]]) -> dict[str, ProbeResult]:
    """Run the probes in `answered` (probe id -> check-in ids) and keep their samples; the state
    write (fsync) runs in a thread so a TUI's event loop never waits on the disk."""
    from linkflow_console.runner import run_sweep

    if not answered:
        return {}
    results = await run_sweep(session, list(answered))
    await asyncio.to_thread(record_samples, session.store, results.values(), answered)
    return results


async def run_due(session: Session, views: Iterable[CheckInView]) -> dict[str, ProbeResult]:
    return await run_and_record(session, probes_due(views, session.profile))


async def sample_live(session: Session) -> dict[str, ProbeResult]:
    """A sample of error rate, p95 and queue depth now, tied to no check-in."""
    return await run_and_record(session, {p: [] for p in LIVE_PROBES if configured(p, session.profile)})
