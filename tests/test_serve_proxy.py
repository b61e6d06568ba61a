"""`tutor serve` behind a reverse proxy (issue 28, items 2-4): the page points at the public
address, not at `localhost`; with `--trust-user-header` the learner is the user the proxy names
and nobody else; a busy port is one clear line.

The proxy is a real nginx on loopback, configured with the README's own block, reached as
`tutor.test` (resolved to 127.0.0.1 by the client, as a browser elsewhere would resolve it)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tutor.cli import main
from tutor.progress.learners import LEARNER_ENV, learner_folder

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

ROOT = Path(__file__).resolve().parents[1]
TUTOR = [sys.executable, "-m", "tutor"]
HEADER = "X-Remote-User"
USERS = {"ana": "pw-ana", "bob": "pw-bob"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: Any, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout  # generous: a loaded machine starts slowly
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def readme_nginx_block() -> str:
    """The nginx block the README tells people to use, as it stands."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "the README has one nginx example"
    return blocks[0]


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Loopback(aiohttp.abc.AbstractResolver):  # type: ignore[misc]
    """Resolves tutor.test to 127.0.0.1, as a learner's DNS would resolve the public name."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        assert host == "tutor.test", host
        address = {"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET}
        return [{**address, "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


def basic(user: str) -> dict[str, str]:
    """The header a browser sends once `user` has signed in to the proxy."""
    token = base64.b64encode(f"{user}:{USERS[user]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def client() -> Any:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=Loopback()))


@pytest.fixture
def proxied(tmp_path: Path) -> Any:
    """`tutor serve --public-url http://tutor.test:PORT2/ --trust-user-header X-Remote-User`
    behind nginx on PORT2, configured with the README's block."""
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run installs it as root)")
    port, public = free_port(), free_port()
    data = tmp_path / "learners"
    server = subprocess.Popen(
        [
            *TUTOR,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data),
            "--public-url",
            f"http://tutor.test:{public}/",
            "--trust-user-header",
            HEADER,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = None
    try:
        assert wait_until(lambda: listening(port)), "tutor serve did not start"
        folder = tmp_path / "nginx"
        folder.mkdir()
        (folder / "htpasswd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in USERS.items()))
        block = readme_nginx_block()
        assert "127.0.0.1:8000" in block and "/etc/nginx/tutor.htpasswd" in block
        block = block.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        block = block.replace("/etc/nginx/tutor.htpasswd", str(folder / "htpasswd"))
        temps = "".join(
            f"{k}_temp_path {folder}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""  # its workers read files under tmp_path
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
            f"events {{}}\nhttp {{\naccess_log off;\n{temps}"
            f"server {{\nlisten 127.0.0.1:{public};\nserver_name tutor.test;\n{block}}}\n}}\n"
        )
        proxy = subprocess.Popen(
            [
                nginx,
                "-p",
                str(folder),
                "-e",
                str(folder / "error.log"),
                "-c",
                str(folder / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if (
            not wait_until(lambda: listening(public) or proxy.poll() is not None, 30)
            or proxy.poll() is not None
        ):
            pytest.fail(f"nginx did not start: {proxy.stderr.read().decode() if proxy.stderr else ''}")
        yield public, port, data
    finally:
        if proxy is not None:
            stop(proxy)
        stop(server)


async def read_until(ws: Any, wanted: bytes, timeout: float = 120.0) -> bytes:
    """What the session sends until `wanted` is in it (or the socket closes, or time is up)."""
    seen = b""

    async def loop() -> None:
        nonlocal seen
        async for message in ws:
            seen += message.data if isinstance(message.data, bytes) else str(message.data).encode()
            if wanted in seen:
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(loop(), timeout)
    return seen


def test_the_page_behind_the_proxy_loads_from_and_connects_to_the_public_url(proxied: Any) -> None:
    public, port, _ = proxied
    site = f"http://tutor.test:{public}"

    async def scenario() -> None:
        async with client() as http:
            async with http.get(site + "/") as page:
                assert page.status == 401  # the proxy asks who you are first
            auth = basic("ana")
            async with http.get(site + "/", headers=auth) as page:
                assert page.status == 200
                html = await page.text()
            urls = re.findall(r'(?:src|href)="([^"]+)"|url\("([^"]+)"\)', html)
            urls = [a or b for a, b in urls]
            assert len(urls) >= 4, html
            assert "localhost" not in html and f":{port}/" not in html
            for url in urls:
                assert url.startswith(f"{site}/static/"), url
            (websocket,) = re.findall(r'data-session-websocket-url="([^"]+)"', html)
            assert websocket == f"ws://tutor.test:{public}/ws"
            for url in urls:  # each really loads, through the proxy
                async with http.get(url, headers=auth) as asset:
                    assert asset.status == 200, url
            async with http.ws_connect(websocket + "?width=100&height=30", headers=auth) as ws:
                seen = await read_until(ws, b"learning: ana")
            assert b"learning: ana" in seen

    asyncio.run(scenario())


def test_two_users_get_two_records_and_no_client_chooses_another_users_name(proxied: Any) -> None:
    public, port, data = proxied
    site = f"ws://tutor.test:{public}/ws?width=100&height=30"

    async def as_user(user: str, claimed: str) -> bytes:
        async with (
            client() as http,
            # The client says it is someone else: the proxy's header is the one that counts.
            http.ws_connect(site, headers={**basic(user), HEADER: claimed}) as ws,
        ):
            seen = await read_until(ws, f"learning: {user}".encode())
            await ws.send_str('["stdin", "' + claimed + '\\r"]')  # no name prompt to take it either
            await asyncio.sleep(1)
            return seen

    async def scenario() -> None:
        ana, bob = await asyncio.gather(as_user("ana", "bob"), as_user("bob", "ana"))
        assert b"learning: ana" in ana and b"learning: bob" not in ana and b"Who is learning" not in ana
        assert b"learning: bob" in bob and b"learning: ana" not in bob and b"Who is learning" not in bob
        # Straight to tutor, past the proxy, without the header: refused, no session started.
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24") as ws,
        ):
            message = await asyncio.wait_for(ws.receive(), 60)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 1008

    asyncio.run(scenario())
    records = {p.name for p in data.iterdir() if not p.name.startswith(".")}
    assert records == {learner_folder(data, "ana").name, learner_folder(data, "bob").name}


def raw_get(port: int, headers: bytes) -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: tutor.test\r\n" + headers + b"Connection: close\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


@pytest.fixture
def trusting(tmp_path: Path) -> Any:
    """`tutor serve --trust-user-header X-Remote-User` with no proxy: the test is the proxy."""
    port = free_port()
    data = tmp_path / "learners"
    server = subprocess.Popen(
        [
            *TUTOR,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data),
            "--trust-user-header",
            HEADER,
            "--cold",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: listening(port)), "tutor serve did not start"
        yield port, data
    finally:
        stop(server)


HOSTILE = [
    b"",
    b"X-Remote-User: \r\n",
    b"X-Remote-User:    \r\n",
    b"X-Remote-User: !!!\r\n",
    b"X-Remote-User: " + b"a" * 61 + b"\r\n",
    b"X-Remote-User: ana\tbob\r\n",
    b"X-Remote-User: \xff\xfe\r\n",
    b"X-Remote-User: \x1b[2Jana\r\n",
    b"X-Remote-User: ana\r\nX-Remote-User: bob\r\n",  # two: which one? neither
]


def test_a_request_without_a_usable_user_header_is_refused_with_a_page_saying_why(trusting: Any) -> None:
    port, data = trusting
    for headers in HOSTILE:
        status, body = raw_get(port, headers)
        assert status in (400, 403), headers
        if status == 403:  # (400: the HTTP parser itself refused it)
            assert "does not know who you are" in body and HEADER in body, body
    status, body = raw_get(port, b"X-Remote-User: ../../etc\r\n")  # a name, kept inside its folder
    assert status == 200 and "data-session-websocket-url" in body
    status, body = raw_get(port, "X-Remote-User: José Núñez\r\n".encode())  # a proxy's UTF-8 user
    assert status == 200 and "data-session-websocket-url" in body

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            for value in (None, "", "!!!", "a" * 61, "ana\tbob"):
                headers = {} if value is None else {HEADER: value}
                async with http.ws_connect(f"http://127.0.0.1:{port}/ws", headers=headers) as ws:
                    message = await asyncio.wait_for(ws.receive(), 60)
                    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), value
                    assert ws.close_code == 1008, value
            async with http.ws_connect(f"http://127.0.0.1:{port}/ws", headers={HEADER: "../../etc"}) as ws:
                assert b"learning: ../../etc" in await read_until(ws, b"learning: ../../etc")

    asyncio.run(scenario())
    assert not (data.parent / "etc").exists()
    records = [p for p in data.iterdir() if not p.name.startswith(".")]
    assert records == [learner_folder(data, "../../etc")]  # one record, for the one usable name


def test_a_session_told_to_trust_the_server_never_asks_and_never_takes_a_bad_name(tmp_path: Path) -> None:
    from tutor.tui.web.warm import passed_env

    assert passed_env({LEARNER_ENV: "Ana", "COLUMNS": "80"}) == {LEARNER_ENV: "Ana", "COLUMNS": "80"}
    for bad in ("", "!!!", "a" * 61, "a\x1bb", "\udcff"):
        assert LEARNER_ENV not in passed_env({LEARNER_ENV: bad})
    env = {k: v for k, v in os.environ.items() if k != LEARNER_ENV}
    for bad in (None, "", "!!!"):
        result = subprocess.run(
            [*TUTOR, "served-session", "--learners", str(tmp_path), "--trusted-learner"],
            env=env if bad is None else {**env, LEARNER_ENV: bad},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result
        assert "no learner's name" in result.stderr
        assert list(tmp_path.iterdir()) == []


def test_serve_on_a_busy_port_says_so_and_which_option_changes_it(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for host in ("127.0.0.1", "localhost"):
            result = subprocess.run(
                [*TUTOR, "serve", "--host", host, "--port", str(port), "--data-dir", str(tmp_path)],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 1
            assert "Traceback" not in result.stderr + result.stdout
            assert f"port {port} on {host} is in use" in result.stderr and "--port" in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "url", ["tutor.example.org", "ftp://tutor.example.org/", "http://", "http://x/?a=1", 'http://x/"><b>']
)
def test_a_public_url_that_is_not_one_is_refused_before_serving(url: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--public-url", url])
    assert result.exit_code == 2
    assert "--public-url" in result.output and "is not" in result.output  # says what is wrong


def test_a_user_header_name_that_is_not_one_is_refused_before_serving() -> None:
    result = CliRunner().invoke(main, ["serve", "--trust-user-header", "X Remote:User"])
    assert result.exit_code == 2
    assert "--trust-user-header" in result.output and "is not a header name" in result.output


def find_chromium() -> str | None:
    return next(
        (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None
    )


def test_a_browser_elsewhere_leaves_the_splash_screen_through_the_proxy(proxied: Any, tmp_path: Path) -> None:
    """Headless Chromium, resolving tutor.test to loopback, signed in as ana: the page's terminal
    receives the app (textual.js marks the body `-first-byte`, which hides the splash screen)."""
    browser = find_chromium()
    if browser is None:
        pytest.skip("no Chromium here (optional: apt-get install chromium)")
    public, _, data = proxied
    debug = free_port()
    chrome = subprocess.Popen(
        [browser, "--headless=new", "--disable-gpu", "--host-resolver-rules=MAP tutor.test 127.0.0.1"]
        + [f"--remote-debugging-port={debug}", f"--user-data-dir={tmp_path / 'profile'}", "about:blank"]
        + (["--no-sandbox"] if os.geteuid() == 0 else []),  # Chromium's own sandbox refuses root
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    async def scenario() -> str:
        async with aiohttp.ClientSession() as http:
            pages: list[dict[str, Any]] = []
            for _ in range(600):  # bounded: up to two minutes for the browser to start
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{debug}/json/list") as reply:
                        pages = [p for p in await reply.json() if p.get("type") == "page"]
                if pages:
                    break
                await asyncio.sleep(0.2)
            assert pages, "Chromium did not start"
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as devtools:
                calls = 0

                async def call(method: str, **params: Any) -> dict[str, Any]:
                    nonlocal calls
                    calls += 1
                    await devtools.send_json({"id": calls, "method": method, "params": params})
                    async for message in devtools:
                        answer: dict[str, Any] = message.json()
                        if answer.get("id") == calls:
                            return answer
                    raise AssertionError("Chromium closed its DevTools socket")

                await call("Network.enable")
                await call("Network.setExtraHTTPHeaders", headers=basic("ana"))
                await call("Page.navigate", url=f"http://tutor.test:{public}/")
                classes = ""
                for _ in range(600):
                    found = await call(
                        "Runtime.evaluate", expression="document.body && document.body.className"
                    )
                    classes = str(found.get("result", {}).get("result", {}).get("value") or "")
                    if "-first-byte" in classes:
                        break
                    await asyncio.sleep(0.2)
                return classes

    try:
        classes = asyncio.run(scenario())
    finally:
        stop(chrome)
    assert "-first-byte" in classes  # the app's screen replaced the splash
    assert learner_folder(data, "ana").is_dir()
