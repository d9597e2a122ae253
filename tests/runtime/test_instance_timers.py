"""InstanceRunner timers: asked early by the kernel's poll slack, re-armed if woken too early."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address

import pytest

from tests.runtime.fakes import link_info
from vrrpd.config import parse_config
from vrrpd.protocol.events import Timer
from vrrpd.protocol.timing import master_down_interval
from vrrpd.runtime.instance import EPOLL_SLACK, InstanceRunner

CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 100
advert_int = 1
version = 2
virtual_ipaddress = ["192.0.2.100/24"]
"""


class Quiet:
    """Socket, netlink and GARP stand-ins for a backup that never hears a master."""

    def send(self, payload, dst, src, ttl=255):
        raise AssertionError("a backup sends no advert")

    def start(self):
        raise AssertionError("a backup sends no GARP")

    def stop(self):
        pass


def test_master_down_timer_is_asked_early_by_the_slack_and_rearmed_when_woken_early():
    config = parse_config(CONFIG, "test.toml")
    mdi = master_down_interval(100, 1.0, 2)  # 3 + 156/256 s: the kernel may add 3.6 ms

    async def scenario():
        loop = asyncio.get_running_loop()
        quiet = Quiet()
        runner = InstanceRunner(
            config.instances[0],
            link=link_info(),
            primary_ip=ip_address("192.0.2.11"),
            sock=quiet,
            netlink=quiet,
            garp_factory=lambda cfg: quiet,
        )
        started = loop.time()
        runner.start()
        first = runner.timers.wake_at
        runner.timers._run()  # the loop woke us seconds too early: nothing is due
        state = runner.router.state.value
        rearmed_at = loop.time()
        second = runner.timers.wake_at
        runner._fire(Timer.MASTER_DOWN)  # a firing the Router finds early changes nothing
        state_after_early_fire = runner.router.state.value
        third = runner.timers.wake_at
        runner._cancel_timers()
        await runner.close()
        return started, first, rearmed_at, second, state, state_after_early_fire, third

    started, first, rearmed_at, second, state, early, third = asyncio.run(
        asyncio.wait_for(scenario(), 5))
    deadline = started + mdi
    assert first == pytest.approx(deadline - mdi * EPOLL_SLACK, abs=0.002)
    assert first < deadline - 0.003  # the 3.6 ms a 3.6 s epoll wait may run late
    assert state == "BACKUP"
    remaining = deadline - rearmed_at
    assert second == pytest.approx(deadline - remaining * EPOLL_SLACK, abs=0.002)
    assert first < second < deadline
    assert early == "BACKUP" and third == second
