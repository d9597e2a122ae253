"""The loop-lag probe: it sees a blocked loop, keeps max and recent apart, logs over the limit."""

from __future__ import annotations

import asyncio
import time

import pytest

from vrrpd.runtime import loop_lag
from vrrpd.runtime.loop_lag import LoopLag, lag_threshold


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_max_is_since_start_and_recent_forgets_after_the_window():
    clock = Clock()
    lag = LoopLag(lambda: None, clock=clock)
    lag.record(0.2)
    clock.now += 5
    lag.record(0.01)
    assert (lag.max, lag.recent, lag.last) == (0.2, 0.2, 0.01)
    clock.now += loop_lag.RECENT_S
    lag.record(0.003)
    assert (lag.max, lag.recent) == (0.2, 0.003)


def test_recent_window_memory_is_bounded():
    clock = Clock()
    lag = LoopLag(lambda: None, clock=clock)
    for _ in range(10_000):
        clock.now += 0.05
        lag.record(0.001)
    assert len(lag._buckets) <= loop_lag.RECENT_S / loop_lag.BUCKET_S + 1


def test_lag_over_the_threshold_is_counted_and_logged_rate_limited(monkeypatch):
    clock = Clock()
    logged = []
    lag = LoopLag(lambda: 0.09, clock=clock)
    monkeypatch.setattr(lag, "_log", type("L", (), {"warning": lambda *a, **k: logged.append(k)})())
    lag.record(0.05)
    lag.record(0.1)
    lag.record(0.2)
    assert lag.over == 2 and len(logged) == 1
    assert logged[0]["lag_ms"] == 100.0 and logged[0]["limit_ms"] == 90.0
    clock.now += loop_lag.LOG_EVERY
    lag.record(0.1)
    assert len(logged) == 2
    assert lag.status()["over_threshold"] == 3


def test_threshold_is_a_quarter_of_the_shortest_master_down_interval():
    # advert 0.1 s, priority 100: 0.3 + 156/256 * 0.1 = 0.3609 s
    assert lag_threshold([(1.0, 100), (0.1, 100)]) == pytest.approx(0.3609375 / 4)
    assert lag_threshold([]) is None


def test_the_probe_sees_a_loop_held_by_a_blocking_call():
    async def scenario() -> LoopLag:
        lag = LoopLag(lambda: None)
        task = asyncio.get_running_loop().create_task(lag.run())
        await asyncio.sleep(0.12)
        time.sleep(0.2)  # the kind of thing that must never happen on the loop
        await asyncio.sleep(0.12)
        task.cancel()
        return lag

    lag = asyncio.run(scenario())
    assert lag.max >= 0.1
