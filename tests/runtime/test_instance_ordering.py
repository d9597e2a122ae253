"""Becoming master: VIPs up and announced before the first advert (bounded), so a
preempted master that releases the VIP on hearing us never strands the clients."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address

from tests.runtime.fakes import link_info
from vrrpd.config import parse_config
from vrrpd.protocol.events import Shutdown
from vrrpd.runtime.instance import ADVERT_HOLD_MAX, InstanceRunner

CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 255
advert_int = 1.0
virtual_ipaddress = ["192.0.2.100/24"]
"""


class World:
    def __init__(self, add_delay: float = 0.0) -> None:
        self.calls: list[str] = []
        self.add_delay = add_delay

    async def add_vip(self, index, vip, label=None):
        await asyncio.sleep(self.add_delay)
        self.calls.append("add_vip")
        return True

    async def remove_vip(self, index, vip):
        self.calls.append("remove_vip")
        return True

    def send(self, payload, dst, src, ttl=255):
        self.calls.append(f"advert prio={payload[2]}")

    def start(self):
        self.calls.append("garp")

    def stop(self):
        pass

    def burst(self):
        self.calls.append("garp-burst")


def _runner(world: World) -> InstanceRunner:
    cfg = parse_config(CONFIG, "t.toml").instances[0]
    return InstanceRunner(cfg, link=link_info(), primary_ip=ip_address("192.0.2.11"), sock=world,
                          netlink=world, garp_factory=lambda c: world)


async def _run(world: World, wait: float) -> list[str]:
    runner = _runner(world)
    runner.start()  # owner: MASTER at once
    await asyncio.sleep(wait)
    calls = list(world.calls)
    runner._cancel_timers()
    await runner.close()
    return calls


def test_first_advert_follows_vip_and_garp():
    calls = asyncio.run(asyncio.wait_for(_run(World(), 0.1), 5))
    assert calls[:3] == ["add_vip", "garp", "advert prio=255"]


def test_a_slow_netlink_delays_the_first_advert_only_up_to_the_cap():
    world = World(add_delay=1.0)
    calls = asyncio.run(asyncio.wait_for(_run(world, ADVERT_HOLD_MAX + 0.1), 5))
    assert calls == ["advert prio=255"]  # sent on the cap; VIP still being added


def test_a_router_that_lost_mastership_meanwhile_sends_no_held_advert():
    async def scenario():
        world = World(add_delay=1.0)
        runner = _runner(world)
        runner.start()
        runner.feed(Shutdown())
        await asyncio.sleep(ADVERT_HOLD_MAX + 0.05)
        calls = list(world.calls)
        runner._cancel_timers()
        await runner.close()
        return calls

    calls = asyncio.run(asyncio.wait_for(scenario(), 5))
    assert "advert prio=255" not in calls
    assert "advert prio=0" in calls


def _new_master_advert():
    from vrrpd.protocol.packet import Advert

    return Advert(version=3, vrid=51, priority=100, interval=100,
                  addresses=(ip_address("192.0.2.100"),))


def test_clean_stop_keeps_the_vip_until_the_new_master_speaks():
    async def scenario():
        world = World()
        runner = _runner(world)
        runner.start()
        await asyncio.sleep(0.05)
        world.calls.clear()
        stopping = asyncio.create_task(runner.stop())
        await asyncio.sleep(0.3)
        before = list(world.calls)  # priority 0 sent, VIP still held
        runner.advert_received(ip_address("192.0.2.12"), _new_master_advert())
        await asyncio.wait_for(stopping, 2)
        await runner.close()
        return before, world.calls

    before, after = asyncio.run(asyncio.wait_for(scenario(), 5))
    assert before == ["advert prio=0"]
    assert after == ["advert prio=0", "remove_vip"]


def test_clean_stop_without_a_backup_releases_after_the_bound():
    async def scenario():
        world = World()
        runner = _runner(world)  # advert_int 1.0: waits at most 1.2 s
        runner.start()
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await runner.stop()
        waited = loop.time() - t0
        await runner.close()
        return waited, world.calls

    waited, calls = asyncio.run(asyncio.wait_for(scenario(), 5))
    assert 1.1 < waited < 2.0
    assert calls[-1] == "remove_vip"


def test_transition_observers_run_after_the_batch_and_announce_queues_a_garp():
    """A sync group's orders (fed from the observer) never land in the middle of a batch:
    by the time the observer runs, the batch's advert hold and VIP work are queued."""

    async def main() -> tuple[list[str], list[str]]:
        world = World()
        seen: list[str] = []

        def observer(runner: InstanceRunner, change) -> None:
            seen.append(f"{change.new.value} holding={runner.adverts.holding}")
            seen.append(f"queued={runner._work.qsize()}")

        cfg = parse_config(CONFIG, "t.toml").instances[0]
        runner = InstanceRunner(cfg, link=link_info(), primary_ip=ip_address("192.0.2.11"),
                                sock=world, netlink=world, garp_factory=lambda c: world,
                                on_transition=observer)
        runner.start()  # priority 255: MASTER at once
        await asyncio.sleep(ADVERT_HOLD_MAX + 0.05)
        runner.announce()  # the split-brain driver's heal: behind the VIP work, while master
        await asyncio.sleep(0.05)
        await runner.stop()
        await runner.close()
        return seen, world.calls

    seen, calls = asyncio.run(asyncio.wait_for(main(), 5))
    # the batch is done: add VIPs, GARP, release the held advert, install routes are queued
    assert seen[:2] == ["MASTER holding=True", "queued=4"]
    assert calls[:3] == ["add_vip", "garp", "advert prio=255"]
    assert calls.count("garp") == 2
