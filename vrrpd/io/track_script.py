"""Tracked check scripts (keepalived's vrrp_script): one runner per script, shared by every
instance that tracks it.

A run is the program itself (no shell) in its own session, stdin/stdout/stderr on /dev/null;
exit status 0 is a success, anything else a failure. At `timeout` the whole process group is
killed with SIGKILL and the run counts as a failure, as does a program that cannot start.
Runs never overlap: the next one starts `interval` after the previous one started, or at once
when that one ran longer. `rise` consecutive successes make a down script up, `fall`
consecutive failures make an up script down; the very first result counts at once
(keepalived's initial state), before it the state is None ("not reported yet").
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from typing import Any

from vrrpd import log
from vrrpd.io.background import BackgroundTask

REAP_TIMEOUT = 5.0

StateCallback = Callable[[str, bool], None]  # (script name, up)


class ScriptRunner(BackgroundTask):
    """Runs one `ScriptConfig` (vrrpd.config.model) until closed; reports state changes."""

    def __init__(self, cfg: Any, on_change: StateCallback | None = None) -> None:
        self.cfg = cfg
        self.on_change = on_change
        self.state: bool | None = None
        self.runs = 0
        self.failures = 0
        self.timeouts = 0
        self.last_result: str | None = None  # "exit 0", "exit 3", "timeout", "error: ..."
        self._streak = 0  # consecutive results that disagree with `state`
        self._task_name = f"script-{cfg.name}"
        self._last_error: str | None = None
        self._log = log.get().bind(script=cfg.name)

    @property
    def name(self) -> str:
        return self.cfg.name

    def record(self, ok: bool) -> bool:
        """Count one result against rise/fall; True when it changed the state."""
        if self.state is not None and ok == self.state:
            self._streak = 0
            return False
        self._streak += 1
        needed = self.cfg.rise if ok else self.cfg.fall
        if self.state is not None and self._streak < needed:
            return False
        self.state = ok
        self._streak = 0
        return True

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            ok = await self.run_once()
            if self.record(ok):
                self._log.info(
                    "tracked script is up" if ok else "tracked script is down",
                    result=self.last_result,
                )
                if self.on_change is not None:
                    self.on_change(self.cfg.name, ok)
            await asyncio.sleep(max(0.0, started + self.cfg.interval - loop.time()))

    async def run_once(self) -> bool:
        """One run of the program: True on exit status 0."""
        self.runs += 1
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.cfg.command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,  # its own process group: killed as a whole
            )
        except OSError as exc:
            error = exc.strerror or str(exc)
            if error != self._last_error:  # once per distinct error, not once per interval
                self._log.error("tracked script could not start", error=error)
            self._last_error = error
            return self._failed(f"error: {error}")
        self._last_error = None
        try:
            returncode = await asyncio.wait_for(proc.wait(), self.cfg.timeout)
        except TimeoutError:
            await _kill_group(proc)
            self.timeouts += 1
            self._log.warning(
                "tracked script timed out; killed its process group", timeout=self.cfg.timeout
            )
            return self._failed("timeout")
        except asyncio.CancelledError:
            await _kill_group(proc)
            raise
        if returncode != 0:
            return self._failed(f"exit {returncode}")
        self.last_result = "exit 0"
        return True

    def _failed(self, result: str) -> bool:
        self.failures += 1
        self.last_result = result
        return False

    def status(self) -> dict[str, Any]:
        state = None if self.state is None else ("up" if self.state else "down")
        return {
            "name": self.cfg.name,
            "state": state or "unknown",
            "runs": self.runs,
            "failures": self.failures,
            "timeouts": self.timeouts,
            "last_result": self.last_result,
        }


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the run's whole process group, then reap it (bounded)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), REAP_TIMEOUT)
