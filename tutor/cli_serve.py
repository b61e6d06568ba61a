"""`tutor serve`'s limits: at most so many sessions at once, and a memory cap on each.

Every browser connection starts an app of its own (a process, its SymPy worker, its sandbox's
warm parent): 20 connections once took 3.2 GB. A connection past the maximum gets a page that
says so (HTTP 503) instead of an app, and each session process gets an address-space limit
(RLIMIT_AS, inherited by its workers), so one session cannot take the machine's memory.
"""

from __future__ import annotations

import html
import os
from typing import Any

SESSION_BUDGET_MB = 400  # what one learner's session is planned at (about 160 MB measured, with room)
SESSION_MEMORY_MB = 2048  # each session process's address space (numpy and SymPy reserve more than they use)
MAX_SESSIONS_CAP = 200


def machine_memory_mb() -> int | None:
    """The machine's memory in MB, or None where it cannot be told."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") >> 20
    except (AttributeError, ValueError, OSError):
        return None


def default_max_sessions() -> int:
    """Three quarters of the machine's memory at SESSION_BUDGET_MB a session (1 to 200)."""
    memory = machine_memory_mb()
    if memory is None:
        return 10
    return max(1, min(MAX_SESSIONS_CAP, memory * 3 // 4 // SESSION_BUDGET_MB))


def full_page(limit: int) -> str:
    """The page a browser gets when every session is in use."""
    sessions = "session is" if limit == 1 else "sessions are"
    return f"""<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8" /><title>tutor is full</title></head>
  <body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
    <h1>tutor is full</h1>
    <p>All {html.escape(str(limit))} {sessions} in use. Try again in a few minutes: a place is
    free as soon as someone closes their page.</p>
  </body>
</html>
"""


def limited(server_class: Any) -> Any:
    """textual-serve's Server, refusing a session past `max_sessions`."""

    class LimitedServer(server_class):
        max_sessions = default_max_sessions()
        active = 0  # sessions running (the server is one asyncio loop: no lock needed)

        async def handle_index(self, request: Any) -> Any:
            from aiohttp import web

            if self.active >= self.max_sessions:
                return web.Response(status=503, text=full_page(self.max_sessions), content_type="text/html")
            return await super().handle_index(request)

        async def handle_websocket(self, request: Any) -> Any:
            from aiohttp import WSCloseCode, web

            if self.active >= self.max_sessions:  # the page was free a moment ago, or no page at all
                websocket = web.WebSocketResponse()
                await websocket.prepare(request)
                await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"tutor is full")
                return websocket
            self.active += 1
            try:
                return await super().handle_websocket(request)
            finally:
                self.active -= 1

    return LimitedServer


def cap_memory(megabytes: int) -> None:
    """Limit this process's address space (and its children's) to `megabytes`."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    limit = megabytes << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
