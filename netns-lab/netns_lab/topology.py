"""Building the planned namespaces, bridge, veths (or bonds) and addresses."""

from __future__ import annotations

from pathlib import Path

from . import commands
from .errors import LabError
from .host import Netns
from .plan import HOST_IFACE, PREFIXLEN4, PREFIXLEN6, HostPlan, LabPlan

BOND_MIIMON_MS = 10
_BONDING_SYSFS = Path("/sys/module/bonding")


def bonding_available() -> bool:
    """Is the bonding driver loaded? We never autoload it: its default max_bonds=1 would
    create a bond0 in the root namespace, which the lab must never touch."""
    return _BONDING_SYSFS.is_dir()


def check_can_build(plan: LabPlan) -> None:
    """Refuse early, with a reason, instead of failing half-way through a build."""
    if any(h.bond for h in plan.hosts) and not bonding_available():
        raise LabError(
            "bond_hosts need the kernel bonding driver, but /sys/module/bonding is missing; "
            "load it with `modprobe bonding max_bonds=0` (this kernel may lack CONFIG_BONDING)"
        )
    taken = set(plan.namespaces) & set(commands.list_netns())
    if taken:
        raise LabError(f"namespaces {sorted(taken)} already exist: prefix {plan.prefix} in use")


def create_namespaces(plan: LabPlan) -> None:
    commands.ip_batch(f"netns add {name}" for name in plan.namespaces)


def prepare_host(netns: Netns) -> None:
    """DAD off for every interface created later in the namespace, so IPv6 addresses
    (VIPs included) are usable the moment they are added. Run before the veths exist."""
    netns.set_sysctls({"net.ipv6.conf.all.accept_dad": 0, "net.ipv6.conf.default.accept_dad": 0})


def configure_host(netns: Netns, host: HostPlan) -> None:
    """lo up, eth0 (plain veth or active-backup bond) up with the planned addresses."""
    lines = ["link set lo up"]
    if host.bond:
        lines.append(
            f"link add {HOST_IFACE} address {host.mac} type bond mode active-backup"
            f" miimon {BOND_MIIMON_MS}"
        )
        for slave in host.slaves:
            lines += [f"link set {slave} master {HOST_IFACE}", f"link set {slave} up"]
    lines.append(f"addr add {host.ipv4}/{PREFIXLEN4} dev {HOST_IFACE}")
    if host.ipv6:
        lines.append(f"addr add {host.ipv6}/{PREFIXLEN6} dev {HOST_IFACE} nodad")
    lines.append(f"link set {HOST_IFACE} up")
    netns.ip_batch(lines)
