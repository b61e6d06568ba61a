"""What a run sends on its result pipe is capped where it is parsed, not only where it is read:
an answer that escapes the source screen can write frames of its own, and a frame of small
numbers is a few bytes each on the wire but tens of bytes each once parsed."""

from __future__ import annotations

import os
import threading
import tracemalloc
from typing import Any

from tutor.grading import sandbox
from tutor.grading._code_runner import FRAME_HEADER


class _FakeRun:
    """A run that has ended but for its result pipe (what `_collect` reads from a real one)."""

    def __init__(self) -> None:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        os.close(out_w)
        os.close(err_w)
        self.stdout, self.stderr = out_r, err_r
        self.killed = False

    def kill(self) -> None:
        self.killed = True

    def wait(self, timeout: float) -> int:
        return 0

    def close(self) -> None:
        os.close(self.stdout)
        os.close(self.stderr)


def _collect(frames: list[bytes], cases: int) -> tuple[sandbox.Outcome, int, _FakeRun]:
    """Feed `frames` through the result pipe; the outcome and the peak of memory parsing took."""
    results_r, results_w = os.pipe()

    def write() -> None:
        try:
            for body in frames:
                os.write(results_w, FRAME_HEADER.pack(len(body)) + body)
        except OSError:  # the reader stopped reading: as a killed run's pipe
            pass
        finally:
            os.close(results_w)

    writer = threading.Thread(target=write)
    run = _FakeRun()
    outcome = sandbox.Outcome()
    tracemalloc.start()
    try:
        writer.start()
        sandbox._collect(run, results_r, 60.0, outcome, cases)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        writer.join()
    return outcome, peak, run


def _numbers_frame(size: int) -> bytes:
    head, tail = b'{"event":"out","case":0,"value":{"t":"x","v":[', b"0.0]}}"
    return head + b"0.0," * ((size - len(head) - len(tail)) // 4) + tail


def test_frames_of_small_numbers_are_refused_before_they_are_parsed() -> None:
    # 2 MB frames of `0.0,`: each 16 MB once parsed; eight fit under the read cap of 4 cases
    frames = [_numbers_frame(sandbox.MAX_FRAME - 64) for _ in range(8)]
    outcome, peak, run = _collect(frames, cases=4)
    assert outcome.protocol_error is not None and run.killed
    assert outcome.frames == []
    # what was read (a frame or two of the pipe) and one frame's parse at most, never eight
    assert peak < 3 * sandbox.MAX_FRAME + (1 << 20), f"parsing took {peak / 2**20:.0f} MiB"


def test_what_is_parsed_is_counted_against_the_cap(monkeypatch: Any) -> None:
    # Were the per-frame caps looser, what the frames hold once parsed still stops the run.
    monkeypatch.setattr(sandbox, "MAX_ITEMS", 10**9, raising=False)
    monkeypatch.setattr(sandbox, "MAX_CONTAINERS", 10**9)
    frames = [_numbers_frame(sandbox.MAX_FRAME - 64) for _ in range(8)]
    outcome, _, run = _collect(frames, cases=4)
    assert outcome.too_large and run.killed
    assert len(outcome.frames) < 2


def test_an_honest_run_is_read_whole() -> None:
    frames = [b'{"event":"start","seccomp":true,"uid":65534}']
    frames += [b'{"event":"out","case":%d,"value":{"t":"float","v":0.5}}' % i for i in range(4)]
    frames += [b'{"event":"done"}']
    outcome, _, run = _collect(frames, cases=4)
    assert outcome.protocol_error is None and not run.killed
    assert [f["event"] for f in outcome.frames] == ["start", "out", "out", "out", "out", "done"]
    assert sorted(outcome.by_case("out")) == [0, 1, 2, 3]
