"""Processes the lab starts inside namespaces: tracked, logged to a file, always stopped.

Each process gets its own session (process group), so stopping or crashing it also reaches
the children it forks (keepalived's VRRP and checker children).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import LabError
from .waiting import wait_until

STOP_TIMEOUT = 3.0


class LabProcess:
    """A process started in a lab namespace; its stdout and stderr go to `log_path`.

    The group is signalled only while the leader is not yet reaped: an unreaped (zombie)
    leader keeps its pid reserved, so the process group cannot belong to anyone else.
    """

    def __init__(
        self, popen: subprocess.Popen, argv: Sequence[str], netns: str, log_path: Path, name: str
    ) -> None:
        self.popen = popen
        self.argv = list(argv)
        self.netns = netns
        self.log_path = log_path
        self.name = name
        self.files: dict[str, Path] = {}  # helper-specific paths (config, socket, pid files)

    def __repr__(self) -> str:
        return f"<LabProcess {self.name} pid={self.pid} netns={self.netns} rc={self.returncode}>"

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def poll(self) -> int | None:
        """Exit status if the process has ended (reaping it), else None."""
        return self.popen.poll()

    @property
    def running(self) -> bool:
        """True while the leader lives; looks without reaping, so signals stay safe."""
        if self.popen.returncode is not None:
            return False
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return False
        return info is None

    def signal(self, sig: int, *, group: bool = True) -> None:
        """Send sig to the process group (or only the leader); a no-op once reaped."""
        if self.popen.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(self.pid, sig)
            else:
                os.kill(self.pid, sig)

    def wait(self, timeout: float) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise LabError(f"{self.name} (pid {self.pid}) still running after {timeout}s") from exc

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM the group, wait up to timeout, SIGKILL what is left, reap; return the status."""
        if self.popen.returncode is None:
            if self.running:
                self.signal(signal.SIGTERM)
                _wait_exited([self], timeout)
            self.signal(signal.SIGKILL)  # children may outlive the leader
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        return self.popen.returncode

    def log_size(self) -> int:
        """Current log length: pass it as `since` to wait for a *new* log line."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_text(self, since: int = 0) -> str:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(since)
                return fh.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def _wait_exited(procs: Sequence[LabProcess], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(p.running for p in procs) and time.monotonic() < deadline:
        time.sleep(0.01)


class ProcessRegistry:
    """Starts processes in namespaces and remembers them so teardown can stop every one."""

    def __init__(self) -> None:
        self.processes: list[LabProcess] = []

    def start(
        self,
        netns: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        name: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        inherit_env: bool = True,
    ) -> LabProcess:
        if not argv:
            raise ValueError("argv must not be empty")
        full_env = dict(os.environ) if inherit_env else {}
        full_env.update(env or {})
        log_path.parent.mkdir(parents=True, exist_ok=True)
        full_argv = ["ip", "netns", "exec", netns, *argv]
        with log_path.open("ab") as log:
            log.write(f"# netns-lab: {shlex.join(full_argv)}\n".encode())
            log.flush()
            try:
                popen = subprocess.Popen(
                    full_argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=full_env,
                    cwd=cwd,
                    start_new_session=True,
                )
            except OSError as exc:
                raise LabError(f"cannot start {shlex.join(argv)} in {netns}: {exc}") from exc
        proc = LabProcess(popen, argv, netns, log_path, name)
        self.processes.append(proc)
        return proc

    def stop_all(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop every tracked process; TERM them all first so their shutdowns overlap."""
        alive = [p for p in self.processes if p.running]
        for proc in alive:
            proc.signal(signal.SIGTERM)
        _wait_exited(alive, timeout)
        for proc in reversed(self.processes):
            proc.stop(timeout=min(timeout, 1.0))


def wait_for_log(
    proc: LabProcess,
    pattern: str | re.Pattern[str],
    timeout: float = 10.0,
    *,
    since: int = 0,
    interval: float = 0.02,
) -> re.Match[str]:
    """Wait until proc's log (from byte offset `since`) matches pattern; return the match.

    Fails at once, with the log's tail, if the process exits without having logged it.
    """
    regex = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern

    def matched() -> re.Match[str] | None:
        found = regex.search(proc.log_text(since))
        if found is None and not proc.running:
            found = regex.search(proc.log_text(since))
            if found is None:
                raise LabError(
                    f"{proc.name} exited ({proc.returncode}) without logging {regex.pattern!r};"
                    f" log tail:\n{proc.log_tail()}"
                )
        return found

    try:
        what = f"{proc.name} log ~ {regex.pattern!r}"
        return wait_until(matched, timeout, interval, message=what)
    except TimeoutError as exc:
        raise type(exc)(f"{exc}\nlog tail of {proc.name}:\n{proc.log_tail()}") from None
