"""The runtime and export tests' one set of fakes, typed against vrrpd.runtime.seams.

`FakeInstance` is an `Instance` (and a receive-path `Receiver`) around a real pure Router:
what it is fed and what the Router answered are recorded, and transitions reach its observer
after the batch, as InstanceRunner delivers them. The adapters (`link_info`, `FakeNetlink`,
`FakeRoutes`, `RecordingLog`) stand in for vrrpd.io; `aio`/`run`/`until` keep every wait on
a fresh loop bounded.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from ipaddress import ip_address
from typing import Any, TypeVar

from vrrpd.config import parse_config
from vrrpd.config.model import InstanceConfig
from vrrpd.io.errors import InterfaceMissing
from vrrpd.io.netlink import LinkInfo
from vrrpd.io.route_types import Route, Rule
from vrrpd.protocol.actions import Action, SendGarp, State, StateChanged
from vrrpd.protocol.events import AdvertReceived, Event, Startup, Timer, TimerFired
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router import Router, RouterParams
from vrrpd.protocol.timing import seconds_to_wire_interval
from vrrpd.runtime.counters import Counters
from vrrpd.runtime.instance import router_params
from vrrpd.runtime.peers import PeerTable
from vrrpd.runtime.seams import IPAddress, TransitionObserver

OUR_MAC = "02:1a:00:00:00:0b"
PRIMARY = ip_address("192.0.2.11")
PRIMARY6 = ip_address("fe80::11")  # an IPv6 instance's primary: link-local

T = TypeVar("T")


# -- the instance seam --------------------------------------------------------------------------
def instance_config(extra: str = "", name: str = "VI_1") -> InstanceConfig:
    """A valid instance on eth0 (VRID 51, VIP 192.0.2.100/24) plus `extra` TOML lines."""
    text = f"""
