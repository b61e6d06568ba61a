"""xAPI 1.0.3 statements from attempt rows, back to rows, and posting them to a Learning Record Store.

Each attempt is one `answered` statement; each quiz a learner went through to its end gets one
`completed` statement with the score tutor showed (a quiz left midway gets none). Statement ids
are UUIDs derived from the attempt ids (name-based, v5), so exporting twice gives the same
statements and an LRS never stores one twice.

Posting goes in batches; the ids an LRS accepted are appended to a state file as each batch
succeeds, so a run that fails midway resumes where it stopped. A batch the LRS refuses with 409
(some of its ids are stored already, as after a crash between the LRS's answer and our note of
it) is sent again one statement at a time, and a 409 for one statement means it is there.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import math
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tutor.classroom.rows import RowError

VERSION = "1.0.3"
_NAMESPACE = uuid.UUID("8e4f3a51-2f44-4c7b-9d0c-6a1e2b3c4d5e")
VERB_ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
COURSE = "http://adlnet.gov/expapi/activities/course"
EXT = "https://w3id.org/xapi/tutor/extensions/"  # our extension keys: seed, notes, hints, …


def iri_base_problem(base: str) -> str | None:
    """Why `base` cannot be the course's IRI (every statement's activity ids start with it), or
    None. An LRS refuses an activity id that is not an absolute IRI: `school.example/ml` has no
    scheme, so every statement would fail."""
    if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+(/[^\s]*)?", base):
        return (
            f"`{base}` is not an absolute IRI: write it with its scheme and host, "
            f"e.g. https://{base.split('://')[-1].lstrip('/') or 'school.example/ml'}"
        )
    return None


def course_iri(course_id: str, base: str | None = None) -> str:
    """The course's IRI: `base` (or the course id itself, if it is an IRI) else a URN."""
    if base:
        return base.rstrip("/")
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", course_id) and "://" in course_id:
        return course_id.rstrip("/")
    return f"urn:tutor:course:{quote(course_id, safe='-._~')}"


def _duration(seconds: float | None) -> str | None:
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return f"PT{round(seconds, 2):g}S"


def _agent(learner: str, home: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": learner, "account": {"homePage": home, "name": learner}}


def _home(iri: str) -> str:
    # An account's homePage must be an IRL (a URL): the course's, or ours for a URN course.
    return iri if "://" in iri else "https://w3id.org/xapi/tutor"


def statement_id(attempt_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, attempt_id))


