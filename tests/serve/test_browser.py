"""`serve` in Debian's Chromium: the console renders and its text reaches the page, a CLI tick shows
up in an open page, a viewer's keys change nothing, an operator's change is recorded under the
operator's name, and a browser without a token starts no console."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.serve.harness import OPERATOR_TOKEN, VIEWER_TOKEN, launch, need_browser, screen_text, serving, wait_for_text

pytestmark = pytest.mark.servers

TITLE = "Production Checklist"
SECOND_ITEM = "security.auth.password-hashing"
SECOND_TITLE = "Secure password hashing"
FIRST_ITEM = "security.auth.jwt-secret"  # selected when the console opens


@pytest.fixture
async def browser():
    async_playwright = need_browser()
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "war-room.state.toml"
    assert run_cli("--state", str(path), "note", FIRST_ITEM, "seeded").returncode == 0
    return path


async def open_console(browser, url: str):
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(url)
    await wait_for_text(page, TITLE)
    await page.focus(".xterm-helper-textarea")
    return page


def line_with(text: str, needle: str) -> str:
    return next((row for row in text.splitlines() if needle in row), "")


def distinct_colours(png: bytes) -> int:
    from PIL import Image

    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20) or [])


async def test_viewer_sees_the_console_and_a_cli_tick_arrives(browser, state: Path):
    with serving(state) as served:
        page = await open_console(browser, f"{served.url}?token={VIEWER_TOKEN}")
        assert "token" not in page.url  # exchanged for a cookie, gone from the address bar
        text = await wait_for_text(page, SECOND_TITLE)
        assert "viewer (read-only)" in text
        assert "○" in line_with(text, SECOND_TITLE)
        assert distinct_colours(await page.screenshot()) > 8  # a painted console, not a blank page
        assert VIEWER_TOKEN not in await page.content()

        result = run_cli("--state", str(state), "tick", SECOND_ITEM, "--operator", "bob")
        assert result.returncode == 0, result.stderr
        for _ in range(150):  # the console polls the state file; the page follows by itself
            if "✓" in line_with(await screen_text(page), SECOND_TITLE):
                break
            await asyncio.sleep(0.1)
        assert "✓" in line_with(await screen_text(page), SECOND_TITLE)
        assert len(served.consoles()) == 1
    assert VIEWER_TOKEN not in served.output()
    assert VIEWER_TOKEN not in state.read_text() + state.with_name("war-room.state.audit.jsonl").read_text()


async def test_a_viewers_key_presses_change_nothing(browser, state: Path):
    before = state.read_bytes()
    with serving(state) as served:
        page = await open_console(browser, f"{served.url}?token={VIEWER_TOKEN}")
        for key in ("x", "a", "R", "l", "t", "d", "n"):  # tick, N/A, sweep; launch day: clock, check-in, note
            await page.keyboard.press(key)
            await asyncio.sleep(0.3)
        text = await wait_for_text(page, "Read-only")
        assert "changes the state" in text
        await asyncio.sleep(1.0)
    assert state.read_bytes() == before


async def test_an_operators_tick_is_recorded_under_the_operators_name(browser, state: Path):
    with serving(state) as served:
        page = await open_console(browser, f"{served.url}?token={OPERATOR_TOKEN}")
        assert "alice" in await screen_text(page)
        await page.keyboard.press("x")  # the first item is a blocker: the tick asks for its evidence
        for _ in range(300):
            if "Evidence" in await screen_text(page):
                break
            await asyncio.sleep(0.1)
        await page.keyboard.type("runbook check done")
        await page.keyboard.press("Enter")
        for _ in range(300):
            if 'done = true' in state.read_text():
                break
            await asyncio.sleep(0.1)
    from linkflow_console.state import StateStore

    item = StateStore(state, "production", adopt_environment=True).load().items[FIRST_ITEM]
    assert item.done and item.by == "alice"
    audit = [json.loads(line) for line in state.with_name("war-room.state.audit.jsonl").read_text().splitlines()]
    last = audit[-1]  # an audit line before and after the move to events ("action" / "kind")
    assert last.get("action", last.get("kind")) == "tick" and last["by"] == "alice"
    assert item.history[-1].by == "alice"
    assert OPERATOR_TOKEN not in served.output() + state.read_text()


async def test_no_token_no_console(browser, state: Path):
    with serving(state) as served:
        page = await browser.new_page()
        response = await page.goto(served.url)
        assert response.status == 401
        assert "access token" in await page.content()
        response = await page.goto(f"{served.url}?token=not-the-token-0123456789")
        assert response.status == 401
        await asyncio.sleep(1.0)
        assert served.consoles() == []


async def test_kiosk_opens_on_launch_day_without_a_key_bar(browser, state: Path):
    with serving(state, "--kiosk") as served:
        page = await browser.new_page(viewport={"width": 1366, "height": 768})  # a common TV: font fitted
        await page.goto(f"{served.url}?token={VIEWER_TOKEN}")
        text = await wait_for_text(page, "Go / no-go")
        assert "Launch day" in text and "First week" in text
        assert "Quit" not in text and "palette" not in text  # no key bar
        assert "Live since T0" in line_with(text, "Go / no-go")  # wide: the two-column war-room layout
        result = run_cli("--state", str(state), "launch", "log", "canary at 5 percent", "--operator", "bob")
        assert result.returncode == 0, result.stderr
        await wait_for_text(page, "canary at 5 percent", timeout=45)  # refreshes by itself (15 s tick)
