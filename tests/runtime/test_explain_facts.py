"""An InstanceRunner's facts for `vrrpd explain`, its status timing fields, and the peer table
fed by what it hears (Router drops included, by source)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from ipaddress import ip_address

from vrrpd.config import parse_config
from vrrpd.protocol.packet import Advert
from vrrpd.runtime.explain_facts import explain_runner
from vrrpd.runtime.instance import InstanceRunner
from vrrpd.runtime.status import instance_status

CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 100
advert_int = 1.0
preempt_delay = 4.0
virtual_ipaddress = ["192.0.2.100/24"]
"""
MASTER = ip_address("192.0.2.11")


@dataclass
class Link:
    index: int = 2
    name: str = "eth0"
    mac: str = "02:00:00:00:00:12"


class World:
    async def add_vip(self, index, vip, label=None):
        return True

    async def remove_vip(self, index, vip):
        return True

    def send(self, payload, dst, src, ttl=255):
        pass

    def start(self):
        pass

    def stop(self):
        pass

    def burst(self):
        pass


def _advert(priority: int, interval: int = 100, vrid: int = 51) -> Advert:
    return Advert(version=3, vrid=vrid, priority=priority, interval=interval,
                  addresses=(ip_address("192.0.2.100"),))


async def _scenario():
    cfg = parse_config(CONFIG, "t.toml").instances[0]
    world = World()
    runner = InstanceRunner(cfg, link=Link(), primary_ip=ip_address("192.0.2.12"), sock=world,
                            netlink=world, garp_factory=lambda c: world)
    try:
        runner.start()
        runner.advert_received(MASTER, _advert(150))
        loop = asyncio.get_running_loop()
        higher = explain_runner(runner, now=loop.time())
        runner.advert_received(MASTER, _advert(150, interval=0))  # Router drops: bad_interval
        runner.advert_received(MASTER, _advert(50))  # lower: preempt_delay armed
        lower = explain_runner(runner, now=loop.time())
        return higher, lower, instance_status(runner)
    finally:
        runner._cancel_timers()
        await runner.close()


def test_backup_facts_follow_what_it_hears():
    higher, lower, status = asyncio.run(asyncio.wait_for(_scenario(), 5))
    assert higher["rule"].startswith(
        "BACKUP: master 192.0.2.11 priority 150 > our 100; preempt on but lower (master down in")
    assert lower["rule"].startswith(
        "BACKUP: master 192.0.2.11 priority 50 < our 100; preempt_delay 4 s pending, "
        "taking over in 4.6")  # the delay plus Skew_Time(100) = 0.61 s
    (peer,) = lower["peers"]
    assert (peer["address"], peer["priority"], peer["adverts"]) == ("192.0.2.11", 50, 3)
    assert peer["dropped"] == {"bad_interval": 1}
    assert lower["vip_claims"] is None  # no split-brain watch attached
    assert status["preempt"] is True and status["preempt_delay"] == 4.0
    assert status["primary_ip"] == "192.0.2.12" and status["master_priority"] == 50
    assert status["skew_time"] == round(156 / 256, 6)
    assert status["master_down_interval"] == round(3 + 156 / 256, 6)
