"""The console's one model of time: now (UTC), one lenient reader, one stamp, one ISO form, and
how long ago something happened."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_seconds(moment: datetime) -> datetime:
    """UTC, whole seconds: what the state and the audit log keep."""
    return moment.astimezone(UTC).replace(microsecond=0)


def read_moment(value: Any) -> datetime | None:
    """A stored date-time (TOML value or ISO 8601 text, `Z` or an offset, `T` or a space), UTC when
    it names no zone, a bare date as its midnight UTC; None when it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def iso(moment: datetime) -> str:
    """ISO 8601 with `T` and `+00:00`, whole seconds: the form of every time in JSON."""
    return to_seconds(moment).isoformat()


def stamp(moment: datetime | None) -> str:
    """The one human form: '2026-11-26 09:30 UTC'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def json_value(value: Any) -> Any:
    """`default=` for json.dumps: date-times in ISO 8601 with `T`, dates as YYYY-MM-DD."""
    if isinstance(value, datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def span(delta: timedelta | float) -> str:
    """A short human duration: '42 s', '17 min', '5.5 h', '3 d'."""
    seconds = max(0, int(delta.total_seconds() if isinstance(delta, timedelta) else delta))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds // 86400} d"


def ago(moment: datetime | None, now: datetime) -> str:
    return "?" if moment is None else f"{span(now - moment)} ago"
