"""`tutor serve` for a class: N browser sessions opened together, against one bare textual-serve app.

Run by hand: `.venv/bin/python benchmarks/serve.py [--sessions 1 10 30]`. Each case starts the
installed `tutor serve` (warm: sessions forked from one parent that has imported everything;
and `--cold`: a new process per session, as before) on a free loopback port, opens N websocket
connections at once speaking textual-serve's protocol (what the browser page does), and reports

- the first frame: from opening the websocket until the name prompt's text arrives, p50 and p95
  over the sessions;
- memory per session: the proportional set size (PSS, from /proc/PID/smaps_rollup) of all the
  server's descendant processes while every session is open, less the same before the first
  connection, divided by N: what one more learner costs, shared pages split fairly.

The floor is a bare Textual app (a header, a label, a footer) served by textual-serve the same
way, one process per session, its first frame being its label.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Label

class Hello(App):
    def compose(self):
        yield Header()
        yield Label("Who is learning?")
        yield Footer()

Hello().run()
"""

BARE_SERVER = """
import sys
from textual_serve.server import Server
Server(f"{sys.executable} {sys.argv[2]}", host="127.0.0.1", port=int(sys.argv[1])).serve()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def pss_mib(pid: int) -> float:
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


async def session(port: int, hold: asyncio.Event, times: list[float]) -> None:
    import aiohttp

    start = time.monotonic()
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30") as ws,
    ):
        seen = b""
        async for msg in ws:
            seen += msg.data if isinstance(msg.data, bytes) else str(msg.data).encode()
            if b"learning" in seen:
                times.append(time.monotonic() - start)
                break
        await hold.wait()


async def run_sessions(port: int, n: int, server_pid: int) -> tuple[list[float], float]:
    hold = asyncio.Event()
    times: list[float] = []
    tasks = [asyncio.create_task(session(port, hold, times)) for _ in range(n)]
    deadline = time.monotonic() + 600
    while len(times) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # every session settled
    memory = pss_mib(server_pid)
    hold.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return times, memory


def start(kind: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TUTOR_DATA_DIR": str(folder / "data")}
    if kind == "bare":
        app = folder / "bare_app.py"
        app.write_text(BARE_APP)
        cmd = [sys.executable, "-c", BARE_SERVER, str(port), str(app)]
    else:
        tutor = str(Path(sys.executable).parent / "tutor")
        cmd = [tutor, "serve", "--host", "127.0.0.1", "--port", str(port)] + (
            ["--cold"] if kind == "cold" else []
        )
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    time.sleep(3 if kind == "warm" else 1)  # the warm parent's imports, before the first learner
    return proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--kinds", nargs="+", default=["bare", "warm", "cold"])
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f}")
    for n in args.sessions:
        for kind in args.kinds:
            with tempfile.TemporaryDirectory() as tmp:
                port = free_port()
                proc = start(kind, port, Path(tmp))
                try:
                    idle = pss_mib(proc.pid)
                    times, memory = asyncio.run(run_sessions(port, n, proc.pid))
                    times.sort()
                    p95 = (
                        times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else float("nan")
                    )
                    print(
                        f"{kind:5} {n:3} sessions: first frame p50 {statistics.median(times):.2f} s, "
                        f"p95 {p95:.2f} s; {(memory - idle) / n:.1f} MiB PSS per session "
                        f"({len(times)}/{n} opened)"
                    )
                finally:
                    proc.send_signal(signal.SIGINT)
                    try:
                        proc.wait(20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
