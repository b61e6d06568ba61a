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

from tutor.progress.learners import LEARNER_ENV, check_name

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


def who_page(header: str) -> str:
    """The page a browser gets when the proxy did not say who it is (`--trust-user-header`)."""
    return f"""<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8" /><title>tutor: who are you?</title></head>
  <body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
    <h1>tutor does not know who you are</h1>
    <p>This tutor takes the learner's name from the sign-in in front of it (the
    <code>{html.escape(header)}</code> header), and this request came without a usable one.
    Open tutor through its sign-in page; if you did, ask whoever runs it to check the proxy.</p>
  </body>
</html>
"""


def public_url(text: str) -> str:
    """`--public-url` as textual-serve wants it (no trailing slash), or ValueError saying why."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an http:// or https:// address with a host name")
    if parts.query or parts.fragment or any(c.isspace() or c in "\"'<>" for c in text.strip()):
        raise ValueError(
            f"{text!r} is not a plain address: it has a query, a fragment or characters a page cannot hold"
        )
    return text.strip().rstrip("/")


def trusted_name(request: Any, header: str) -> str | None:
    """The learner the authenticating proxy names in `header`, or None when the request has no
    usable one (missing, repeated, or not a name tutor.progress.learners accepts)."""
    values = request.headers.getall(header, [])
    if len(values) != 1 or check_name(values[0]) is not None:
        return None
    name: str = values[0].strip()
    return name


def limited(server_class: Any) -> Any:
    """textual-serve's Server, refusing a session past `max_sessions`, and, with
    `trust_user_header` set, refusing a request without that header and handing the learner it
    names to the session (in LEARNER_ENV)."""

    class LimitedServer(server_class):
        max_sessions = default_max_sessions()
        active = 0  # sessions running (the server is one asyncio loop: no lock needed)
        trust_user_header: str | None = None

        async def handle_index(self, request: Any) -> Any:
            from aiohttp import web

            if self.trust_user_header and trusted_name(request, self.trust_user_header) is None:
                page = who_page(self.trust_user_header)
                return web.Response(status=403, text=page, content_type="text/html")
            if self.active >= self.max_sessions:
                return web.Response(status=503, text=full_page(self.max_sessions), content_type="text/html")
            return await super().handle_index(request)

        async def handle_websocket(self, request: Any) -> Any:
            from aiohttp import WSCloseCode, web

            env: dict[str, str] = {}
            refusal: tuple[int, bytes] | None = None
            if self.trust_user_header:
                name = trusted_name(request, self.trust_user_header)
                if name is None:
                    refusal = (WSCloseCode.POLICY_VIOLATION, b"tutor does not know who you are")
                else:
                    env[LEARNER_ENV] = name
            if refusal is None and self.active >= self.max_sessions:
                # the page was free a moment ago, or no page at all
                refusal = (WSCloseCode.TRY_AGAIN_LATER, b"tutor is full")
            if refusal is not None:
                websocket = web.WebSocketResponse()
                await websocket.prepare(request)
                await websocket.close(code=refusal[0], message=refusal[1])
                return websocket
            self.active += 1
            try:
                if not env:
                    return await super().handle_websocket(request)
                return await self._session_with(request, env)
            finally:
                self.active -= 1

        async def _session_with(self, request: Any, env: dict[str, str]) -> Any:
            # textual-serve's handle_websocket, with `env` added to the session's environment:
            # it passes nothing of a request to the command it starts, and the command is shared.
            import asyncio
            import logging

            from aiohttp import web
            from textual_serve.app_service import AppService
            from textual_serve.server import to_int

            class Service(AppService):
                def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
                    return {**super()._build_environment(width, height), **env}

            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            service: Any = None
            try:
                await websocket.prepare(request)
                make: Any = Service  # textual-serve's own call, as it makes it
                service = make(
                    self.command,
                    write_bytes=websocket.send_bytes,
                    write_str=websocket.send_str,
                    close=websocket.close,
                    download_manager=self.download_manager,
                    debug=self.debug,
                )
                await service.start(width, height)
                try:
                    await self._process_messages(websocket, service)
                finally:
                    await service.stop()
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:
                logging.getLogger("textual-serve").exception(error)
            finally:
                if service is not None:
                    await service.stop()
            return websocket

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
