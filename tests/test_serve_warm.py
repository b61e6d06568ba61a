"""`tutor serve` forks each session from one warm parent: a real server, real websocket clients
speaking textual-serve's protocol, real processes. Timeouts are generous (a loaded machine);
nothing here measures speed (benchmarks/serve.py does)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "send_fds"), reason="needs fd passing (Unix)")

TUTOR = str(Path(sys.executable).parent / "tutor")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {**os.environ, "TUTOR_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [TUTOR, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def warm() -> list[int]:
        return [p for p in children(proc.pid) if "served-warm" in cmdline(p)]

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    assert wait_until(lambda: listening() and bool(warm())), "tutor serve did not start"
    yield port, proc, warm()[0]
    if proc.poll() is None:
        proc.kill()
        proc.wait()


async def open_session(port: int, until: bytes, hold: asyncio.Event) -> bytes:
    import aiohttp

    seen = b""
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30") as ws,
    ):
        async for msg in ws:
            seen += msg.data if isinstance(msg.data, bytes) else str(msg.data).encode()
            if until in seen:
                break
        await hold.wait()
    return seen


def test_sessions_are_forks_of_the_warm_parent_and_end_with_their_connection(server):
    port, _proc, warm = server

    async def scenario() -> dict[int, str]:
        hold = asyncio.Event()
        tasks = [asyncio.create_task(open_session(port, b"learning", hold)) for _ in range(2)]
        # Both learners see the name prompt, each from a session the warm parent forked.
        deadline = time.monotonic() + 120
        while len(children(warm)) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        sessions = {pid: cmdline(pid) for pid in children(warm)}  # read while they run
        hold.set()
        seen = await asyncio.wait_for(asyncio.gather(*tasks), 120)
        assert all(b"learning" in s for s in seen)
        return sessions

    sessions = asyncio.run(scenario())
    assert len(sessions) == 2
    # A fork runs no new program: the session's command line is the warm parent's.
    assert all("served-warm" in line for line in sessions.values()), sessions
    # The browsers went away: their sessions end (textual-serve asks the app to quit).
    assert wait_until(lambda: not any(alive(p) for p in sessions)), "a closed session kept running"


def test_killing_a_sessions_connect_process_ends_the_session(server):
    port, proc, warm = server

    async def scenario() -> None:
        hold = asyncio.Event()
        task = asyncio.create_task(open_session(port, b"learning", hold))
        deadline = time.monotonic() + 120
        while not children(warm) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        (session,) = children(warm)
        connect = [p for p in children_all(proc.pid) if "connect.py" in cmdline(p)]
        assert connect, "no connect.py for the session"
        for pid in connect:
            os.kill(pid, signal.SIGKILL)
        ended = await asyncio.to_thread(wait_until, lambda: not alive(session))
        hold.set()
        task.cancel()
        assert ended, "the session outlived its connection"

    asyncio.run(scenario())


def children_all(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = children(p)
        out += kids
        todo += kids
    return out


def test_stopping_tutor_serve_ends_the_warm_parent_and_every_session(server):
    import threading

    port, proc, warm = server
    # The browser stays connected (its own thread and loop) while the server is stopped.
    hold_open = threading.Thread(
        target=lambda: asyncio.run(open_session(port, b"learning", asyncio.Event())), daemon=True
    )
    hold_open.start()
    assert wait_until(lambda: bool(children(warm))), "no session started"
    session = children(warm)[0]
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    assert wait_until(lambda: not alive(warm) and not alive(session), 60)
