"""The lab's names and addresses, decided before anything is created (and testable without root).

Interface names live inside the lab's own namespaces, so they never carry the run prefix and
stay far below the kernel's 15-character limit; only namespace names carry the prefix.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass

SUBNET4 = "192.0.2.0/24"
SUBNET6 = "2001:db8::/64"
PREFIXLEN4 = 24
PREFIXLEN6 = 64
VIPS4 = tuple(f"192.0.2.{n}" for n in range(100, 110))
VIPS6 = tuple(f"2001:db8::{n}" for n in range(100, 110))
CLIENT = "client"
SWITCH = "sw"
BRIDGE = "br0"
HOST_IFACE = "eth0"
MAX_HOSTS = 89  # host N gets .10+N, which must stay below the VIP range at .100

_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
_HOST_RE = re.compile(r"^[a-z][a-z0-9]{0,9}$")


def new_prefix() -> str:
    """A per-run unique prefix such as `vl4821a3f0`: pid for humans, random bits for safety."""
    return f"vl{os.getpid() % 10000}{secrets.token_hex(2)}"


def validate_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
        raise ValueError(
            f"lab prefix {prefix!r} must be 2-16 chars of [a-z0-9] starting with a letter"
        )
    return prefix


@dataclass(frozen=True)
class HostPlan:
    """Everything fixed about one lab host: namespace, addresses, MAC and switch ports."""

    name: str
    netns: str
    index: int
    ipv4: str
    ipv6: str | None
    mac: str
    ports: tuple[str, ...]  # switch-side veth names in the switch namespace
    bond: bool

    @property
    def slaves(self) -> tuple[str, ...]:
        """Host-side veth names: the bond's slaves, or just eth0 for a plain host."""
        if not self.bond:
            return (HOST_IFACE,)
        return tuple(f"{HOST_IFACE}s{i}" for i in range(len(self.ports)))


@dataclass(frozen=True)
class LabPlan:
    prefix: str
    switch_netns: str
    hosts: tuple[HostPlan, ...]
    client: HostPlan | None
    ipv6: bool

    @property
    def all_hosts(self) -> tuple[HostPlan, ...]:
        return self.hosts + ((self.client,) if self.client else ())

    @property
    def namespaces(self) -> tuple[str, ...]:
        return (self.switch_netns, *(h.netns for h in self.all_hosts))


def _host_plan(prefix: str, name: str, index: int, *, ipv6: bool, bond: bool) -> HostPlan:
    octet = 200 if name == CLIENT else 10 + index
    ports = tuple(f"p-{name}-{i}" for i in range(2)) if bond else (f"p-{name}",)
    return HostPlan(
        name=name,
        netns=f"{prefix}-{name}",
        index=index,
        ipv4=f"192.0.2.{octet}",
        ipv6=f"2001:db8::{octet}" if ipv6 else None,
        mac=f"02:1a:00:00:00:{octet:02x}",
        ports=ports,
        bond=bond,
    )


def make_plan(
    prefix: str,
    hosts: tuple[str, ...] | list[str] = ("r1", "r2"),
    *,
    client: bool = True,
    ipv6: bool = True,
    bond_hosts: tuple[str, ...] | list[str] = (),
) -> LabPlan:
    """Validate the requested shape and derive every name and address from it."""
    validate_prefix(prefix)
    if isinstance(hosts, str) or isinstance(bond_hosts, str):
        raise ValueError("hosts and bond_hosts must be sequences of names, not a string")
    hosts = tuple(hosts)
    if not 1 <= len(hosts) <= MAX_HOSTS:
        raise ValueError(f"need 1..{MAX_HOSTS} hosts, got {len(hosts)}")
    for name in hosts:
        if not isinstance(name, str) or not _HOST_RE.match(name):
            raise ValueError(f"host name {name!r} must be 1-10 chars of [a-z0-9], letter first")
        if name in (CLIENT, SWITCH):
            raise ValueError(f"host name {name!r} is reserved for the lab")
    if len(set(hosts)) != len(hosts):
        raise ValueError(f"duplicate host names in {hosts}")
    unknown = set(bond_hosts) - set(hosts)
    if unknown:
        raise ValueError(f"bond_hosts {sorted(unknown)} are not among hosts {hosts}")
    plans = tuple(
        _host_plan(prefix, name, i, ipv6=ipv6, bond=name in bond_hosts)
        for i, name in enumerate(hosts, start=1)
    )
    client_plan = _host_plan(prefix, CLIENT, 0, ipv6=ipv6, bond=False) if client else None
    return LabPlan(
        prefix=prefix,
        switch_netns=f"{prefix}-{SWITCH}",
        hosts=plans,
        client=client_plan,
        ipv6=ipv6,
    )
