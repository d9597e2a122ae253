"""ProcScanner (a fake /proc tree and the real one) and ProcessWatcher (quorum changes,
delays, a scan off the event loop)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from vrrpd.io.track_process import ProcessSeen, ProcessWatcher, ProcScanner

SLEEP_CODE = "import time; time.sleep(60)"
SLEEPER = [sys.executable, "-c", SLEEP_CODE]  # + a unique tag: argv[3]

pytestmark = pytest.mark.timeout(60)


def fake_proc(root: Path, pid: int, comm: str, argv: list[str], state: str = "S") -> None:
    directory = root / str(pid)
    directory.mkdir(exist_ok=True)
    (directory / "comm").write_text(comm[:15] + "\n")
    (directory / "stat").write_text(f"{pid} ({comm[:15]}) {state} 1 {pid} {pid} 0 -1\n")
    (directory / "cmdline").write_bytes(b"".join(arg.encode() + b"\0" for arg in argv))


def test_scan_reads_names_and_skips_odd_entries(tmp_path):
    fake_proc(tmp_path, 1, "init", ["/sbin/init"])
    fake_proc(tmp_path, 20, "my (odd) name", ["x"])
    (tmp_path / "self").mkdir()
    (tmp_path / "40").mkdir()  # vanished between listing and reading
    seen = ProcScanner(str(tmp_path)).scan(want_argv=False)
    assert sorted((p.pid, p.comm) for p in seen) == [(1, "init"), (20, "my (odd) name")]
    assert all(p.argv is None for p in seen)


def test_zombies_and_gone_processes_are_not_running(tmp_path):
    fake_proc(tmp_path, 1, "ok (x) y", ["a"])
    fake_proc(tmp_path, 2, "dead", ["dead"], state="Z")
    assert ProcScanner(str(tmp_path)).running([1, 2, 3]) == {1}


def test_command_lines_are_read_once_per_process_and_again_after_a_rename(tmp_path):
    fake_proc(tmp_path, 7, "sh", ["/bin/sh", "-c", "x"])
    scanner = ProcScanner(str(tmp_path))
    assert scanner.scan(want_argv=True) == [ProcessSeen(7, "sh", ("/bin/sh", "-c", "x"))]
    (tmp_path / "7" / "cmdline").write_bytes(b"/changed\0")  # same name: not read again
    assert scanner.scan(want_argv=True)[0].argv == ("/bin/sh", "-c", "x")
    fake_proc(tmp_path, 7, "haproxy", ["/usr/sbin/haproxy", "-f", "h.cfg"])  # exec
    assert scanner.scan(want_argv=True)[0].argv == ("/usr/sbin/haproxy", "-f", "h.cfg")
    (tmp_path / "7" / "comm").unlink()
    assert scanner.scan(want_argv=True) == []
    assert scanner._argv == {}  # the gone process is forgotten


def test_the_real_proc_shows_a_process_by_its_command_line():
    tag = f"vrrpd-test-{uuid.uuid4().hex[:8]}"  # $0 of the shell: a unique argv
    proc = subprocess.Popen(SLEEPER + [tag])
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline")
        for _ in range(500):  # the child has exec'd its command (bounded: 5 s)
            if tag.encode() in cmdline.read_bytes():
                break
            time.sleep(0.01)
        seen = ProcScanner().scan(want_argv=True)
        assert any(p.argv == (*SLEEPER, tag) for p in seen)
    finally:
        proc.kill()
        proc.wait()


class ListScanner:
    """A scanner returning what the test put in `processes`; records the thread it ran on."""

    def __init__(self) -> None:
        self.processes: list[ProcessSeen] = []
        self.threads: set[int] = set()
        self.zombies: set[int] = set()

    def scan(self, want_argv: bool) -> list[ProcessSeen]:
        self.threads.add(threading.get_ident())
        return list(self.processes)

    def running(self, pids) -> set[int]:
        return set(pids) - self.zombies


def seen(*pids: int, comm: str = "haproxy") -> list[ProcessSeen]:
    return [ProcessSeen(pid, comm, None) for pid in pids]


def tracked(name: str, process: tuple[str, ...], **overrides):
    values = dict(name=name, process=process, param_match="none", full_command=False,
                  weight=0, reverse=False, quorum=1, quorum_max=None, fork_delay=0.0,
                  terminate_delay=0.0)  # fmt: skip
    return SimpleNamespace(**(values | overrides))


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_watcher_reports_quorum_changes_and_scans_off_the_loop():
    scanner = ListScanner()
    changes: list[tuple[str, bool]] = []

    async def scenario():
        watcher = ProcessWatcher(lambda *c: changes.append(c), interval=0.02, scanner=scanner)
        watcher.set_processes([tracked("ha", ("haproxy",), quorum=2)])
        scanner.processes = seen(10)
        await watcher.scan()
        assert watcher.state("ha") is False
        watcher.start()
        scanner.processes = seen(10, 11)
        await until(lambda: watcher.state("ha") is True)
        scanner.zombies = {11}  # killed, not reaped yet: does not count
        await until(lambda: watcher.state("ha") is False)
        scanner.zombies = set()
        await until(lambda: watcher.state("ha") is True)
        scanner.processes = []
        await until(lambda: watcher.state("ha") is False)
        status = watcher.status()
        await watcher.close()
        return status

    status = run(scenario())
    assert changes == [("ha", False), ("ha", True), ("ha", False), ("ha", True), ("ha", False)]
    assert status == [{"name": "ha", "state": "down", "count": 0, "quorum": 2,
                       "quorum_max": None, "pending": False}]  # fmt: skip
    assert threading.get_ident() not in scanner.threads


def test_watcher_applies_terminate_delay_between_scans():
    scanner = ListScanner()
    changes: list[tuple[str, bool, float]] = []

    async def scenario():
        loop = asyncio.get_running_loop()
        watcher = ProcessWatcher(
            lambda n, up: changes.append((n, up, loop.time())), interval=0.05, scanner=scanner
        )
        watcher.set_processes([tracked("ha", ("haproxy",), terminate_delay=0.3)])
        scanner.processes = seen(10)
        await watcher.scan()
        watcher.start()
        scanner.processes = []
        lost_at = loop.time()
        await until(lambda: watcher.state("ha") is False)
        await watcher.close()
        return lost_at

    lost_at = run(scenario())
    assert [c[:2] for c in changes] == [("ha", True), ("ha", False)]
    assert changes[-1][2] - lost_at >= 0.3


def test_a_changed_config_starts_over_and_an_unchanged_one_keeps_its_state():
    scanner = ListScanner()
    scanner.processes = seen(10)

    async def scenario():
        watcher = ProcessWatcher(lambda *c: None, interval=10, scanner=scanner)
        a, b = tracked("a", ("haproxy",)), tracked("b", ("haproxy",))
        watcher.set_processes([a, b])
        await watcher.scan()
        watcher.set_processes([a, tracked("b", ("nginx",))])
        return watcher.state("a"), watcher.state("b")

    assert run(scenario()) == (True, None)


async def until(predicate, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
