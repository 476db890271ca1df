"""How the console says how long ago something happened."""

from __future__ import annotations

from datetime import datetime, timedelta


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
