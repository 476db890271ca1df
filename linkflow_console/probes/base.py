"""What a probe is and what it returns. No Textual, no I/O here.

`fail` means the target is wrong. `error` means we could not tell (refused, timeout, DNS,
a local limitation) and always carries the reason. `skipped` means the profile does not
configure what the probe needs. Never confuse fail with error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from linkflow_console.timefmt import read_moment, utc_now

if TYPE_CHECKING:
    from linkflow_console.probes.context import ProbeContext


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


# Worst first: how several results of one item combine.
SEVERITY_ORDER = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIPPED)


def worst(statuses: list[Status]) -> Status | None:
    present = set(statuses)
    return next((s for s in SEVERITY_ORDER if s in present), None)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One expected-vs-actual line. `ok` is None where the line is information only."""

    label: str
    expected: str
    actual: str
    ok: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "expected": self.expected, "actual": self.actual}
        if self.ok is not None:
            data["ok"] = self.ok
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        ok = data.get("ok")
        return cls(str(data["label"]), str(data["expected"]), str(data["actual"]), ok if isinstance(ok, bool) else None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a probe function returns; the engine adds id, timing and timestamps."""

    status: Status
    summary: str
    evidence: tuple[Evidence, ...] = ()
    raw: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, float] = field(default_factory=dict)  # numbers launch mode records


def outcome(
    status: Status,
    summary: str,
    evidence: list[Evidence] | tuple[Evidence, ...] = (),
    raw: Mapping[str, Any] | None = None,
    values: Mapping[str, float] | None = None,
) -> Outcome:
    return Outcome(
        status,
        summary,
        tuple(evidence),
        {str(k): str(v) for k, v in (raw or {}).items()},
        dict(values or {}),
    )


def all_ok(evidence: list[Evidence] | tuple[Evidence, ...]) -> Status:
    """PASS when no checked line failed, else FAIL: for probes whose rule is 'all must hold'."""
    return Status.PASS if all(e.ok is not False for e in evidence) else Status.FAIL


class ProbeError(Exception):
    """Raise from a probe when it could not tell: the engine reports status `error`."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    probe_id: str
    status: Status
    summary: str
    evidence: tuple[Evidence, ...] = ()
    raw: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, float] = field(default_factory=dict)
    duration_ms: float = 0.0
    started_at: datetime = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe_id,
            "status": str(self.status),
            "summary": self.summary,
            "evidence": [e.to_dict() for e in self.evidence],
            "raw": dict(self.raw),
            "values": dict(self.values),
            "duration_ms": round(self.duration_ms, 1),
            "started_at": self.started_at.isoformat(timespec="seconds"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeResult:
        started = data.get("started_at")
        started_at = (read_moment(started) if isinstance(started, (str, datetime)) else None) or utc_now()
        return cls(
            probe_id=str(data["probe"]),
            status=Status(str(data["status"])),
            summary=str(data.get("summary", "")),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", [])),
            raw={str(k): str(v) for k, v in dict(data.get("raw", {})).items()},
            values={str(k): float(v) for k, v in dict(data.get("values", {})).items()},
            duration_ms=float(data.get("duration_ms", 0.0)),
            started_at=started_at,
        )


ProbeFunc = Callable[["ProbeContext"], Awaitable[Outcome]]

_REGISTRY: dict[str, ProbeFunc] = {}


def probe(probe_id: str) -> Callable[[ProbeFunc], ProbeFunc]:
    """Register an implementation for a probe id listed in `catalog.PROBES`."""
    from linkflow_console.probes.catalog import PROBES

    if probe_id not in PROBES:
        raise KeyError(f"probe {probe_id!r} is not in probes/catalog.py")

    def register(func: ProbeFunc) -> ProbeFunc:
        _REGISTRY[probe_id] = func
        return func

    return register


def implementation(probe_id: str) -> ProbeFunc:
    """Import the probe's module on first use (keeps psycopg/boto3 out of start-up)."""
    if probe_id not in _REGISTRY:
        import importlib

        from linkflow_console.probes.catalog import PROBES

        importlib.import_module(f"linkflow_console.probes.{PROBES[probe_id].module}")
    return _REGISTRY[probe_id]


def registered() -> dict[str, ProbeFunc]:
    return dict(_REGISTRY)
