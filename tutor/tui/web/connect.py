"""One browser connection of `tutor serve`, as textual-serve starts it: hands this process's
stdin, stdout and stderr to tutor's warm parent (`warm.py`), which forks the session, and waits
for the session's exit status.

Run with `python -I -S connect.py SOCKET`: the standard library only, so it starts in a few
milliseconds and holds little memory. When textual-serve kills it, the parent sees the socket
close and ends the session.
"""

import json
import os
import signal
import socket
import sys

# What textual-serve sets for the app, and the learner `tutor serve --trust-user-header` names
# (tutor.progress.learners.LEARNER_ENV; warm.py checks it again).
_PASSED = ("COLUMNS", "ROWS", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "TUTOR_LEARNER")


def main(path: str) -> int:
    # Killed or hung up: exit, which closes the socket, which ends the session.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda *_: os._exit(1))
    env = {k: v for k, v in os.environ.items() if k in _PASSED or k.startswith("TEXTUAL")}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        socket.send_fds(conn, [json.dumps(env).encode("utf-8")], [0, 1, 2])
    except OSError as exc:
        sys.stderr.write(f"tutor: the session could not start (is `tutor serve` running?): {exc}\n")
        return 1
    # The session holds the pipes now; ours are let go, so that textual-serve sees the end of
    # the output when the session ends, not when this process does.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    reply = b""
    try:
        while chunk := conn.recv(16):
            reply += chunk
    except OSError:
        return 1
    try:
        return int(reply or b"1")
    except ValueError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]) if len(sys.argv) == 2 else 2)
