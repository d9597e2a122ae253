"""keepalived's notify FIFO: one line per state change, for readers written for keepalived.

The line format is keepalived's (`INSTANCE "VI_1" MASTER 100`, `GROUP "G1" BACKUP 0`), so an
existing reader such as keepalived's sample_notify_fifo.sh works unchanged. As keepalived
does, the FIFO is created (mode 0644) when it does not exist, opened read-write and
non-blocking (so opening never waits for a reader and a reader that goes away never makes
writes fail), and removed at exit if vrrpd created it. A write never blocks the event loop:
when the pipe is full (nobody reads) the line is dropped and counted. Lines are far below
PIPE_BUF, so a reader never sees half a line.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import stat

from vrrpd import log

STATES = ("MASTER", "BACKUP", "FAULT", "STOP", "MASTER_RX_LOWER_PRI")
MAX_NAME = 256  # keeps a line far below PIPE_BUF (4096): writes are atomic


def fifo_line(kind: str, name: str, state: str, priority: int) -> str:
    """`INSTANCE "VI_1" MASTER 100` (kind INSTANCE or GROUP; groups report priority 0)."""
    if kind not in ("INSTANCE", "GROUP"):
        raise ValueError(f"kind must be INSTANCE or GROUP, not {kind!r}")
    return f'{kind} "{name[:MAX_NAME]}" {state} {priority}\n'


class NotifyFifo:
    """One FIFO, opened on first write and kept open; `written` and `dropped` count lines."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.written = 0
        self.dropped = 0
        self._fd: int | None = None
        self._created = False

    def write(self, line: str) -> bool:
        """Write `line` without blocking; False (counted, logged) when it was dropped."""
        data = line.encode()
        try:
            fd = self._open()
            if os.write(fd, data) != len(data):  # cannot happen below PIPE_BUF; be safe
                raise BlockingIOError(errno.EAGAIN, "short write")
        except BlockingIOError:
            return self._drop("the FIFO is full (nobody reads it)")
        except OSError as exc:
            self._close_fd()
            return self._drop(exc.strerror or str(exc))
        self.written += 1
        return True

    def close(self) -> None:
        self._close_fd()
        if self._created:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self._created = False

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        if not os.path.lexists(self.path):
            os.mkfifo(self.path, 0o644)
            self._created = True
        fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(errno.EINVAL, f"{self.path} is not a FIFO")
        self._fd = fd
        return fd

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _drop(self, why: str) -> bool:
        self.dropped += 1
        log.get().warning("notify FIFO line dropped", fifo=self.path, reason=why,
                          dropped=self.dropped)
        return False


_FIFOS: dict[str, NotifyFifo] = {}


def notify_fifo(path: str) -> NotifyFifo:
    """The process-wide writer of FIFO `path` (one open descriptor per path)."""
    fifo = _FIFOS.get(path)
    if fifo is None:
        fifo = _FIFOS[path] = NotifyFifo(path)
    return fifo


def fifo_stats(path: str | None) -> dict[str, object] | None:
    """The `notify_fifo` object of the status JSON: lines written and dropped so far."""
    if path is None:
        return None
    fifo = _FIFOS.get(path)
    return {"path": path, "written": fifo.written if fifo else 0,
            "dropped": fifo.dropped if fifo else 0}


@atexit.register
def close_all() -> None:
    """Close every FIFO and remove those vrrpd created (as keepalived does at exit)."""
    for fifo in _FIFOS.values():
        fifo.close()
    _FIFOS.clear()
