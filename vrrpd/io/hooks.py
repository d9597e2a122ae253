"""Notify hooks: run user programs on state transitions, in order, never on the hot path.

Each instance owns one HookRunner: a queue and one task that runs the queued jobs one at
a time, so the hooks of transition N always finish (or are killed) before those of N+1
start. `submit` never blocks and never fails, so a slow, failing or hanging hook cannot
delay an advert or the next transition's VIP work. A program is run directly (no shell)
in its own session; at its timeout the whole process group is killed with SIGKILL, so a
hook's children cannot outlive it either.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vrrpd import log
from vrrpd.io.notify_fifo import notify_fifo

OUTPUT_TAIL = 2048  # bytes of a hook's output kept for the log
READ_AFTER_EXIT = 0.5  # seconds to collect output after exit (children may hold the pipe)
REAP_TIMEOUT = 5.0
MAX_PENDING = 64


@dataclass(frozen=True, slots=True)
class HookCommand:
    """One program to run: `argv[0]` is an absolute path; `key` names it in logs.
    `with_args`: append the job's `args` (vrrpd's convention); False runs argv as it is."""

    argv: tuple[str, ...]
    timeout: float
    key: str
    with_args: bool = True


@dataclass(frozen=True, slots=True)
class HookJob:
    """The hooks of one transition: each command gets `args` appended (unless it says not
    to) and `env` added; `fifo_lines` are `(path, line)` written to notify FIFOs at submit."""

    commands: tuple[HookCommand, ...]
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    fifo_lines: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.commands and not self.fifo_lines


@dataclass(frozen=True, slots=True)
class HookResult:
    """How one hook run ended: `returncode` None when it timed out or could not start."""

    key: str
    returncode: int | None
    timed_out: bool = False
    error: str | None = None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class HookRunner:
    """Runs submitted jobs one at a time in submission order on one task.

    `counters` gets `hooks_run`, `hooks_failed`, `hooks_timed_out` and `hooks_dropped`
    incremented. At most `max_pending` jobs wait; beyond that the oldest waiting job is
    dropped (logged, counted): the newest state matters most to whatever the hooks drive.
    """

    def __init__(self, name: str, counters: Any, *, max_pending: int = MAX_PENDING) -> None:
        self.name = name
        self.counters = counters
        self.max_pending = max_pending
        self.results: deque[HookResult] = deque(maxlen=32)
        self._pending: deque[HookJob] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._busy = False
        self._log = log.get().bind(instance=name)

    @property
    def idle(self) -> bool:
        """Nothing waiting and nothing running."""
        return not self._pending and not self._busy

    def submit(self, job: HookJob) -> None:
        """Queue `job` behind everything submitted before; returns at once. Its FIFO lines
        are written now (non-blocking), in submission order."""
        if self._closed:
            return
        for path, line in job.fifo_lines:
            notify_fifo(path).write(line)
        if not job.commands:
            return
        if len(self._pending) >= self.max_pending:
            dropped = self._pending.popleft()
            self.counters.hooks_dropped += 1
            self._log.error(
                "hook queue full; dropped the oldest waiting transition",
                args=list(dropped.args),
                pending=len(self._pending),
            )
        self._pending.append(job)
        self._wakeup.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run_jobs(), name=f"hooks-{self.name}"
            )

    async def wait_idle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds until every submitted job has finished."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.idle:
            if loop.time() >= deadline or self._task is None or self._task.done():
                return self.idle
            await asyncio.sleep(0.02)
        return True

    async def close(self, grace: float = 0.0) -> None:
        """Let queued hooks run for up to `grace` seconds, then kill what still runs and
        drop the rest (logged)."""
        if grace > 0:
            await self.wait_idle(grace)
        self._closed = True
        if self._pending:
            self._log.warning("hooks not run at stop", transitions=len(self._pending))
            self.counters.hooks_dropped += len(self._pending)
            self._pending.clear()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run_jobs(self) -> None:
        while True:
            while not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
            job = self._pending.popleft()
            self._busy = True
            try:
                for command in job.commands:
                    self.results.append(await self._run(command, job))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the runner must outlive any one hook
                self._log.error("hook runner error", error=str(exc))
            finally:
                self._busy = False

    async def _run(self, command: HookCommand, job: HookJob) -> HookResult:
        argv = (*command.argv, *job.args) if command.with_args else command.argv
        self.counters.hooks_run += 1
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, **job.env},
                start_new_session=True,  # its own process group: killed as a whole
            )
        except OSError as exc:
            self.counters.hooks_failed += 1
            self._log.error(
                "hook could not start",
                hook=command.key,
                argv=list(argv),
                error=exc.strerror or str(exc),
            )
            return HookResult(command.key, None, error=exc.strerror or str(exc))
        reader = asyncio.get_running_loop().create_task(_tail(proc.stdout, OUTPUT_TAIL))
        try:
            returncode = await asyncio.wait_for(proc.wait(), command.timeout)
        except TimeoutError:
            await _kill_group(proc)
            reader.cancel()
            self.counters.hooks_timed_out += 1
            self._log.error(
                "hook timed out; killed its process group",
                hook=command.key,
                argv=list(argv),
                timeout=command.timeout,
                pid=proc.pid,
            )
            return HookResult(command.key, None, timed_out=True)
        except asyncio.CancelledError:
            await _kill_group(proc)
            reader.cancel()
            self._log.warning("hook killed at stop", hook=command.key, pid=proc.pid)
            raise
        output = await _collect(reader)
        if returncode != 0:
            self.counters.hooks_failed += 1
            self._log.warning(
                "hook failed",
                hook=command.key,
                argv=list(argv),
                returncode=returncode,
                output=output,
            )
        else:
            self._log.debug("hook done", hook=command.key, argv=list(argv), output=output)
        return HookResult(command.key, returncode, output=output)


async def _tail(stream: asyncio.StreamReader | None, limit: int) -> bytes:
    """Read `stream` to its end, keeping only the last `limit` bytes."""
    kept = b""
    if stream is None:
        return kept
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-limit:]
    return kept


async def _collect(reader: asyncio.Task[bytes]) -> str:
    """The output tail, without waiting for children that kept the pipe open."""
    done, _ = await asyncio.wait({reader}, timeout=READ_AFTER_EXIT)
    if not done:
        reader.cancel()
        return ""
    with contextlib.suppress(Exception):
        return reader.result().decode(errors="replace").strip()
    return ""


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the hook's whole process group, then reap it (bounded)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), REAP_TIMEOUT)
