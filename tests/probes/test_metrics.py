"""http.metrics and http.key-metrics against the LinkFlow-like API's /metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from tests.servers.api import ApiServer, evidence_line, linkflow_metrics, run_with_profile


async def run(probe_id: str, base_url: str, tmp_path: Path):
    return await run_with_profile(probe_id, f'[api]\nbase_url = "{base_url}"\n', tmp_path)


async def test_metrics_parse_passes_with_family_count(api: ApiServer, tmp_path: Path) -> None:
    result = await run("http.metrics", api.url, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert result.values["metric_families"] >= 7
    assert evidence_line(result, "format").ok is True


async def test_metrics_html_page_fails(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_text = "<!doctype html><html><body>Welcome to LinkFlow</body></html>"
    api.behaviour.metrics_content_type = "text/html"
    result = await run("http.metrics", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert "HTML" in result.summary
    assert "Welcome to LinkFlow" in evidence_line(result, "format").actual


async def test_metrics_garbage_text_fails(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_text = "metrics are disabled here\n"
    result = await run("http.metrics", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert "not Prometheus text" in result.summary


async def test_metrics_protected_warns(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_status = 401
    api.behaviour.metrics_text = '{"error": "unauthorized"}'
    result = await run("http.metrics", api.url, tmp_path)
    assert result.status is Status.WARN
    assert evidence_line(result, "HTTP status").actual == "401"


async def test_metrics_not_found_fails(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_status = 404
    result = await run("http.metrics", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert "404" in result.summary


async def test_metrics_refused_is_error(refused_port: int, tmp_path: Path) -> None:
    result = await run("http.metrics", f"http://127.0.0.1:{refused_port}", tmp_path)
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary


async def test_key_metrics_all_present_pass(api: ApiServer, tmp_path: Path) -> None:
    result = await run("http.key-metrics", api.url, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert result.values["key_metrics_present"] == 6
    assert evidence_line(result, "error rate").actual == "linkflow_http_requests_total"


async def test_key_metrics_some_missing_warn_naming_them(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_text = linkflow_metrics(omit=("linkflow_queue_depth", "process_cpu_seconds_total"))
    result = await run("http.key-metrics", api.url, tmp_path)
    assert result.status is Status.WARN
    assert "queue depth" in result.summary and "memory/CPU" in result.summary
    assert evidence_line(result, "memory/CPU").actual == "missing: process_cpu_seconds_total"


async def test_key_metrics_never_updated_are_noted(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_text = linkflow_metrics(updated=False)
    result = await run("http.key-metrics", api.url, tmp_path)
    assert result.status is Status.WARN
    assert "never updated" in evidence_line(result, "request latency").actual
    assert "all samples 0" in evidence_line(result, "database connections").actual


async def test_key_metrics_alternative_names_count(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_text = (
        '# TYPE http_requests_total counter\nhttp_requests_total{code="500"} 3\n'
        '# TYPE http_request_duration_seconds histogram\n'
        'http_request_duration_seconds_bucket{le="+Inf"} 3\nhttp_request_duration_seconds_count 3\n'
        'http_request_duration_seconds_sum 0.3\n'
        '# TYPE asynq_queue_size gauge\nasynq_queue_size{queue="default"} 4\n'
    )
    result = await run("http.key-metrics", api.url, tmp_path)
    assert result.status is Status.WARN
    assert evidence_line(result, "queue depth").actual == "asynq_queue_size"
    assert evidence_line(result, "error rate").ok is True


async def test_key_metrics_none_fail(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_text = "# TYPE go_goroutines gauge\ngo_goroutines 12\n"
    result = await run("http.key-metrics", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert result.values["key_metrics_present"] == 0


async def test_key_metrics_requests_without_status_label_do_not_count(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_text = '# TYPE http_requests_total counter\nhttp_requests_total{path="/"} 3\n'
    result = await run("http.key-metrics", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert "no status label" in evidence_line(result, "error rate").actual


async def test_key_metrics_unreadable_is_error(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.metrics_status = 403
    result = await run("http.key-metrics", api.url, tmp_path)
    assert result.status is Status.ERROR
    assert "403" in result.summary


@pytest.mark.parametrize("probe_id", ["http.metrics", "http.key-metrics"])
async def test_endless_metrics_body_is_cut_and_error(probe_id: str, hostile_server, tmp_path: Path) -> None:
    # Half a document says nothing about the rest: could not tell (and no memory blow-up, no hang).
    result = await run(probe_id, hostile_server("endless-body"), tmp_path)
    assert result.status is Status.ERROR, result.summary
    assert "more than 16 MiB" in result.summary


async def test_invalid_utf8_metrics_fail_without_a_crash(hostile_server, tmp_path: Path) -> None:
    result = await run("http.metrics", hostile_server("invalid-utf8"), tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert "not Prometheus text" in result.summary
