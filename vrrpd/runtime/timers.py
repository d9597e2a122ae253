"""One timer structure for every instance: a heap of deadlines and one asyncio TimerHandle.

A TimerHandle per timer, cancelled and made anew at every advert, costs a backup an
allocation and two pushes into asyncio's heap per advert (cancelled handles stay there until
they come up), which at 255 instances is most of what a backup does. Here, as in aioquic's
shell, the daemon keeps one heap and one handle, set for the earliest deadline:

* moving a timer later (a backup's Master_Down_Timer at every advert) only records the new
  deadline; the heap entry stays, and when it comes up it is pushed again for the recorded
  deadline (lazy re-arm), so a steady backup touches the heap once per Master_Down_Interval;
* deadlines that fall within BATCH_S of each other fire in one wake-up (instances started
  together keep advertising together: the Router keeps a fixed cadence), so a master's
  adverts leave in one burst and its backups read them in one wake-up;
* the handle is asked EPOLL_SLACK early (the kernel may wake a poll late by 0.1% of its
  length) and a firing the Router finds early is re-armed by the Router itself.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Hashable

# Linux lets a poll/epoll timeout expire late by 0.1% of its length (select_estimate_accuracy),
# on top of epoll's whole milliseconds: 3.6 ms on a VRRPv2 Master_Down_Interval.
EPOLL_SLACK = 0.001
# Deadlines this close to the earliest one fire in the same wake-up; well inside the Router's
# TIMER_TOLERANCE (1 ms), so such a firing counts as due.
BATCH_S = 0.0005

Fire = Callable[[], None]


class Timers:
    """Deadlines by key, each with the callback run when it is reached."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._heap: list[tuple[float, int, Hashable]] = []
        self._deadlines: dict[Hashable, tuple[float, Fire]] = {}
        self._queued: dict[Hashable, float] = {}  # key -> time of the heap entry that serves it
        self._order = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._handle_at = float("inf")

    def __len__(self) -> int:
        return len(self._deadlines)

    def deadline(self, key: Hashable) -> float | None:
        found = self._deadlines.get(key)
        return found[0] if found is not None else None

    @property
    def wake_at(self) -> float | None:
        """When the loop will call us next (None: nothing armed)."""
        return self._handle.when() if self._handle is not None else None

    def set(self, key: Hashable, deadline: float | None, fire: Fire | None = None) -> None:
        """Arm `key` for `deadline` (None: disarm); `fire` runs once it is reached."""
        if deadline is None or fire is None:
            self._deadlines.pop(key, None)  # its heap entry is dropped when it comes up
            return
        self._deadlines[key] = (deadline, fire)
        queued = self._queued.get(key)
        if queued is None or deadline < queued:
            self._queued[key] = deadline
            heapq.heappush(self._heap, (deadline, next(self._order), key))
            self._wake_for(deadline)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle, self._handle_at = None, float("inf")
        self._heap.clear()
        self._deadlines.clear()
        self._queued.clear()

    def _wake_for(self, deadline: float) -> None:
        """Make sure the handle fires no later than `deadline` asks."""
        lead = max(0.0, deadline - self._loop.time()) * EPOLL_SLACK
        when = deadline - lead
        if when >= self._handle_at:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle_at = when
        self._handle = self._loop.call_at(when, self._run)

    def _run(self) -> None:
        self._handle, self._handle_at = None, float("inf")
        heap, queued = self._heap, self._queued
        due: list[Fire] = []
        limit = self._loop.time() + BATCH_S
        while heap and heap[0][0] <= limit:
            at, _, key = heapq.heappop(heap)
            if queued.get(key) != at:
                continue  # superseded by an earlier entry for the same key
            del queued[key]
            armed = self._deadlines.get(key)
            if armed is None:
                continue  # disarmed meanwhile
            if armed[0] > limit:  # moved later since: come back then
                queued[key] = armed[0]
                heapq.heappush(heap, (armed[0], next(self._order), key))
                continue
            del self._deadlines[key]
            due.append(armed[1])
        for fire in due:
            try:
                fire()
            except Exception as exc:  # noqa: BLE001 - one instance's failure must not stop the rest
                self._loop.call_exception_handler(
                    {"message": "timer callback failed", "exception": exc})
        if heap:
            self._wake_for(heap[0][0])
