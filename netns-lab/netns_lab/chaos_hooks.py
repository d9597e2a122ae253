"""The chaos routers' notify hooks: one tiny script that returns at once, or hangs (for a
bounded time) while its router's flag file exists: the `hook` fault class.

Hook processes live in the routers' namespaces but deleting a namespace kills nothing, and
neither daemon is bound to take them down with it (keepalived does not wait for its
notify scripts at all), so the lab finds them by the script's path in their command line
(the sleeper carries it as its argv[0]) and kills them at teardown.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

HANG_S = 20  # how long a hanging hook sleeps: long, but bounded if the lab misses one
VRRPD_NOTIFY_TIMEOUT_S = 2.0  # vrrpd kills a hook's process group after this
STATES = ("master", "backup", "fault")
SCRIPT_NAME = "chaos-hook.sh"  # in the lab's directory
SCRIPT = """#!/bin/bash
# chaos hook ROUTER STATE [...]: logs its run; hangs while the router's flag file exists.
echo "$1 $2 run" >> {log}
[ -e "{flags}-$1" ] || exit 0
echo "$1 $2 hang" >> {log}
exec -a "{script}-sleep" sleep {hang}
"""


class Hooks:
    def __init__(self, lab_dir: Path) -> None:
        self.script = lab_dir / SCRIPT_NAME
        self.log = lab_dir / "chaos-hook.log"
        self._flags = lab_dir / "chaos-hook-hang"
        self.script.write_text(SCRIPT.format(log=self.log, flags=self._flags,
                                             script=self.script, hang=HANG_S))
        self.script.chmod(0o755)
        self.log.touch()

    def vrrpd_keys(self, host: str) -> str:
        """Instance keys for a vrrpd config: a state hook per state, a short timeout."""
        lines = [f'notify_{s} = ["{self.script}", "{host}", "{s}"]' for s in STATES]
        return "\n".join([*lines, f"notify_timeout = {VRRPD_NOTIFY_TIMEOUT_S}"]) + "\n"

    def keepalived_notify(self, host: str) -> dict[str, str]:
        """keepalived_instance's `notify`: the same script per state."""
        return {s: f"{self.script} {host} {s}" for s in STATES}

    def hang(self, host: str, on: bool) -> None:
        flag = Path(f"{self._flags}-{host}")
        if on:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)

    def mark(self) -> int:
        """The log's length now: pass it to `hung` to count runs from here on."""
        return self.log.stat().st_size

    def hung(self, host: str, since: int) -> int:
        """How many of `host`'s hooks started hanging since `mark()` returned `since`."""
        with self.log.open("rb") as fh:
            fh.seek(since)
            text = fh.read().decode("utf-8", "replace")
        return sum(1 for line in text.splitlines() if line.startswith(f"{host} ")
                   and line.endswith(" hang"))


def kill_hooks(script: Path, timeout: float = 2.0) -> tuple[int, list[int]]:
    """SIGKILL every process whose command line names `script`; (killed, still there after
    `timeout`). Zombies waiting for their parent have no command line and are not counted."""
    marker = str(script).encode()
    killed = 0
    for pid in _pids_naming(marker):
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    left = _pids_naming(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _pids_naming(marker)
    return killed, left


def _pids_naming(marker: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or a kernel thread
            continue
    return found
