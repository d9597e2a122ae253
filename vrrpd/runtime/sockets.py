"""One registry for the daemon's per-(interface, family) raw sockets and their batch reader.

The VRRP receive path (vrrpd.runtime.receive) and the split-brain claim watch
(vrrpd.runtime.split_brain) each keep one socket per (ifindex, family), shared by the
instances on it. Both register it here: the loop wakes the registry when the socket is
readable, and it drains at most RECV_BATCH items per wake-up (so a flood cannot starve the
loop) and hands each to the owner's handler; a receive error is logged and ends the batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from vrrpd import log

RECV_BATCH = 64

Key = tuple[int, int]  # (ifindex, family)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class BatchSocket(Protocol[T_co]):
    """A non-blocking socket whose recv() returns one item, or None when drained."""

    def fileno(self) -> int: ...

    def recv(self) -> T_co | None: ...

    def close(self) -> None: ...


class SocketRegistry(Generic[T]):
    """Sockets by (ifindex, family), each read in bounded batches on the running loop."""

    def __init__(
        self, errors: type[Exception] | tuple[type[Exception], ...], failed: str
    ) -> None:
        self._errors = errors
        self._failed = failed  # the log line for a receive error
        self._sockets: dict[Key, BatchSocket[T]] = {}

    def add(self, key: Key, sock: BatchSocket[T], handle: Callable[[T], None]) -> None:
        """Own `sock` from now on and feed what it receives to `handle`."""
        self._sockets[key] = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self.drain, sock, handle)

    def get(self, key: Key) -> BatchSocket[T] | None:
        return self._sockets.get(key)

    def __iter__(self) -> Iterator[Key]:
        return iter(list(self._sockets))

    def drain(self, sock: BatchSocket[T], handle: Callable[[T], None]) -> None:
        for _ in range(RECV_BATCH):
            try:
                item = sock.recv()
            except self._errors as exc:
                log.get().warning(self._failed, error=str(exc))
                return
            if item is None:
                return
            handle(item)

    def close(self, key: Key) -> None:
        sock = self._sockets.pop(key, None)
        if sock is not None:
            asyncio.get_running_loop().remove_reader(sock.fileno())
            sock.close()

    def close_all(self) -> None:
        for key in list(self._sockets):
            self.close(key)
