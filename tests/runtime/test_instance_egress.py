"""InstanceRunner wiring of routes and hooks, with fake io: routes only after the VIPs,
removed before them, hooks after the transition's VIP work, repairs coalesced."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address, ip_network

from tests.runtime.fakes import link_info
from vrrpd.config import parse_config
from vrrpd.io.route_types import AddressAppeared, RouteRemoved
from vrrpd.runtime.instance import InstanceRunner

CONFIG = """
[global]
notify = ["/bin/true", "global"]

[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = {priority}
advert_int = 1.0
virtual_ipaddress = ["192.0.2.100/24"]
notify = ["/bin/true", "instance"]
fallback_routes = true
virtual_routes = [
  {{ dst = "default", via = "192.0.2.1", dev = "eth0", src = "192.0.2.100", metric = 1 }},
]
virtual_rules = [ {{ from = "192.0.2.100", table = 100 }} ]
"""


class World:
    """Fake netlink, routes, socket and GARP that log every call in one ordered list."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.addresses: set = {ip_address("192.0.2.11")}

    # netlink
    async def add_vip(self, index, vip, label=None):
        self.calls.append("add_vip")
        self.addresses.add(vip.ip)
        return True

    async def remove_vip(self, index, vip):
        self.calls.append("remove_vip")
        self.addresses.discard(vip.ip)
        return True

    async def addresses_of(self, index, family):
        return list(self.addresses)

    # routes
    async def ensure_route(self, route):
        self.calls.append(f"ensure_route metric={route.metric}")
        return False

    async def delete_route(self, route):
        self.calls.append(f"delete_route metric={route.metric}")
        return False

    async def ensure_rule(self, rule):
        self.calls.append("ensure_rule")
        return False

    async def delete_rule(self, rule):
        self.calls.append("delete_rule")
        return False

    # socket and garp
    def send(self, payload, dst, src, ttl=255):
        pass

    def start(self):
        pass

    def stop(self):
        pass

    def burst(self):
        pass


class Netlink:
    def __init__(self, world: World) -> None:
        self.add_vip, self.remove_vip = world.add_vip, world.remove_vip
        self.addresses = world.addresses_of


def runner_for(world: World, priority: int) -> InstanceRunner:
    config = parse_config(CONFIG.format(priority=priority), "test.toml")
    runner = InstanceRunner(
        config.instances[0],
        link=link_info(),
        primary_ip=ip_address("192.0.2.11"),
        sock=world,
        netlink=Netlink(world),
        garp_factory=lambda cfg: world,
        routes=world,
        global_config=lambda: config.global_,
    )

    def submit(job):
        world.calls.append(
            f"hooks {job.args[1]}<-{job.args[2]} "
            + " ".join(command.argv[1] for command in job.commands)
        )

    runner.hooks.submit = submit
    return runner


async def settle(world: World, count: int, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if len(world.calls) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"only {world.calls}")


def test_master_installs_after_vips_and_removes_before_them_hooks_come_last():
    world = World()

    async def scenario():
        runner = runner_for(world, priority=255)  # the address owner: master at once
        runner.start()
        await settle(world, 7)
        started = list(world.calls)
        world.calls.clear()
        await runner.stop()
        await runner.close()
        return started, world.calls

    started, stopped = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert started == [
        "delete_rule",  # start: leftovers of a crashed run
        "delete_route metric=1",
        "ensure_route metric=100",  # the fallback, for as long as the instance runs
        "add_vip",
        "ensure_route metric=1",  # only now that the VIP exists
        "ensure_rule",
        "hooks MASTER<-INIT instance global",
    ]
    assert stopped == [
        "delete_rule",  # before the VIP goes
        "delete_route metric=1",
        "remove_vip",
        "hooks INIT<-MASTER instance global",
        "delete_rule",  # clean stop: nothing of ours stays
        "delete_route metric=1",
        "delete_route metric=100",
    ]


def test_a_backup_keeps_only_its_fallback_and_repairs_once_per_burst():
    world = World()

    async def scenario():
        runner = runner_for(world, priority=100)
        runner.start()  # BACKUP, waiting for a master that never comes within the test
        await settle(world, 4)
        world.calls.clear()
        runner.route_event(RouteRemoved(4, 254, ip_network("198.51.100.0/24"), 0))  # not ours
        await asyncio.sleep(0.05)
        unrelated = list(world.calls)
        for _ in range(5):
            runner.route_event(AddressAppeared(2))
        await asyncio.sleep(0.05)
        repaired = list(world.calls)
        state = runner.router.state.value
        runner._cancel_timers()
        await runner.close()
        return unrelated, repaired, state

    unrelated, repaired, state = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert state == "BACKUP"
    assert unrelated == []
    assert repaired == ["ensure_route metric=100"]  # one repair, fallback only
