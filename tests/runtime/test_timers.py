"""Timers: one heap and one handle for every instance (real asyncio loop, generous margins)."""

from __future__ import annotations

import asyncio

import pytest

from vrrpd.runtime.timers import BATCH_S, Timers

pytestmark = pytest.mark.timeout(30)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_fires_in_deadline_order_once_each():
    async def scenario():
        loop = asyncio.get_running_loop()
        timers, fired = Timers(loop), []
        now = loop.time()
        for name, after in (("b", 0.04), ("a", 0.02), ("c", 0.06)):
            timers.set(name, now + after, lambda n=name: fired.append(n))
        await asyncio.sleep(0.15)
        return fired, len(timers), timers.wake_at

    assert run(scenario()) == (["a", "b", "c"], 0, None)


def test_moving_a_deadline_later_keeps_one_heap_entry_and_one_handle():
    """A backup re-arms Master_Down at every advert: no heap push, no new handle."""
    async def scenario():
        loop = asyncio.get_running_loop()
        timers, fired = Timers(loop), []
        start = loop.time()
        timers.set("md", start + 0.05, lambda: fired.append(loop.time() - start))
        handle = timers._handle
        for step in range(1, 6):
            timers.set("md", start + 0.05 + step * 0.02, lambda: fired.append(loop.time() - start))
        same_handle, heap = timers._handle is handle, len(timers._heap)
        await asyncio.sleep(0.3)
        return same_handle, heap, fired

    same_handle, heap, fired = run(scenario())
    assert same_handle and heap == 1
    assert len(fired) == 1 and 0.15 - 0.005 <= fired[0] < 0.25


def test_moving_a_deadline_earlier_or_disarming_it():
    async def scenario():
        loop = asyncio.get_running_loop()
        timers, fired = Timers(loop), []
        now = loop.time()
        timers.set("x", now + 0.2, lambda: fired.append("x-late"))
        timers.set("x", now + 0.02, lambda: fired.append("x"))
        timers.set("y", now + 0.03, lambda: fired.append("y"))
        timers.set("y", None)
        await asyncio.sleep(0.3)
        return fired

    assert run(scenario()) == ["x"]


def test_deadlines_close_together_fire_in_one_wake_up():
    async def scenario():
        loop = asyncio.get_running_loop()
        timers, wakes = Timers(loop), []
        now = loop.time()
        for i in range(50):
            timers.set(i, now + 0.02 + i * BATCH_S / 100, lambda: wakes.append(loop.time()))
        await asyncio.sleep(0.1)
        return wakes

    wakes = run(scenario())
    assert len(wakes) == 50 and max(wakes) - min(wakes) < 0.002


def test_a_failing_callback_does_not_stop_the_others():
    async def scenario():
        loop = asyncio.get_running_loop()
        errors = []
        loop.set_exception_handler(lambda _loop, context: errors.append(context["message"]))
        timers, fired = Timers(loop), []
        now = loop.time()
        timers.set("bad", now + 0.01, lambda: 1 / 0)
        timers.set("good", now + 0.01, lambda: fired.append("good"))
        timers.set("later", now + 0.03, lambda: fired.append("later"))
        await asyncio.sleep(0.1)
        return fired, errors

    assert run(scenario()) == (["good", "later"], ["timer callback failed"])


def test_a_callback_may_arm_again_and_close_stops_everything():
    async def scenario():
        loop = asyncio.get_running_loop()
        timers, fired = Timers(loop), []

        def tick() -> None:
            fired.append(loop.time())
            if len(fired) < 3:
                timers.set("t", fired[-1] + 0.01, tick)

        timers.set("t", loop.time() + 0.01, tick)
        await asyncio.sleep(0.1)
        timers.set("t", loop.time() + 0.01, tick)
        timers.close()
        await asyncio.sleep(0.05)
        return len(fired), timers.wake_at

    assert run(scenario()) == (3, None)
