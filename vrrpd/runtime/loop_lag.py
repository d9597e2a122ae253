"""How late the event loop wakes up: a task asks to be woken every PERIOD and measures by
how much the wake-up came late. Anything that holds the loop (a parse, a slow syscall, a big
render) shows up here, and the advert timers of every instance are late by as much.

`max` is the worst since start, `recent` the worst of the last RECENT_S seconds; both go to
`vrrpd status` and the metrics. A lag above `threshold()` (a quarter of the shortest
Master_Down_Interval, set by the daemon) is logged, at most once per LOG_EVERY seconds: at a
full Master_Down_Interval a backup takes over from a master that is merely slow.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from vrrpd import log

PERIOD = 0.05
RECENT_S = 60.0
BUCKET_S = 1.0  # the recent window keeps one maximum per second: bounded memory
LOG_EVERY = 10.0


class LoopLag:
    """The loop-lag probe; run() is the task, status() the numbers (seconds)."""

    def __init__(self, threshold: Callable[[], float | None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = threshold
        self._clock = clock
        self.max = 0.0
        self.last = 0.0
        self.over = 0  # wake-ups later than the threshold
        self._buckets: deque[tuple[float, float]] = deque()  # (bucket start, worst lag in it)
        self._logged = -LOG_EVERY
        self._log = log.get()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + PERIOD
            await asyncio.sleep(PERIOD)
            self.record(max(0.0, loop.time() - due))

    def record(self, lag: float) -> None:
        now = self._clock()
        self.last = lag
        self.max = max(self.max, lag)
        start = now - now % BUCKET_S
        if self._buckets and self._buckets[-1][0] == start:
            if lag > self._buckets[-1][1]:
                self._buckets[-1] = (start, lag)
        else:
            self._buckets.append((start, lag))
        while self._buckets and self._buckets[0][0] <= now - RECENT_S:
            self._buckets.popleft()
        limit = self._threshold()
        if limit is not None and lag > limit:
            self.over += 1
            if now - self._logged >= LOG_EVERY:
                self._logged = now
                self._log.warning("event loop lagged", lag_ms=round(lag * 1000, 1),
                                  limit_ms=round(limit * 1000, 1), times_over=self.over)

    @property
    def recent(self) -> float:
        now = self._clock()
        return max((lag for start, lag in self._buckets if start > now - RECENT_S), default=0.0)

    def status(self) -> dict[str, float | int | None]:
        """Seconds (the metrics name each key vrrpd_loop_lag_<key>)."""
        return {"max_seconds": self.max, "recent_seconds": self.recent,
                "last_seconds": self.last, "threshold_seconds": self._threshold(),
                "over_threshold": self.over}


def lag_threshold(instances: list[tuple[float, int]]) -> float | None:
    """A quarter of the shortest Master_Down_Interval ((3 + (256 - priority) / 256) x
    advert_int) over (advert_int, priority) pairs; None without instances."""
    downs = [(3 + (256 - priority) / 256) * advert_int for advert_int, priority in instances]
    return min(downs) / 4 if downs else None
