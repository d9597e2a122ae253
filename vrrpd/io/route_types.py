"""Routes and policy rules as vrrpd installs them, and the events that may undo them.

Plain values, free of pyroute2, so that the code deciding what to install (vrrpd.runtime.egress)
and its tests do not load the netlink library; vrrpd.io.routes talks to the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

# iproute2 names protocol 18 "keepalived" (/etc/iproute2/rt_protos): `ip route show proto
# keepalived` lists what vrrpd installed, as it did for keepalived before a migration.
RTPROT_VRRPD = 18
RT_TABLE_MAIN = 254
DEFAULT_METRIC = {4: 0, 6: 1024}  # what the kernel stores when no metric is given


@dataclass(frozen=True, slots=True)
class Nexthop:
    """One path of a multipath route; `weight` 1..256 as `ip route ... weight N` takes it."""

    via: IPAddress | None = None
    dev: str | None = None
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Route:
    """A route as vrrpd installs it. `metric` None = the kernel default (0 IPv4, 1024 IPv6);
    `scope` None = link for an IPv4 route without any gateway, else universe (as iproute2)."""

    dst: IPNetwork
    table: int = RT_TABLE_MAIN
    metric: int | None = None
    src: IPAddress | None = None
    via: IPAddress | None = None
    dev: str | None = None
    scope: int | None = None
    nexthops: tuple[Nexthop, ...] = ()

    @property
    def family(self) -> int:
        return self.dst.version

    @property
    def effective_metric(self) -> int:
        return DEFAULT_METRIC[self.family] if self.metric is None else self.metric

    @property
    def key(self) -> tuple[int, int, IPNetwork, int]:
        """What the kernel tells routes apart by: two routes with one key replace each other."""
        return (self.family, self.table, self.dst, self.effective_metric)

    def __str__(self) -> str:
        parts = ["default" if self.dst.prefixlen == 0 else str(self.dst)]
        if self.via is not None:
            parts.append(f"via {self.via}")
        if self.dev is not None:
            parts.append(f"dev {self.dev}")
        for hop in self.nexthops:
            parts.append(f"nexthop via {hop.via} dev {hop.dev} weight {hop.weight}")
        if self.src is not None:
            parts.append(f"src {self.src}")
        if self.table != RT_TABLE_MAIN:
            parts.append(f"table {self.table}")
        if self.metric is not None:
            parts.append(f"metric {self.metric}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Rule:
    """A policy rule `from SRC to DST lookup TABLE priority N`; None = not matched on."""

    family: int  # 4 or 6
    table: int
    src: IPNetwork | None = None
    dst: IPNetwork | None = None
    priority: int | None = None  # None: the kernel picks one below the first existing rule

    def __str__(self) -> str:
        parts = [f"from {self.src or 'all'}"]
        if self.dst is not None:
            parts.append(f"to {self.dst}")
        parts.append(f"lookup {self.table}")
        if self.priority is not None:
            parts.append(f"priority {self.priority}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class RouteRemoved:
    """A route vrrpd installed (protocol RTPROT_VRRPD) was deleted, by an admin or the kernel."""

    family: int
    table: int
    dst: IPNetwork
    metric: int

    @property
    def key(self) -> tuple[int, int, IPNetwork, int]:
        return (self.family, self.table, self.dst, self.metric)


@dataclass(frozen=True, slots=True)
class RuleRemoved:
    family: int
    table: int
    src: IPNetwork | None
    dst: IPNetwork | None
    priority: int


@dataclass(frozen=True, slots=True)
class AddressAppeared:
    """An address was added: routes that needed it as `src` or to reach a gateway can return."""

    ifindex: int


@dataclass(frozen=True, slots=True)
class LinkUp:
    """A link is up and running: the kernel dropped routes through it while it was down."""

    ifindex: int


RouteEvent = RouteRemoved | RuleRemoved | AddressAppeared | LinkUp
