"""PromQL as text: the pure readers the rule probes use (no I/O, unit-tested without a server).

Thresholds (the first comparison with a number, in the units it is written in), the series an
expression selects (names, `{__name__=...}` matchers, `job="..."` selectors) and what of that is
missing, and the queries the live-value probes send.
"""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_COMPARISON = re.compile(rf"(>=|<=|==|!=|>|<)\s*(?:bool\s+)?({_NUMBER})(?![\w.])")
QUANTILE = re.compile(rf"histogram_quantile\s*\(\s*({_NUMBER})")


def strip_literals(expression: str) -> str:
    """The expression without strings, label matchers and range selectors (they hide operators)."""
    text = _STRING.sub('""', expression)
    text = re.sub(r"\{[^{}]*\}", "{}", text)
    return re.sub(r"\[[^\[\]]*\]", "[]", text)


def first_comparison(expression: str) -> tuple[str, float] | None:
    """The first comparison against a number: its operator and the number (the rule's threshold)."""
    match = _COMPARISON.search(strip_literals(expression))
    return (match.group(1), float(match.group(2))) if match else None


def as_ratio(value: float, expression: str) -> float:
    """Error-rate thresholds come as 0.01 or as 1 (percent, usually with `* 100`)."""
    percent = re.search(r"\*\s*100\b|\b100\s*\*", expression) or value >= 1
    return value / 100 if percent else value


def as_seconds(value: float, expression: str) -> float:
    """Latency thresholds come as 2 (seconds) or 2000 (milliseconds)."""
    millis = re.search(r"_ms\b|_ms_|millisecond", expression, re.IGNORECASE) or value > 60
    return value / 1000 if millis else value


def as_is(value: float, expression: str) -> float:
    return value


def percent(ratio: float) -> str:
    return f"{ratio * 100:.4g} %"


def seconds(value: float) -> str:
    return f"{value:.4g} s"


def jobs(count: float) -> str:
    return f"{count:g} jobs"


_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "offset", "inf", "nan", "start", "end", "atan2",
}
_LABEL_LISTS = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()")
_NAME_MATCHER = re.compile(r"""__name__\s*=\s*(?:"([^"]+)"|'([^']+)')""")
_NAME_REGEX = re.compile(r"""__name__\s*=~\s*(?:"([^"]+)"|'([^']+)')""")
# Series Prometheus writes itself for pending/firing alerts: they exist whenever an alert does.
SYNTHETIC_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})


def _without_absent(text: str) -> str:
    """Drop absent(...) calls: they are meant to fire when their series is missing."""
    while match := re.search(r"\babsent(_over_time)?\s*\(", text):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[: match.start()] + "vector(0)" + text[end + 1:]
    return text


def series_names(expression: str) -> set[str]:
    """Metric names a PromQL expression selects: identifiers that are not functions, keywords
    or label names, plus {__name__="..."} matchers."""
    text = _without_absent(expression)
    names = {a or b for a, b in _NAME_MATCHER.findall(text)}
    text = _LABEL_LISTS.sub(" ", strip_literals(text))
    names.update(n for n in _IDENTIFIER.findall(text) if n.lower() not in _KEYWORDS)
    return names


def name_patterns(expression: str) -> set[str]:
    """The regexes of {__name__=~"..."} matchers (outside absent(...))."""
    return {a or b for a, b in _NAME_REGEX.findall(_without_absent(expression))}


# A selector with an equality matcher on `job`: `up{job="api"}`, `{job='api'}`.
_JOB_SELECTOR = re.compile(r"""(?<![\w:.])([a-zA-Z_:][\w:]*)?\s*\{([^{}]*)\}""")
_JOB_EQUALS = re.compile(r"""(?<![\w])job\s*=(?![=~])\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def job_selectors(expression: str) -> set[tuple[str, str]]:
    """(metric name or "", job) for every selector that asks for one job by name (outside absent(...))."""
    found = set()
    for name, matchers in _JOB_SELECTOR.findall(_without_absent(expression)):
        for double, single in _JOB_EQUALS.findall(matchers):
            found.add(("" if name.lower() in _KEYWORDS else name, double or single))
    return found


def missing_series(
    expression: str, existing: set[str], recorded: dict[str, str], seen: frozenset[str] = frozenset(),
    jobs: set[str] | None = None,
) -> list[str]:
    """What in `expression` selects series that do not exist (so a rule on it can never fire).

    A recording rule's output counts as existing when it is stored, or when its own inputs exist
    (it may not have been evaluated yet); ALERTS/ALERTS_FOR_STATE are Prometheus's own. With
    `jobs` (the job label values Prometheus has), a selector on a job nobody scrapes is missing too:
    `up{job="x"} == 0` never fires when there is no job x."""
    missing = []
    for name in sorted(series_names(expression)):
        if name in existing or name in SYNTHETIC_SERIES:
            continue
        if name in recorded and name not in seen:
            inputs = missing_series(recorded[name], existing, recorded, seen | {name}, jobs)
            if not inputs:
                continue
            missing.append(f"{name} (recorded from missing {', '.join(inputs)})")
            continue
        missing.append(name)
    for pattern in sorted(name_patterns(expression)):
        try:
            regex = re.compile(pattern)
        except re.error:
            missing.append(f'{{__name__=~"{pattern}"}} (invalid regex)')
            continue
        known = existing | SYNTHETIC_SERIES | set(recorded)
        if not any(regex.fullmatch(name) for name in known):
            missing.append(f'{{__name__=~"{pattern}"}}')
    if jobs is not None:
        for name, job in sorted(job_selectors(expression)):
            # A missing name is already listed; a recording rule may set its own job label.
            if job not in jobs and (not name or (name in existing or name in SYNTHETIC_SERIES)):
                missing.append(f'{name}{{job="{job}"}} (no job {job!r} is scraped)')
    return missing


def error_ratio_query(counter: str) -> str:
    # Without a 5xx series the numerator would be empty and hide the ratio: default it to 0.
    errors = " or ".join(f'sum(rate({counter}{{{label}=~"5.."}}[5m]))' for label in ("status", "code"))
    return f"({errors} or vector(0)) / sum(rate({counter}[5m]))"


def p95_query(histogram: str) -> str:
    return f"histogram_quantile(0.95, sum by (le) (rate({histogram}_bucket[5m])))"
