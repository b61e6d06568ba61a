"""`tutor serve`'s limits (issue 23, item 6): 20 connections took 3.2 GB in 81 processes. At
most `--max-sessions` at once (one more gets a page saying tutor is full), and each session's
processes have an address-space limit."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli_serve import SESSION_BUDGET_MB, default_max_sessions, machine_memory_mb

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")


def test_the_default_maximum_follows_the_machines_memory():
    memory = machine_memory_mb()
    assert memory is not None and memory > 0
    assert default_max_sessions() == max(1, min(200, memory * 3 // 4 // SESSION_BUDGET_MB))


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _address_space_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            return line.split()[3]
    return ""


def test_one_session_past_the_maximum_gets_a_full_page_and_each_session_a_memory_limit(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    limits = ["--max-sessions", "1", "--session-memory", "1500"]
    server = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port), "--data-dir", str(tmp_path), *limits],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"

    async def run() -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):  # bounded: up to two minutes on a slow machine
                try:
                    async with http.get(url + "/") as page:
                        assert page.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.2)
            else:
                pytest.fail("the server did not answer")
            first = await http.ws_connect(url.replace("http", "ws") + "/ws?width=80&height=24")
            await asyncio.wait_for(first.receive(), 120)  # the session's app has started
            async with http.get(url + "/") as page:
                assert page.status == 503
                text = await page.text()
                assert "tutor is full" in text and "All 1 session is in use" in text
            second = await http.ws_connect(url.replace("http", "ws") + "/ws?width=80&height=24")
            message = await asyncio.wait_for(second.receive(), 60)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert second.close_code == 1013
            # the session runs under its memory limit (its shell's child is the session process)
            sessions = [c for sh in _children(server.pid) for c in _children(sh)] + _children(server.pid)
            limits = {_address_space_limit(pid) for pid in sessions}
            assert str(1500 << 20) in limits, limits
            await first.close()
            for _ in range(300):  # the place is free once the session has ended
                async with http.get(url + "/") as page:
                    if page.status == 200:
                        break
                await asyncio.sleep(0.2)
            else:
                pytest.fail("the place stayed taken after the session closed")

    try:
        asyncio.run(run())
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
