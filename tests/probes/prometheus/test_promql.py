"""PromQL as text: thresholds, units, series names and job selectors (pure, no server)."""

from __future__ import annotations

from linkflow_console.probes.prometheus.promql import (
    as_ratio,
    as_seconds,
    first_comparison,
    job_selectors,
    missing_series,
    series_names,
)


def test_threshold_read_from_the_comparison_not_from_matchers_or_ranges() -> None:
    expression = 'sum(rate(x{code!="500",status=~"5.."}[5m])) / sum(rate(x[5m])) > bool 0.02'
    assert first_comparison(expression) == (">", 0.02)


def test_percent_and_millisecond_thresholds_are_normalised() -> None:
    assert as_ratio(1, "a / b * 100 > 1") == 0.01
    assert as_ratio(5, "a / b > 5") == 0.05
    assert as_ratio(0.01, "a / b > 0.01") == 0.01
    assert as_seconds(2000, "histogram_quantile(0.95, x) > 2000") == 2.0
    assert as_seconds(2, "histogram_quantile(0.95, x) > 2") == 2.0


def test_series_names_skip_functions_label_names_and_absent() -> None:
    expression = (
        'histogram_quantile(0.95, sum by (le, job) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))'
        ' > on(job) group_left(team) owner_info or absent(up{job="api"}) offset 5m'
    )
    assert series_names(expression) == {"http_request_duration_seconds_bucket", "owner_info"}


def test_job_selectors_read_equality_matchers_only_outside_absent() -> None:
    expression = ('up{job="api"} == 0 or up{job=~"work.*"} == 0 or up{job!="x"} == 0'
                  " or on() {job='scheduler', env=\"prod\"} or absent(up{job=\"gone\"})")
    assert job_selectors(expression) == {("up", "api"), ("", "scheduler")}


def test_a_job_nobody_scrapes_is_missing_even_when_the_name_exists() -> None:
    existing = {"up", "linkflow_http_requests_total"}
    assert missing_series('up{job="linkflow-api"} == 0', existing, {}, jobs={"linkflow-api"}) == []
    assert missing_series('up{job="scheduler"} == 0', existing, {}, jobs={"linkflow-api"}) == [
        "up{job=\"scheduler\"} (no job 'scheduler' is scraped)"]
    # Without the job list (not asked), only names count.
    assert missing_series('up{job="scheduler"} == 0', existing, {}) == []


def test_missing_names_are_listed_once_and_recording_rules_resolve() -> None:
    recorded = {"job:errors:ratio": "sum(rate(linkflow_http_requests_total[5m]))", "job:none:rate": "rate(nobody[5m])"}
    existing = {"linkflow_http_requests_total"}
    assert missing_series("pg_up == 0", existing, recorded, jobs=set()) == ["pg_up"]
    assert missing_series("job:errors:ratio > 0.01", existing, recorded) == []
    assert missing_series("job:none:rate > 1", existing, recorded) == ["job:none:rate (recorded from missing nobody)"]
