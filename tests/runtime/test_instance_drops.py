"""The runner's side of the Router's explained drops and notes: counted by reason in status,
and logged at most once per LOG_EVERY per (instance, reason), never silently."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address

from tests.runtime.fakes import link_info
from tests.runtime.test_instance_ordering import World
from vrrpd.config import parse_config
from vrrpd.protocol.packet import Advert
from vrrpd.runtime.instance import InstanceRunner

CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 100
advert_int = 1.0
virtual_ipaddress = ["192.0.2.100/24"]
"""
MASTER = ip_address("192.0.2.12")


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict]] = []

    def warning(self, message: str, **fields) -> None:
        self.lines.append((message, fields))

    def __getattr__(self, _name):
        return lambda *args, **kwargs: None


def _advert(addresses=("192.0.2.100",), interval=100, priority=200) -> Advert:
    return Advert(version=3, vrid=51, priority=priority, interval=interval,
                  addresses=tuple(ip_address(a) for a in addresses))


def _scenario(adverts: list[Advert]) -> tuple[dict, list]:
    async def scenario():
        world = World()
        cfg = parse_config(CONFIG, "t.toml").instances[0]
        runner = InstanceRunner(cfg, link=link_info(), primary_ip=ip_address("192.0.2.11"),
                                sock=world, netlink=world, garp_factory=lambda c: world)
        log = runner._log = Log()
        runner.start()
        for advert in adverts:
            runner.advert_received(MASTER, advert)
        counters = runner.counters.as_dict()
        runner._cancel_timers()
        await runner.close()
        return counters, log.lines

    return asyncio.run(asyncio.wait_for(scenario(), 5))


def test_address_mismatch_is_counted_every_time_and_logged_once():
    counters, lines = _scenario([_advert(addresses=("192.0.2.200",))] * 3)
    assert counters["dropped"] == {"address_mismatch": 3}
    assert [(message, fields["reason"]) for message, fields in lines] == [
        ("dropped advert", "address_mismatch")
    ]
    assert lines[0][1]["detail"].startswith("192.0.2.12 advertises other virtual addresses")


def test_a_master_changing_its_interval_is_noted_and_logged():
    counters, lines = _scenario([_advert(), _advert(interval=50), _advert(interval=50)])
    assert counters["noted"] == {"interval_changed": 1}
    assert counters["dropped"] == {}
    assert [(message, fields["reason"]) for message, fields in lines] == [
        ("advert noted", "interval_changed")
    ]


def test_routine_drops_are_counted_without_a_log_line():
    counters, lines = _scenario([Advert(version=3, vrid=51, priority=200, interval=0,
                                        addresses=(ip_address("192.0.2.100"),))])
    assert counters["dropped"] == {"bad_interval": 1}
    assert lines == []
