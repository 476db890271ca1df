"""http.cdn against local HTTP servers: a frontend page linking an asset, with and without CDN marks
and cache lifetimes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from linkflow_console.probes.cdn import cache_lifetime
from tests.servers.web import Reply, Request, WebServer, evidence, run_with_api, web_server  # noqa: F401

PAGE = b'<!doctype html><html><head><link rel="stylesheet" href="/assets/app.3f2a.css"></head>' \
       b'<body><script src="/assets/app.3f2a.js"></script></body></html>'


def frontend(asset_headers: list[tuple[str, str]], asset_status: int = 200) -> Callable[[Request], Reply]:
    def answer(request: Request) -> Reply:
        if request.path.startswith("/assets/"):
            return Reply(asset_status, asset_headers, b"body{}")
        return Reply(200, [("Content-Type", "text/html"), ("Cache-Control", "no-cache")], PAGE)

    return answer


@pytest.fixture
def start(web_server: Callable[..., WebServer]) -> Callable[..., str]:  # noqa: F811
    return lambda headers, status=200: web_server(frontend(headers, status)).url


CLOUDFRONT = [("Cache-Control", "public, max-age=31536000, immutable"), ("X-Cache", "Hit from cloudfront"),
              ("Via", "1.1 abc.cloudfront.net (CloudFront)"), ("Age", "3120")]


async def test_cdn_with_long_cache_passes(start, tmp_path: Path) -> None:
    result = await run_with_api("http.cdn", tmp_path, frontend_origin=start(CLOUDFRONT))
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "asset").actual.endswith("/assets/app.3f2a.css")
    assert "x-cache: Hit from cloudfront" in evidence(result, "CDN headers").actual


async def test_cache_headers_without_cdn_warn(start, tmp_path: Path) -> None:
    result = await run_with_api("http.cdn", tmp_path, frontend_origin=start([("Cache-Control", "public, max-age=86400")]))
    assert result.status is Status.WARN and "no CDN" in result.summary


async def test_cdn_but_no_store_warns(start, tmp_path: Path) -> None:
    headers = [("Cache-Control", "no-store"), ("CF-Cache-Status", "BYPASS"), ("Server", "cloudflare")]
    result = await run_with_api("http.cdn", tmp_path, frontend_origin=start(headers))
    assert result.status is Status.WARN and "no-store" in result.summary


async def test_plain_origin_fails(start, tmp_path: Path) -> None:
    result = await run_with_api("http.cdn", tmp_path, frontend_origin=start([]))
    assert result.status is Status.FAIL
    assert evidence(result, "CDN headers").actual == "none"


async def test_static_path_is_used_and_missing_asset_is_error(start, tmp_path: Path) -> None:
    origin = start(CLOUDFRONT, 404)
    result = await run_with_api("http.cdn", tmp_path, frontend_origin=origin, static_path="/assets/logo.svg")
    assert result.status is Status.ERROR and "/assets/logo.svg answered 404" in result.summary


async def test_unreachable_origin_is_error(tmp_path: Path) -> None:
    from tests.servers import free_port

    result = await run_with_api("http.cdn", tmp_path, frontend_origin=f"http://127.0.0.1:{free_port()}")
    assert result.status is Status.ERROR


def test_cache_lifetime_prefers_s_maxage_and_honours_no_store() -> None:
    assert cache_lifetime("public, max-age=60, s-maxage=600") == (600, None)
    assert cache_lifetime("max-age=600, private") == (0, "private")
    assert cache_lifetime("") == (0, None)
