"""Tracked files (keepalived's track_file): each holds one integer, read again every poll.

Polling (default every second) instead of inotify: nothing to install, and a file that is
replaced (written elsewhere and renamed, as tools do) is seen like one edited in place. A file
that is missing, unreadable, not a regular file or not one integer counts as 0; the problem
is logged once, and again only when it changes. The file is opened non-blocking and checked to
be a regular file before reading, so a FIFO put there cannot stall the daemon.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import Callable, Mapping

from vrrpd import log
from vrrpd.io.background import BackgroundTask

POLL_INTERVAL = 1.0
MAX_READ = 4096
_INTEGER = re.compile(r"^[+-]?[0-9]{1,18}$")

ValueCallback = Callable[[str, int], None]  # (track file name, value)


def read_value(path: str) -> tuple[int, str | None]:
    """The file's value, and the problem that made it 0 (None when the file held an integer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return 0, f"cannot open: {exc.strerror or exc}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return 0, "not a regular file"
        data = os.read(fd, MAX_READ)
    except OSError as exc:
        return 0, f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)
    text = data.decode("ascii", errors="replace").strip()
    if not _INTEGER.match(text):
        shown = text if len(text) <= 40 else text[:40] + "..."
        return 0, f"does not hold one integer: {shown!r}"
    return int(text), None


class FilePoller(BackgroundTask):
    """Reads every tracked file each `interval` and reports the values that changed."""

    def __init__(
        self,
        files: Mapping[str, str],
        on_change: ValueCallback,
        *,
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.files = dict(files)  # name -> path
        self.on_change = on_change
        self.interval = interval
        self.values: dict[str, int] = {}
        self.problems: dict[str, str] = {}
        self._task_name = "track-files"
        self._log = log.get()

    def poll(self) -> None:
        """Read every file now; report each value that differs from the last one read."""
        for name, path in self.files.items():
            value, problem = read_value(path)
            if problem != self.problems.get(name):
                if problem is None:
                    self.problems.pop(name, None)
                    self._log.info("tracked file readable again", track_file=name, file=path)
                else:
                    self.problems[name] = problem
                    self._log.warning(
                        "tracked file counts as 0", track_file=name, file=path, problem=problem
                    )
            if self.values.get(name) != value:
                self.values[name] = value
                self.on_change(name, value)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.poll()
            except Exception as exc:  # noqa: BLE001 - a callback bug must not end the polling
                self._log.error("track file polling failed", error=str(exc))
