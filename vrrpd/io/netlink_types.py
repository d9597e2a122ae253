"""The typed values netlink answers are translated into, and the start-up Snapshot.

Kept apart from vrrpd.io.netlink (the pyroute2 session) so the values and the questions
answered from a snapshot carry no I/O; vrrpd.io.netlink re-exports every name.
"""

from __future__ import annotations

import socket
from collections.abc import Collection
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

from vrrpd.io.errors import InterfaceMissing

IPAddress = IPv4Address | IPv6Address
IPInterface = IPv4Interface | IPv6Interface

RT_SCOPE_UNIVERSE = 0
IFNAMSIZ = 16  # kernel limit for interface names and IPv4 address labels, NUL included


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """An interface as the daemon needs it. `up` = administratively up and running
    (IFF_UP and IFF_RUNNING: carrier present and operstate UP/UNKNOWN, as keepalived checks).
    `mac` is "" for links without a hardware address."""

    index: int
    name: str
    mac: str
    up: bool
    mtu: int


@dataclass(frozen=True, slots=True)
class HeldAddress:
    """An address an interface has; `ours` = added by vrrpd (IFA_PROTO VRRPD_ADDR_PROTO)."""

    address: IPv4Interface | IPv6Interface
    ours: bool


@dataclass(frozen=True, slots=True)
class AddressAdded:
    """An address appeared or changed (the kernel re-announces one when DAD finishes)."""

    ifindex: int
    address: IPInterface
    tentative: bool = False


@dataclass(frozen=True, slots=True)
class AddressRemoved:
    ifindex: int
    address: IPInterface


@dataclass(frozen=True, slots=True)
class LinkChanged:
    ifindex: int
    name: str
    up: bool


@dataclass(frozen=True, slots=True)
class LinkRemoved:
    """The interface is gone: sockets bound to it are dead; a re-created one has a new index."""

    ifindex: int
    name: str


NetlinkEvent = AddressAdded | AddressRemoved | LinkChanged | LinkRemoved


@dataclass(frozen=True, slots=True)
class AddressEntry:
    ifindex: int
    address: IPInterface
    primary: bool  # IPv4: not IFA_F_SECONDARY
    scope: int
    tentative: bool
    ours: bool = False  # added by vrrpd (IFA_PROTO VRRPD_ADDR_PROTO)


@dataclass(frozen=True)
class Snapshot:
    """Links and addresses of the namespace at one moment, from one dump of each.

    Start-up asks the same questions for every instance (its link, its advert source, who
    holds its VIPs); one snapshot answers them all, where a dump per question made starting
    N instances cost N dumps of a table that grows with N.
    """

    links: dict[str, LinkInfo]
    addresses: tuple[AddressEntry, ...]

    def link(self, ifname: str) -> LinkInfo:
        check_ifname(ifname)
        found = self.links.get(ifname)
        if found is None:
            raise InterfaceMissing(ifname, f"reading link {ifname}")
        return found

    def primary_address(self, ifindex: int, family: int) -> IPAddress | None:
        """As Netlink.primary_address, from the snapshot."""
        version = 4 if family == socket.AF_INET else 6
        return primary_of([e for e in self.addresses
                         if e.ifindex == ifindex and e.address.version == version], family, ())

    def owners(self, address: IPAddress) -> list[int]:
        return sorted({e.ifindex for e in self.addresses if e.address.ip == address})

    def held(self, ifindex: int, family: int) -> list[HeldAddress]:
        """As Netlink.held, from the snapshot."""
        version = 4 if family == socket.AF_INET else 6
        return [HeldAddress(e.address, e.ours) for e in self.addresses
                if e.ifindex == ifindex and e.address.version == version]

    def holds(self, ifindex: int, vip: IPInterface) -> bool:
        """Whether `vip` (address and prefix length) is on interface `ifindex`."""
        return any(e.ifindex == ifindex and e.address == vip for e in self.addresses)


def check_ifname(ifname: str) -> None:
    if not ifname or len(ifname.encode()) >= IFNAMSIZ or "/" in ifname or ifname.isspace():
        raise ValueError(f"invalid interface name {ifname!r}")


def primary_of(entries: list[AddressEntry], family: int,
             exclude: Collection[IPAddress]) -> IPAddress | None:
    """IPv4: the first primary global address; IPv6: the link-local one once DAD is over."""
    for entry in entries:
        address = entry.address.ip
        if address in exclude or entry.tentative:
            continue
        if family == socket.AF_INET:
            if entry.primary and entry.scope == RT_SCOPE_UNIVERSE:
                return address
        elif address.is_link_local:
            return address
    return None
