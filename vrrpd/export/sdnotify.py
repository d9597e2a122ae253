"""sd_notify(3) over $NOTIFY_SOCKET, stdlib only: READY, STATUS, WATCHDOG, STOPPING.

A no-op when not started by systemd, so the daemon calls it unconditionally.
"""

from __future__ import annotations

import os
import socket


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):
            address = "\0" + address[1:]  # abstract namespace socket
        self._address = address or None
        self._sock: socket.socket | None = None
        if self._address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.setblocking(False)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def watchdog_interval(self) -> float | None:
        """Half of WATCHDOG_USEC in seconds (systemd's advice), if the watchdog is for us."""
        usec = os.environ.get("WATCHDOG_USEC")
        pid = os.environ.get("WATCHDOG_PID")
        if not usec or (pid and pid != str(os.getpid())):
            return None
        try:
            return max(int(usec) / 2e6, 0.05)
        except ValueError:
            return None

    def notify(self, **fields: str) -> bool:
        if self._sock is None or self._address is None:
            return False
        msg = "\n".join(f"{k.upper()}={v}" for k, v in fields.items()).encode()
        try:
            self._sock.sendto(msg, self._address)
        except OSError:
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.notify(ready="1", status=status)

    def status(self, status: str) -> bool:
        return self.notify(status=status)

    def watchdog(self) -> bool:
        return self.notify(watchdog="1")

    def stopping(self) -> bool:
        return self.notify(stopping="1", status="stopping")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
