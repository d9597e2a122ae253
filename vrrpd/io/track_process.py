"""Tracked processes at run time: a periodic scan of /proc, counted against each
`[track_processes.NAME]` (vrrpd.protocol.process_match decides matches and quorums).

Why a scan and not the netlink proc connector (what keepalived uses): the connector only
answers in the initial network namespace (a socket opened in any other one gets
ECONNREFUSED on subscribing, checked on kernel 6.18), and vrrpd is run in network namespaces
(containers, the lab); it also needs CAP_NET_ADMIN over the initial user namespace. The scan
reads /proc/PID/comm of every process (cheaper than stat: 7.7 vs 11.9 ms per 1 000), the
state in /proc/PID/stat only of the processes that match (zombies do not count), and
/proc/PID/cmdline only when some tracker matches command lines and only for a process that
is new or renamed since the last scan (cmdline reads the process's memory, which may be
swapped out). At about 1 000 processes a scan costs ~8-15 ms of CPU (under 1.5 % of a core
at the default 1 s interval), more than the loop may block, so it runs in a worker thread
with the matching; tests/io/bench_track_process.py measures it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vrrpd import log
from vrrpd.io.background import BackgroundTask
from vrrpd.protocol.process_match import ParamMatch, ProcessPattern, Quorum

SCAN_INTERVAL = 1.0
MAX_CMDLINE = 64 * 1024  # bytes of a command line read (more is cut)
StateCallback = Callable[[str, bool], None]  # (track process name, quorum held)


@dataclass(frozen=True, slots=True)
class ProcessSeen:
    pid: int
    comm: str
    argv: tuple[str, ...] | None  # None: not read (no tracker matches command lines)


class ProcScanner:
    """Lists the running processes by name (/proc/PID/comm, the cheapest file to read);
    keeps the command lines it has read, by pid, so each is read once (again only when the
    process's name changed, as an exec does)."""

    def __init__(self, root: str = "/proc") -> None:
        self.root = root
        self._argv: dict[int, tuple[str, tuple[str, ...]]] = {}  # pid -> (comm, argv)

    def scan(self, want_argv: bool) -> list[ProcessSeen]:
        seen: list[ProcessSeen] = []
        alive: set[int] = set()
        try:
            entries = os.listdir(self.root)
        except OSError:
            return seen
        for name in entries:
            if not name.isdigit():
                continue
            data = _read(f"{self.root}/{name}/comm", 64)
            if data is None:
                continue  # gone meanwhile
            comm = data.rstrip(b"\n").decode(errors="surrogateescape")
            pid = int(name)
            argv = None
            if want_argv:
                alive.add(pid)
                cached = self._argv.get(pid)
                if cached is not None and cached[0] == comm:
                    argv = cached[1]
                else:
                    argv = self._cmdline(name)
                    if argv is None:
                        continue
                    self._argv[pid] = (comm, argv)
            seen.append(ProcessSeen(pid, comm, argv))
        if want_argv:
            for pid in self._argv.keys() - alive:
                del self._argv[pid]
        return seen

    def running(self, pids: Iterable[int]) -> set[int]:
        """Those of `pids` that still run: not gone, not a zombie (killed but not reaped,
        which keepalived does not count either). Read for matching processes only."""
        found = set()
        for pid in pids:
            data = _read(f"{self.root}/{pid}/stat", 1024)
            end = -1 if data is None else data.rfind(b")")
            if data is not None and end >= 0 and data[end + 2 : end + 3] not in (b"Z", b"X"):
                found.add(pid)
        return found

    def _cmdline(self, pid: str) -> tuple[str, ...] | None:
        data = _read(f"{self.root}/{pid}/cmdline", MAX_CMDLINE)
        if data is None:
            return None
        if data.endswith(b"\0"):
            data = data[:-1]
        return tuple(part.decode(errors="surrogateescape") for part in data.split(b"\0"))


def _read(path: str, limit: int) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)


@dataclass
class _Tracked:
    cfg: Any  # vrrpd.config.model.TrackProcessConfig
    pattern: ProcessPattern
    quorum: Quorum


