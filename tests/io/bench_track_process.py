"""Cost of the /proc scan behind track_processes, at about 1 000 processes.

Run as root or not: `python tests/io/bench_track_process.py [N]` (default 1000 extra
processes). Prints wall and CPU time per scan, by name only and with command lines (cold:
every command line read; warm: the steady state, command lines cached), and the CPU share
of a default 1 s scan interval. Numbers, no asserts: the decision it backs is documented in
vrrpd/io/track_process.py.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from vrrpd.io.track_process import ProcScanner


def measure(scan, rounds: int = 30) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.thread_time()
        scan()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
    return statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3


def main() -> None:
    extra = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    children = [subprocess.Popen(["sleep", str(600 + i)]) for i in range(extra)]
    try:
        total = len([n for n in os.listdir("/proc") if n.isdigit()])
        print(f"processes: {total}")
        by_name = ProcScanner()
        wall, cpu = measure(lambda: by_name.scan(want_argv=False))
        print(f"by name          wall {wall:6.2f} ms  cpu {cpu:6.2f} ms  ({cpu / 10:.2f} % at 1 s)")
        cold = lambda: ProcScanner().scan(want_argv=True)  # noqa: E731
        wall, cpu = measure(cold)
        print(f"cmdline, cold    wall {wall:6.2f} ms  cpu {cpu:6.2f} ms")
        warm = ProcScanner()
        warm.scan(want_argv=True)
        wall, cpu = measure(lambda: warm.scan(want_argv=True))
        print(f"cmdline, warm    wall {wall:6.2f} ms  cpu {cpu:6.2f} ms  ({cpu / 10:.2f} % at 1 s)")
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()


if __name__ == "__main__":
    main()
