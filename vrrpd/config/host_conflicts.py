"""VIPs that clash with what the host already has: a VIP equal to an address the interface
holds (and that vrrpd did not add) would be deleted the first time the instance lets go of
it, leaving the node without, e.g., its primary address. Pure: the caller reads the host.

The same check serves `vrrpd run` (from netlink, refusing to start) and `vrrpd check-config`
(from a light stdlib netlink dump, on the host where the interface exists).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from ipaddress import IPv4Interface, IPv6Interface

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.model import InstanceConfig, VirtualIp

# (address, ours): an address an interface has, and whether vrrpd added it (IFA_PROTO)
HostAddress = tuple[IPv4Interface | IPv6Interface, bool]
# interface name -> its addresses, or None when this host has no such interface
HostLookup = Callable[[str], "Sequence[HostAddress] | None"]


def managed_vip_paths(inst: InstanceConfig) -> list[tuple[str, VirtualIp, str]]:
    """Every address the instance manages with its key path and the interface it goes on."""
    found = []
    for key, vips in (("virtual_ipaddress", inst.vips),
                      ("virtual_ipaddress_excluded", inst.vips_excluded)):
        for index, vip in enumerate(vips):
            found.append((f"instances.{inst.name}.{key}[{index}]", vip,
                          vip.dev or inst.interface))
    return found


def conflict(path: str, vip: VirtualIp, interface: str,
             addresses: Sequence[HostAddress]) -> ConfigProblem | None:
    """The problem when `vip` equals a foreign address of `interface` (None otherwise)."""
    for address, ours in addresses:
        if not ours and address.ip == vip.interface.ip:
            return ConfigProblem(
                path, f"{vip.interface.ip} is already an address of {interface} ({address}) "
                "that vrrpd did not add; vrrpd would delete it when it releases the VIP: "
                "use an address nobody owns")
    return None


def vip_conflicts(instances: Iterable[InstanceConfig], held: HostLookup) -> list[ConfigProblem]:
    """One problem per managed VIP equal to a foreign address of the interface it goes on."""
    problems: list[ConfigProblem] = []
    for inst in instances:
        for path, vip, interface in managed_vip_paths(inst):
            problem = conflict(path, vip, interface, held(interface) or ())
            if problem is not None:
                problems.append(problem)
    return problems
