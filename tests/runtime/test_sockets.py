"""SocketRegistry: bounded batches per wake-up, receive errors end the batch, close once."""

from __future__ import annotations

import asyncio
import os

import structlog

from vrrpd.runtime.sockets import RECV_BATCH, SocketRegistry


class Sock:
    def __init__(self, items: list, error: Exception | None = None) -> None:
        self.items = items
        self.error = error
        self.read, self.write = os.pipe()
        self.closed = 0

    def fileno(self) -> int:
        return self.read

    def recv(self):
        if not self.items and self.error is not None:
            raise self.error
        return self.items.pop(0) if self.items else None

    def close(self) -> None:
        self.closed += 1
        os.close(self.read)
        os.close(self.write)


def test_a_flood_is_read_in_bounded_batches_and_errors_end_a_batch():
    async def main():
        registry: SocketRegistry[int] = SocketRegistry(OSError, "receive failed")
        got: list[int] = []
        flood = Sock(list(range(RECV_BATCH + 5)))
        registry.add((2, 4), flood, got.append)
        registry.drain(flood, got.append)
        assert got == list(range(RECV_BATCH))  # the rest waits for the next wake-up
        registry.drain(flood, got.append)
        assert len(got) == RECV_BATCH + 5
        failing = Sock([1], OSError("ENETDOWN"))
        registry.add((3, 6), failing, got.append)
        with structlog.testing.capture_logs() as logs:
            registry.drain(failing, got.append)
        assert got[-1] == 1 and logs[0]["event"] == "receive failed"
        assert registry.get((2, 4)) is flood and list(registry) == [(2, 4), (3, 6)]
        registry.close((2, 4))
        registry.close((2, 4))
        registry.close_all()
        assert flood.closed == 1 and failing.closed == 1 and list(registry) == []

    asyncio.run(main())