[instances.{name}]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
{extra}
"""
    return parse_config(text, "test.toml").instances[0]


def link_info(index: int = 2, name: str = "eth0", mac: str = OUR_MAC, up: bool = True) -> LinkInfo:
    return LinkInfo(index=index, name=name, mac=mac, up=up, mtu=1500)


class FakeInstance:
    """A vrrpd.runtime.seams.Instance with a real Router and no io.

    `feed` hands the Router the event at `now()` and records the event (`events`) and its
    answer (`actions`); `announce` and `advert_received` are recorded (`announced`, `heard`).
    `params` overrides the Router's parameters taken from `cfg` (for simulation.instance());
    `clock` is a one-item list, so that several instances can share it.
    """

    def __init__(self, cfg: InstanceConfig | None = None, *, link: LinkInfo | None = None,
                 primary_ip: IPAddress | None = None, params: RouterParams | None = None,
                 on_transition: TransitionObserver | None = None,
                 clock: list[float] | None = None) -> None:
        self.cfg = cfg if cfg is not None else instance_config()
        self.link = link if link is not None else link_info(name=self.cfg.interface)
        if primary_ip is None:
            primary_ip = PRIMARY if self.cfg.family == 4 else PRIMARY6
        self.primary_ip = primary_ip
        self.router = Router(params if params is not None else router_params(self.cfg, primary_ip))
        self.name = self.router.params.name
        self.counters = Counters()
        self.since_wall: float | None = None
        self.old_state: str | None = None
        self.peer_table = PeerTable()  # as InstanceRunner: who we hear (vrrpd.runtime.peers)
        self.clock = clock if clock is not None else [0.0]  # a list: members may share one
        self.on_transition = on_transition
        self.events: list[Event] = []
        self.actions: list[Action] = []
        self.announced: list[SendGarp] = []  # each announce(), as the SendGarp it stands for
        self.heard: list[tuple[IPAddress, Advert]] = []

    def now(self) -> float:
        return self.clock[0]

    # -- the Instance seam
    def feed(self, event: Event) -> None:
        self.events.append(event)
        actions = self.router.handle(event, self.now())
        self.actions += actions
        if self.on_transition is not None:  # after the batch, as InstanceRunner.apply
            for change in [a for a in actions if isinstance(a, StateChanged)]:
                self.on_transition(self, change)

    def announce(self) -> None:
        self.announced.append(SendGarp(reason="became-master"))

    # -- the receive path's Receiver seam
    def accepts_source(self, src: IPAddress) -> bool:
        return not self.cfg.unicast_peer or src in self.cfg.unicast_peer

    def advert_received(self, src: IPAddress, advert: Advert) -> None:
        self.heard.append((src, advert))

    # -- driving the Router through real events
    def transitions(self) -> list[StateChanged]:
        return [a for a in self.actions if isinstance(a, StateChanged)]

    def master(self) -> StateChanged:
        """Startup (if not yet started), then the Master_Down_Timer fires: the transition."""
        if self.router.state is State.INIT:
            self.feed(Startup())
        self.clock[0] = self.router.timers[Timer.MASTER_DOWN]
        self.feed(TimerFired(Timer.MASTER_DOWN))
        assert self.router.state is State.MASTER
        return self.transitions()[-1]

    def hear(self, src: IPAddress, priority: int) -> StateChanged | None:
        """An advert from `src` for our VRID: the transition it caused, if any."""
        before = len(self.transitions())
        interval = seconds_to_wire_interval(self.cfg.advert_int, self.cfg.version)
        advert = Advert(version=self.cfg.version, vrid=self.cfg.virtual_router_id,
                        priority=priority, interval=interval,
                        addresses=tuple(v.interface.ip for v in self.cfg.vips))
        self.feed(AdvertReceived(src=src, advert=advert))
        changes = self.transitions()
        return changes[-1] if len(changes) > before else None


# -- adapters -----------------------------------------------------------------------------------
class FakeNetlink:
    """vrrpd.io.netlink.Netlink.link() for the tracking driver: links by name, up or down."""

    def __init__(self, links: dict[str, bool]) -> None:
        self.links = links
        self.asked: list[str] = []

    async def link(self, name: str) -> LinkInfo:
        self.asked.append(name)
        if name not in self.links:
            raise InterfaceMissing(name, "reading link")
        return link_info(name=name, up=self.links[name])


class FakeRoutes:
    """vrrpd.runtime.egress.RouteStore: records calls; holds the 'installed' set like a
    kernel would; `fail` maps an item to the exception its ensure raises."""

    def __init__(self) -> None:
        self.installed: set[Route | Rule] = set()
        self.calls: list[tuple[str, object]] = []
        self.fail: dict[Route | Rule, Exception] = {}

    async def ensure_route(self, route: Route) -> bool:
        return self._ensure("ensure_route", route)

    async def ensure_rule(self, rule: Rule) -> bool:
        return self._ensure("ensure_rule", rule)

    async def delete_route(self, route: Route) -> bool:
        return self._delete("delete_route", route)

    async def delete_rule(self, rule: Rule) -> bool:
        return self._delete("delete_rule", rule)

    def _ensure(self, name: str, item: Route | Rule) -> bool:
        self.calls.append((name, item))
        if item in self.fail:
            raise self.fail[item]
        added = item not in self.installed
        self.installed.add(item)
        return added

    def _delete(self, name: str, item: Route | Rule) -> bool:
        self.calls.append((name, item))
        present = item in self.installed
        self.installed.discard(item)
        return present


class RecordingLog:
    """A structlog-shaped logger: every call at any level kept as (level, event, fields)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, dict[str, object]]] = []

    def __getattr__(self, level: str) -> Callable[..., None]:
        return lambda event, **fields: self.records.append((level, event, fields))


# -- bounded loops ------------------------------------------------------------------------------
def run(coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
    """Run `coro` on a fresh loop, bounded."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def aio(timeout: float = 10.0) -> Callable[[Callable[..., Awaitable[T]]],
                                           Callable[..., T]]:
    """Decorator: an async test run on a fresh loop, bounded (no pytest-asyncio needed)."""

    def wrap(test: Callable[..., Awaitable[T]]) -> Callable[..., T]:
        @functools.wraps(test)
        def sync(*args: object, **kwargs: object) -> T:
            async def bounded() -> T:
                return await asyncio.wait_for(test(*args, **kwargs), timeout)

            return asyncio.run(bounded())

        return sync

    return wrap


async def until(predicate: Callable[[], object], timeout: float = 10.0,
                step: float = 0.02) -> None:
    """Poll `predicate` every `step` s; fail the test after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)
