"""Opening a lesson (key press → rendered), reopening it, and the app's memory over reopens.

Run by hand: `.venv/bin/python benchmarks/lesson.py [--cycles 20]`. Drives the real app headless
through Textual's pilot on the built-in course: from the course map, `enter` opens lesson 1 and
the time runs until the lesson screen has mounted every section and painted; `escape` returns.
Memory is the process's resident size (VmRSS) after a lesson and a quiz, and after each further
cycle of opening the lesson and a quiz and leaving both. Targets: open ≤ 250 ms, reopen ≤ 100 ms,
≤ 100 MiB and flat over 20 cycles. Prints the machine's load (1-minute average) beside.

The time runs from the key press to the frame the app sends to the terminal in which every
section of the lesson has been laid out (the app's `_display` is watched), so the pilot's own
polling (it sleeps in steps of 20 ms) is not counted; the pilot's round trip for a key the course
map ignores is printed beside, for scale. The main thread's CPU time until that frame
(`time.thread_time`, the UI's event loop) is printed as well: it moves much less than wall time
with other work on the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from tutor.content.builtin import builtin_course_root
from tutor.progress.store import ProgressStore
from tutor.tui.app import TutorApp


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def until(pilot, condition, tries: int = 5000) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.002)
    raise TimeoutError


def lesson_painted(screen) -> bool:
    """Whether `screen` is a lesson with every section mounted and laid out."""
    if type(screen).__name__ != "LessonScreen":
        return False
    sections = screen.query("SectionView")
    return len(sections) == len(screen.lesson.sections) and all(s.region.height for s in sections)


async def run(cycles: int) -> None:
    with tempfile.TemporaryDirectory() as data:
        app = TutorApp(builtin_course_root(), ProgressStore(Path(data)), warm_up=True)
        painted: list[tuple[float, float]] = []  # (wall, main-thread CPU) of frames showing a lesson
        display = app._display

        def watched(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is not None and not painted and lesson_painted(screen):
                painted.append((time.perf_counter(), time.thread_time()))

        app._display = watched  # type: ignore[method-assign]
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.course is not None)
            await app.workers.wait_for_complete()
            home = app.screen
            await until(pilot, lambda: len(home.query("LessonItem")) > 0)
            await pilot.pause(0.5)
            floor = []
            for _ in range(15):
                start = time.perf_counter()
                await pilot.press("f12")  # no binding: the harness alone
                await pilot.pause()
                floor.append((time.perf_counter() - start) * 1000)
            opens, cpu, seen = [], [], []
            per_cycle: list[float] = []  # memory after each further cycle
            for _ in range(3 + cycles):
                painted.clear()
                start, start_cpu = time.perf_counter(), time.thread_time()
                await pilot.press("enter")
                await until(pilot, lambda: bool(painted))
                await pilot.pause()
                seen.append((time.perf_counter() - start) * 1000)
                screen = app.screen
                opens.append((painted[0][0] - start) * 1000)
                cpu.append((painted[0][1] - start_cpu) * 1000)
                await screen.workers.wait_for_complete()  # formulas printed
                if len(opens) == 1:
                    await pilot.press("t")  # and a quiz, once, from the lesson
                    await until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
                    await app.screen.workers.wait_for_complete()
                    await pilot.press("escape")
                    await until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
                    after_first = rss_mib()
                await pilot.press("escape")
                await until(pilot, lambda: app.screen is home)
                await home.workers.wait_for_complete()
                if len(opens) > 1:
                    app.start_quiz(home.query_one("#lessons").highlighted_child.lesson_id)
                    await until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
                    await app.screen.workers.wait_for_complete()
                    await pilot.press("escape")
                    await until(pilot, lambda: app.screen is home)
                    await home.workers.wait_for_complete()
                    per_cycle.append(rss_mib())
            rss = [after_first, per_cycle[len(per_cycle) // 2], per_cycle[-1]]
    print(f"load (1 min): {os.getloadavg()[0]:.2f}")
    print(f"pilot round trip, ignored key  {statistics.median(floor):7.0f} ms  (not counted below)")
    print(f"open a lesson, first time      {opens[0]:7.0f} ms  (main thread CPU {cpu[0]:.0f} ms)")
    print(
        f"reopen it, median of {len(opens) - 1:<3}       {statistics.median(opens[1:]):7.0f} ms"
        f"  (main thread CPU {statistics.median(cpu[1:]):.0f} ms)"
    )
    print(
        f"as the pilot sees it (press, poll, pause): first {seen[0]:.0f} ms,"
        f" reopen {statistics.median(seen[1:]):.0f} ms"
    )
    print(f"memory after a lesson and a quiz {rss[0]:6.0f} MiB")
    half = (cycles + 2) // 2
    print(f"memory after {half} more cycles      {rss[1]:6.1f} MiB  (+{rss[1] - rss[0]:.1f})")
    last = cycles + 2 - half
    growth = rss[2] - rss[1]
    print(f"memory after {cycles + 2} more cycles      {rss[2]:6.1f} MiB  ({growth:+.1f} in the last {last})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.cycles))


if __name__ == "__main__":
    main()
