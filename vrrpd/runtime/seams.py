"""The seams between the runtime's modules: what one may read or call of another.

`Instance` is what the drivers and observers (tracking, sync groups, split brain, the
receive path, MQTT payloads, status) may use of a running instance; the InstanceRunner has
it. The other protocols name what the runner needs of its adapters, so tests can hand it
fakes and tools can follow a call across the seam. Nothing here is typed `Any`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: observers (export/) import this without pyroute2
    from vrrpd.config.model import InstanceConfig
    from vrrpd.io.netlink import LinkInfo
    from vrrpd.protocol.actions import StateChanged
    from vrrpd.protocol.events import Event
    from vrrpd.protocol.router import Router
    from vrrpd.runtime.counters import Counters

IPAddress = IPv4Address | IPv6Address
IPInterface = IPv4Interface | IPv6Interface


class Instance(Protocol):
    """A running VRRP instance as other runtime modules see it (read-only fields)."""

    @property
    def name(self) -> str: ...

    @property
    def cfg(self) -> InstanceConfig: ...

    @property
    def link(self) -> LinkInfo: ...

    @property
    def primary_ip(self) -> IPAddress: ...

    @property
    def router(self) -> Router: ...

    @property
    def counters(self) -> Counters: ...

    @property
    def since_wall(self) -> float | None: ...

    @property
    def old_state(self) -> str | None:
        """The state before the last transition (None before the first)."""

    def feed(self, event: Event) -> None:
        """Hand the Router one event and carry out what it returns."""

    def announce(self) -> None:
        """Queue one GARP/NA schedule behind the VIP work (only sent while master)."""


TransitionObserver = Callable[[Instance, "StateChanged"], None]
"""Called once the batch of actions holding the transition has run (so a driver it calls,
e.g. the sync groups, never re-enters another instance in the middle of a batch)."""


class AdvertSocket(Protocol):
    """The raw VRRP socket an instance sends on (vrrpd.io.rawsock.VrrpSocket)."""

    def send(self, payload: bytes, dst: IPAddress, src: IPAddress, *, ttl: int = 255) -> None:
        ...


class VipNetlink(Protocol):
    """The address calls of vrrpd.io.netlink.Netlink an instance makes."""

    def add_vip(self, ifindex: int, vip: IPInterface, label: str | None = None) -> Awaitable[bool]:
        ...

    def remove_vip(self, ifindex: int, vip: IPInterface) -> Awaitable[bool]: ...

    def addresses(self, ifindex: int, family: int) -> Awaitable[list[IPInterface]]: ...


class Announcer(Protocol):
    """An instance's GARP / unsolicited-NA schedule (vrrpd.io.garp.GarpSchedule)."""

    def start(self) -> None: ...

    def burst(self) -> None: ...

    def stop(self) -> None: ...