class ProcessWatcher(BackgroundTask):
    """Scans every `interval` while any process is tracked; reports quorum changes."""

    def __init__(
        self,
        on_change: StateCallback,
        *,
        interval: float = SCAN_INTERVAL,
        scanner: ProcScanner | None = None,
    ) -> None:
        self.on_change = on_change
        self.interval = interval
        self.scanner = scanner or ProcScanner()
        self.scans = 0
        self.last_scan_ms = 0.0
        self._tracked: dict[str, _Tracked] = {}
        self._lock = asyncio.Lock()
        self._task_name = "track-procs"
        self._wake = asyncio.Event()
        self._log = log.get()

    # -- what is tracked --------------------------------------------------------------------

    def tracks(self, name: str) -> bool:
        return name in self._tracked

    def state(self, name: str) -> bool | None:
        tracked = self._tracked.get(name)
        return None if tracked is None else tracked.quorum.state

    def set_processes(self, configs: Iterable[Any]) -> None:
        """Track exactly `configs` (TrackProcessConfig); a changed one starts over (state
        unknown until the next scan), an unchanged one keeps its state."""
        wanted = {cfg.name: cfg for cfg in configs}
        for name in list(self._tracked):
            if wanted.get(name) != self._tracked[name].cfg:
                del self._tracked[name]
        for name, cfg in wanted.items():
            if name not in self._tracked:
                pattern = ProcessPattern(
                    tuple(cfg.process), ParamMatch(cfg.param_match), cfg.full_command
                )
                quorum = Quorum(
                    cfg.quorum,
                    cfg.quorum_max,
                    fork_delay=cfg.fork_delay,
                    terminate_delay=cfg.terminate_delay,
                )
                self._tracked[name] = _Tracked(cfg, pattern, quorum)
        self._wake.set()

    # -- scanning ---------------------------------------------------------------------------

    async def scan(self) -> None:
        """Scan now (in a worker thread) and feed every quorum its count."""
        async with self._lock:
            if not self._tracked:
                return
            patterns = {name: t.pattern for name, t in self._tracked.items()}
            started = time.perf_counter()
            counts = await asyncio.to_thread(self._count, patterns)
            self.last_scan_ms = (time.perf_counter() - started) * 1000
            self.scans += 1
            now = asyncio.get_running_loop().time()
            for name, count in counts.items():
                tracked = self._tracked.get(name)
                if tracked is not None and tracked.quorum.observe(count, now):
                    self._report(name, tracked)

    def _count(self, patterns: dict[str, ProcessPattern]) -> dict[str, int]:
        """In the worker thread: the running processes matching each pattern."""
        seen = self.scanner.scan(any(p.full_command for p in patterns.values()))
        matched = {
            name: [p.pid for p in seen if pattern.matches(p.comm, p.argv)]
            for name, pattern in patterns.items()
        }
        running = self.scanner.running({pid for pids in matched.values() for pid in pids})
        return {name: sum(pid in running for pid in pids) for name, pids in matched.items()}

    def _poll(self, now: float) -> None:
        for name, tracked in list(self._tracked.items()):
            if tracked.quorum.poll(now):
                self._report(name, tracked)

    def _report(self, name: str, tracked: _Tracked) -> None:
        held = bool(tracked.quorum.state)
        self._log.info("tracked process quorum " + ("held" if held else "lost"),
                       track_process=name, count=tracked.quorum.count)  # fmt: skip
        self.on_change(name, held)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_scan = loop.time() + self.interval
        while True:
            deadlines = [t.quorum.deadline for t in self._tracked.values()]
            wake = min([next_scan, *(d for d in deadlines if d is not None)])
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, wake - loop.time()))
            now = loop.time()
            try:
                if now >= next_scan:
                    next_scan += self.interval
                    if next_scan <= now:  # fell behind (a slow scan): no burst to catch up
                        next_scan = now + self.interval
                    await self.scan()
                else:
                    self._poll(now)
            except Exception as exc:  # noqa: BLE001 - a callback bug must not end the scanning
                self._log.error("process tracking failed", error=str(exc))

    def status(self) -> list[dict[str, object]]:
        return [
            {
                "name": name,
                "state": {None: "unknown", True: "up", False: "down"}[t.quorum.state],
                "count": t.quorum.count,
                "quorum": t.quorum.quorum,
                "quorum_max": t.quorum.quorum_max,
                "pending": t.quorum.deadline is not None,
            }
            for name, t in self._tracked.items()
        ]
