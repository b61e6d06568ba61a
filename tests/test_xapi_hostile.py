"""A hostile or broken LRS on loopback (issue 23, items 2 and 11): credentials never follow a
redirect to another address, a POST never becomes a GET, only 200/204 counts as delivered, a
server that trickles its answer meets an overall deadline, and every failure is a message."""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from tests.test_class_report import ROWS
from tutor.classroom import xapi
from tutor.classroom.xapi import LrsError, send, statements

STATEMENTS = statements([r for rows in ROWS.values() for r in rows][:2])


@contextmanager
def server(handle: Callable[[http.server.BaseHTTPRequestHandler], None]) -> Iterator[tuple[str, list]]:
    """An HTTP server on 127.0.0.1 whose every request is `handle`d; yields its URL and the
    requests it saw (method, path, Authorization header)."""
    seen: list[tuple[str, str, str | None]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            handle(self)

        do_GET = do_POST = do_PUT = _any

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def answer(status: int, headers: dict[str, str] | None = None) -> Callable:
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", "2")
        h.end_headers()
        h.wfile.write(b"[]")

    return handle


def test_a_redirect_to_another_host_gets_no_credentials_and_delivers_nothing(tmp_path):
    with server(answer(200)) as (elsewhere, seen_there):
        for code in (301, 302, 303, 307, 308):
            with server(answer(code, {"Location": elsewhere + "/steal"})) as (lrs, seen):
                state = tmp_path / f"sent-{code}.txt"
                with pytest.raises(LrsError, match="redirect"):
                    send(STATEMENTS, xapi.http_post(lrs, "teacher", "s3cret"), state)
                assert [m for m, _, _ in seen] == ["POST"]
                assert not state.exists() or state.read_text() == ""  # nothing counted as delivered
        assert seen_there == []  # the other host never heard from us, credentials or not


def test_a_redirect_that_turns_the_post_into_a_get_is_an_error_even_on_the_same_host(tmp_path):
    calls = []

    def handle(h):
        calls.append(h.path)
        if h.path.startswith("/xapi/statements"):
            answer(302, {"Location": "/moved/statements"})(h)
        else:
            answer(200)(h)

    with server(handle) as (lrs, seen), pytest.raises(LrsError, match="302"):
        send(STATEMENTS, xapi.http_post(lrs + "/xapi", "k", "s"), tmp_path / "s.txt")
    assert [m for m, _, _ in seen] == ["POST"]


def test_a_redirect_that_keeps_the_origin_and_the_method_is_followed(tmp_path):
    def handle(h):
        if h.path.startswith("/old/"):
            answer(308, {"Location": "/new/statements"})(h)
        else:
            answer(200)(h)

    with server(handle) as (lrs, seen):
        sent = send(STATEMENTS, xapi.http_post(lrs + "/old", "k", "s"), tmp_path / "s.txt")
    assert sent.sent == len(STATEMENTS)
    assert [(m, p) for m, p, _ in seen] == [("POST", "/old/statements"), ("POST", "/new/statements")]
    assert seen[1][2] is not None and seen[1][2].startswith("Basic ")


@pytest.mark.parametrize("status", [201, 202, 203, 206])
def test_only_200_or_204_counts_as_delivered(tmp_path, status):
    state = tmp_path / "s.txt"
    with server(answer(status)) as (lrs, _), pytest.raises(LrsError, match=str(status)):
        send(STATEMENTS, xapi.http_post(lrs, "k", "s"), state)
    assert not state.exists() or state.read_text() == ""
    with server(answer(204)) as (lrs, _):
        assert send(STATEMENTS, xapi.http_post(lrs, "k", "s"), state).sent == len(STATEMENTS)


@contextmanager
def raw_server(serve: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that hands each connection to `serve` (in its own thread)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def loop() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _read_request(conn: socket.socket) -> None:
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk


def test_an_lrs_that_trickles_its_answer_meets_the_deadline(tmp_path):
    # One byte every 0.2 s: each read succeeds within the 30 s timeout, so before the overall
    # deadline the export waited for ever.
    def trickle(conn: socket.socket) -> None:
        with conn:
            _read_request(conn)
            try:
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.2)
            except OSError:
                pass  # the client gave up: what we want

    result: list[BaseException | None] = []

    def run() -> None:
        try:
            send(STATEMENTS, xapi.http_post(url, "k", "s", deadline=1.0), tmp_path / "s.txt")
            result.append(None)
        except BaseException as exc:
            result.append(exc)

    with raw_server(trickle) as url:
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(60)  # generous: the deadline is 1 s; without one this never ends
        assert not worker.is_alive(), "the post was still waiting on a trickling LRS after 60 s"
    assert isinstance(result[0], LrsError)
    assert "did not answer within 1 s" in str(result[0])


def test_an_lrs_that_sends_too_many_headers_is_a_message(tmp_path):
    def many(conn: socket.socket) -> None:
        with conn:
            _read_request(conn)
            head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n"
            conn.sendall(head)

    with raw_server(many) as url, pytest.raises(LrsError, match="cannot be reached"):
        send(STATEMENTS, xapi.http_post(url, "k", "s"), tmp_path / "s.txt")


@pytest.mark.parametrize(
    "reply", [b"", b"garbage\r\n\r\n", b"HTTP/1.1 abc\r\n\r\n", b"HTTP/1.1 99999 OK\r\n\r\n"]
)
def test_a_broken_answer_is_a_message_and_the_command_says_it(tmp_path, monkeypatch, reply):
    from tutor.cli import main
    from tutor.progress.store import Attempt, ProgressStore

    def broken(conn: socket.socket) -> None:
        with conn:
            _read_request(conn)
            conn.sendall(reply)

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    store = ProgressStore(tmp_path / "data")
    store.record(Attempt(question="q", verdict="correct", score=1.0, seed=1, answer="2"))
    store.close()
    with raw_server(broken) as url:
        result = CliRunner().invoke(
            main, ["progress", "export", "--format", "xapi", "--lrs", url, "--auth", "k:s"]
        )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "LRS" in result.output


def test_an_lrs_that_trickles_its_answer_over_tls_meets_the_deadline(tmp_path, monkeypatch):
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a certificate")
    key, cert = str(tmp_path / "k.pem"), str(tmp_path / "c.pem")
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip("openssl could not make a certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "c.pem"))  # the client trusts it
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")

    def trickle(conn: socket.socket) -> None:
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                _read_request(tls)  # type: ignore[arg-type]
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                    tls.sendall(bytes([byte]))
                    time.sleep(0.2)
        except OSError:
            pass  # the client gave up

    result: list[BaseException | None] = []

    def run() -> None:
        try:
            xapi.http_post(url.replace("http:", "https:"), "k", "s", deadline=1.0)(STATEMENTS)
            result.append(None)
        except BaseException as exc:
            result.append(exc)

    with raw_server(trickle) as url:
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(60)
        assert not worker.is_alive(), "the post was still waiting on a trickling LRS after 60 s"
    assert isinstance(result[0], LrsError) and "did not answer within 1 s" in str(result[0]), result
