"""The netlink watch loops: one restart-with-backoff helper for every event stream.

A netlink stream can fail (a lost socket, ENOBUFS after a burst): the loop logs it, waits
(0.5 s doubling up to 10 s, reset by the next event) and opens the stream again, then tells
its owner (`on_restart`) so it can re-check what events may have been missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from vrrpd.log import Logger

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 10.0

E = TypeVar("E")


async def watch_forever(
    stream: Callable[[], AsyncIterator[E]],
    on_event: Callable[[E], None],
    *,
    what: str,
    log: Logger,
    on_restart: Callable[[], None] | None = None,
) -> None:
    """Feed every event of `stream()` to `on_event`, re-opening the stream after a failure;
    runs until cancelled."""
    backoff = BACKOFF_FIRST
    while True:
        try:
            async for event in stream():
                backoff = BACKOFF_FIRST
                on_event(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep watching after a netlink hiccup
            log.error(f"{what} watch failed; restarting", error=str(exc))
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, BACKOFF_MAX)
        if on_restart is not None:
            on_restart()
