"""Interface lifecycle faults inside a lab host: delete its eth0, create it again (new
ifindex, new MAC, same addresses, same switch port name), rename it away and back.

Deleting a veth end deletes its peer too, so the switch port goes with it; re-creating puts
a fresh pair back on the bridge, as a hot-plugged NIC or a driver reload would look.
"""

from __future__ import annotations

import secrets

from .host import Host
from .plan import BRIDGE, HOST_IFACE, PREFIXLEN4, PREFIXLEN6
from .switch import Switch


def random_mac() -> str:
    """A locally administered unicast MAC (02:xx:...)."""
    return "02:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(5))


def delete_interface(host: Host) -> None:
    if host.plan.bond:
        raise ValueError("interface faults are for plain (veth) hosts")
    host.ip("link", "del", HOST_IFACE)


def create_interface(host: Host, switch: Switch, mac: str | None = None) -> str:
    """Re-create the host's eth0 (after delete_interface) with `mac` (random by default) and
    the planned addresses; returns the MAC."""
    if host.plan.bond:
        raise ValueError("interface faults are for plain (veth) hosts")
    mac = mac or random_mac()
    (port,) = host.plan.ports
    switch.ip_batch([
        f"link add {port} type veth peer name {HOST_IFACE} address {mac} netns {host.netns}",
        f"link set {port} master {BRIDGE}",
        f"link set {port} up",
    ])
    lines = [f"addr add {host.ipv4}/{PREFIXLEN4} dev {HOST_IFACE}"]
    if host.ipv6:
        lines.append(f"addr add {host.ipv6}/{PREFIXLEN6} dev {HOST_IFACE} nodad")
    lines.append(f"link set {HOST_IFACE} up")
    host.ip_batch(lines)
    return mac


def rename_interface(host: Host, old: str, new: str) -> None:
    """Rename `old` to `new` (the kernel needs the link down for that), then up again."""
    host.ip_batch([f"link set {old} down", f"link set {old} name {new}", f"link set {new} up"])


def interface_mac(host: Host, name: str = HOST_IFACE) -> str:
    (link,) = host.ip_json("link", "show", "dev", name)
    return link["address"]