def statements(
    rows: Iterable[dict[str, Any]],
    base: str | None = None,
    finished: Iterable[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The statements for `rows`: one `answered` per attempt row, and one `completed` per quiz
    the learner went through to its end (`finished`: `progress.export.finished_rows`), with the
    score tutor showed then. A quiz left midway gets none: it was not completed."""
    out: list[dict[str, Any]] = []
    for row in rows:
        iri = course_iri(row["course_id"], base)
        qiri = f"{iri}/question/{quote(row['question_id'], safe='-._~')}"
        result: dict[str, Any] = {
            "score": {"scaled": row["score"], "raw": row["score"], "min": 0, "max": 1},
            "success": row["verdict"] == "correct",
            "completion": row["verdict"] != "invalid",
            "response": row["answer"],
            "extensions": {
                EXT + "seed": row["seed"],
                EXT + "notes": list(row["notes"]),
                EXT + "hints-used": row["hints_used"],
                EXT + "solution-seen": row["solution_seen"],
                EXT + "verdict": row["verdict"],
            },
        }
        if (duration := _duration(row["seconds"])) is not None:
            result["duration"] = duration
        context: dict[str, Any] = {
            "platform": "tutor",
            "contextActivities": {"grouping": [{"id": iri, "objectType": "Activity"}]},
            "extensions": {
                EXT + "course-version": row["course_version"],
                EXT + "attempt-id": row["attempt_id"],
            },
        }
        if row["quiz_id"]:
            quiz = f"{iri}/quiz/{quote(row['quiz_id'], safe='-._~')}"
            context["contextActivities"]["parent"] = [{"id": quiz, "objectType": "Activity"}]
        out.append(
            {
                "id": statement_id(row["attempt_id"]),
                "actor": _agent(row["learner"], _home(iri)),
                "verb": {"id": VERB_ANSWERED, "display": {"en-US": "answered"}},
                "object": {
                    "objectType": "Activity",
                    "id": qiri,
                    "definition": {"type": INTERACTION, "name": {"en-US": row["question_id"]}},
                },
                "result": result,
                "context": context,
                "timestamp": row["time"],
            }
        )
    for done in finished:
        iri = course_iri(done["course_id"], base)
        quiz_id = done["quiz_id"]
        score = round(float(done["score"]), 6)
        outcome: dict[str, Any] = {
            "score": {"scaled": score, "raw": score, "min": 0, "max": 1},
            "success": done["correct"] == done["total"],
            "completion": True,
            "extensions": {EXT + "questions": done["total"], EXT + "correct": done["correct"]},
        }
        if (duration := _duration(done["seconds"])) is not None:
            outcome["duration"] = duration
        out.append(
            {
                "id": statement_id(f"completed\x1f{done['learner']}\x1f{iri}\x1f{quiz_id}\x1f{done['time']}"),
                "actor": _agent(done["learner"], _home(iri)),
                "verb": {"id": VERB_COMPLETED, "display": {"en-US": "completed"}},
                "object": {
                    "objectType": "Activity",
                    "id": f"{iri}/quiz/{quote(quiz_id, safe='-._~')}",
                    "definition": {"type": ASSESSMENT, "name": {"en-US": quiz_id}},
                },
                "result": outcome,
                "context": {
                    "platform": "tutor",
                    "contextActivities": {"grouping": [{"id": iri, "objectType": "Activity"}]},
                },
                "timestamp": done["time"],
            }
        )
    return out


def rows_from_statements(data: Any, where: str = "statements") -> list[dict[str, Any]]:
    """Attempt rows back from `answered` statements (ours, or any that carry the same result);
    `completed` and other verbs are skipped."""
    from tutor.classroom.rows import check_row

    if isinstance(data, dict) and isinstance(data.get("statements"), list):
        data = data["statements"]  # an LRS's answer to GET /statements
    if not isinstance(data, list):
        raise RowError(f"{where}: not a list of xAPI statements")
    rows = []
    for n, st in enumerate(data, start=1):
        try:
            if st["verb"]["id"] != VERB_ANSWERED:
                continue
            result = st.get("result", {})
            ext = result.get("extensions", {})
            cext = st.get("context", {}).get("extensions", {})
            parents = st.get("context", {}).get("contextActivities", {}).get("parent", [])
            grouping = st.get("context", {}).get("contextActivities", {}).get("grouping", [])
            actor = st["actor"]
            learner = actor.get("name") or actor.get("account", {}).get("name") or actor.get("mbox", "")
            object_id = st["object"]["id"]
            row = {
                "attempt_id": cext.get(EXT + "attempt-id", st.get("id", "")),
                "learner": learner,
                "course_id": grouping[0]["id"] if grouping else "",
                "course_version": cext.get(EXT + "course-version", ""),
                "question_id": object_id.rsplit("/question/", 1)[-1],
                "quiz_id": parents[0]["id"].rsplit("/quiz/", 1)[-1] if parents else None,
                "seed": ext.get(EXT + "seed", 0),
                "answer": result.get("response", ""),
                "verdict": ext.get(EXT + "verdict", "correct" if result.get("success") else "incorrect"),
                "score": result.get("score", {}).get("scaled", 0.0),
                "notes": ext.get(EXT + "notes", []),
                "hints_used": ext.get(EXT + "hints-used", 0),
                "solution_seen": ext.get(EXT + "solution-seen", False),
                "seconds": _seconds(result.get("duration")),
                "time": st.get("timestamp", ""),
            }
        except (KeyError, TypeError, AttributeError, IndexError):
            raise RowError(f"{where}: statement {n} is not an xAPI statement") from None
        rows.append(check_row(row, f"{where}: statement {n}"))
    return rows


def _seconds(duration: Any) -> float | None:
    if not isinstance(duration, str):
        return None
    m = re.fullmatch(r"PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?", duration)
    if not m:
        return None
    h, mi, s = (float(x) if x else 0.0 for x in m.groups())
    return h * 3600 + mi * 60 + s


# ---------------------------------------------------------------------------------------- posting


class LrsError(Exception):
    """The LRS refused or could not be reached; what was sent before is kept in the state file."""


@dataclass
class Sent:
    sent: int = 0  # statements the LRS stored in this run
    already: int = 0  # statements skipped: in the state file, or the LRS had them
    batches: int = 0
    problems: list[str] = field(default_factory=list)


Post = Callable[[list[dict[str, Any]]], int]  # sends one batch, returns the HTTP status

DEADLINE = 120.0  # seconds one request may take in all, however slowly the LRS trickles its answer
MAX_REDIRECTS = 5
STATE_BYTES = 1 << 30  # the ids sent: 37 bytes a statement
DELIVERED = (200, 204)  # what xAPI answers a POST of statements it stored; 409: some were there


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib turns a redirected POST into a GET to the new address and sends the credentials
    # along; we follow nothing ourselves and decide in `http_post` (issue 23).
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Watch:
    """The sockets of one request, shut when its deadline passes (a timeout is per read)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.socks: list[socket.socket] = []
        self.expired = False

    def add(self, sock: socket.socket) -> socket.socket:
        with self.lock:
            self.socks.append(sock)
            if self.expired:
                self._shut(sock)
        return sock

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.socks:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _opener(watch: _Watch) -> urllib.request.OpenerDirector:
    def watched(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Connection(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                create: Any = self._create_connection  # type: ignore[has-type]
                # The plain socket, watched from the start (a TLS handshake can trickle too)...
                self._create_connection = lambda *a, **k: watch.add(create(*a, **k))

            def connect(self) -> None:
                super().connect()
                watch.add(self.sock)  # ...and the TLS socket that takes it over

        return Connection

    plain, secure = watched(http.client.HTTPConnection), watched(http.client.HTTPSConnection)

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(plain, req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(secure, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(Http, Https, _NoRedirects)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def http_post(url: str, key: str, secret: str, timeout: float = 30.0, deadline: float = DEADLINE) -> Post:
    """A function that POSTs a batch to `url`'s statements resource with basic auth.

    Only 200 or 204 counts as delivered (409: some statements were there already); anything
    else, a network error, or no whole answer within `deadline` seconds is an LrsError. A
    redirect is followed only when it keeps the origin (scheme, host, port) and the method
    (307, 308): the credentials never go to another address, and a POST never becomes a GET."""
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/statements"):
        endpoint += "/statements"
    token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")

    def post(batch: list[dict[str, Any]]) -> int:
        data = json.dumps(batch).encode("utf-8")
        watch = _Watch()
        timer = threading.Timer(deadline, watch.expire)
        timer.daemon = True
        timer.start()
        try:
            return _post(endpoint, data, token, min(timeout, deadline), watch)
        except LrsError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if watch.expired:
                raise LrsError(f"the LRS at {endpoint} did not answer within {deadline:g} s") from None
            reason = getattr(exc, "reason", None) or exc or type(exc).__name__
            raise LrsError(f"the LRS at {endpoint} cannot be reached: {reason}") from None
        finally:
            timer.cancel()

    return post


def _post(endpoint: str, data: bytes, token: str, timeout: float, watch: _Watch) -> int:
    opener = _opener(watch)
    target = endpoint
    for _ in range(MAX_REDIRECTS + 1):
        request = urllib.request.Request(
            target,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {token}",
                "X-Experience-API-Version": VERSION,
                "Content-Type": "application/json",
            },
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code == 409:
                    return 409
                if 300 <= exc.code < 400:
                    location = urllib.parse.urljoin(target, exc.headers.get("Location") or "")
                    if exc.code not in (307, 308):
                        raise LrsError(
                            f"the LRS answered {exc.code} {exc.reason}, a redirect to {location} that "
                            "would turn the POST into a GET; give --lrs the address it redirects to"
                        ) from None
                    if _origin(location) != _origin(endpoint):
                        raise LrsError(
                            f"the LRS redirected to {location}, another address: tutor does not send "
                            "the credentials there; give --lrs that address if you trust it"
                        ) from None
                    target = location
                    continue
                body = exc.read(500).decode("utf-8", "replace")
                raise LrsError(f"the LRS answered {exc.code} {exc.reason}: {body}") from None
        if status not in DELIVERED:
            raise LrsError(
                f"the LRS answered {status}, not 200 or 204: the statements are not known to be stored"
            )
        return status
    raise LrsError(f"the LRS redirected more than {MAX_REDIRECTS} times")


def _read_state(path: Path | None) -> set[str]:
    if path is None:
        return set()
    from tutor.content.files import read_capped

    try:
        text = read_capped(path, STATE_BYTES).decode("utf-8")
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        raise LrsError(f"the state file {path} cannot be read: {exc}") from None
    return {line.strip() for line in text.splitlines() if line.strip()}


def _note_sent(path: Path | None, ids: Sequence[str]) -> None:
    if path is None or not ids:
        return
    import os

    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(f"{i}\n" for i in ids))
        f.flush()
        os.fsync(f.fileno())


def send(statements_: Sequence[dict[str, Any]], post: Post, state: Path | None, batch: int = 100) -> Sent:
    """Post what the state file does not list yet, `batch` at a time; LrsError on a failure
    (after which a new call resumes)."""
    done = _read_state(state)
    out = Sent()
    todo = [s for s in statements_ if s["id"] not in done]
    out.already = len(statements_) - len(todo)
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        status = post(chunk)
        out.batches += 1
        if status == 409:
            for one in chunk:
                if post([one]) == 409:
                    out.already += 1
                else:
                    out.sent += 1
                _note_sent(state, [one["id"]])
            continue
        if status not in DELIVERED:
            raise LrsError(f"the LRS answered {status}, not 200 or 204")
        out.sent += len(chunk)
        _note_sent(state, [s["id"] for s in chunk])
    return out
