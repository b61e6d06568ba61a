"""How long `tutor report` takes on a class of 1,000 learners × 1,000 attempts (1 M rows).

`.venv/bin/python benchmarks/class_report.py [--learners 1000] [--attempts 1000] [--runs 3]`
writes the synthetic exports (benchmarks/class_report_data.py) into a temporary folder once,
then times `build_report` on the json and on the csv export, on 2 threads. Reports the best of
RUNS, the budget (10 s), and the ratio to a floor: the time DuckDB needs only to parse the same
file, so the ratio says what the statistics cost on top of reading.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from class_report_data import lessons_map, write

from tutor.classroom.report import _select, build_report


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best_of(runs: int, fn) -> tuple[float, float]:
    """Best wall time and best CPU time (both threads) of RUNS calls; on a shared machine the
    CPU time is the steadier figure."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import duckdb

    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("json", "csv"):
            path = write(Path(folder), args.learners, args.attempts, fmt)

            def floor(path: Path = path, fmt: str = fmt) -> None:
                con = duckdb.connect()
                con.execute("SET threads = 2")
                con.execute(f"CREATE TEMP TABLE t AS {_select(path, fmt)}")

            def report(path: Path = path) -> None:
                build_report([path], lessons_map(), threads=2)

            base, base_cpu = best_of(args.runs, floor)
            took, took_cpu = best_of(args.runs, report)
            rows = args.learners * args.attempts
            print(
                f"{fmt}: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB: report {took:.2f} s wall, "
                f"{took_cpu:.2f} s CPU (budget 10 s); reading alone {base:.2f} s wall, {base_cpu:.2f} s CPU; "
                f"ratio {took / base:.2f} wall, {took_cpu / base_cpu:.2f} CPU; load {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
