"""What the scale bench runs: its cases, their instances and addresses, and both daemons'
configs for them (pure: testable without a lab).

A case is N VRRP instances on r1 (priority 150, master) and r2 (priority 100, backup), one
VIP each. VRIDs are per interface and address family, so beyond 255 instances a case
spreads over several interfaces (each its own L2 segment) and both families.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .keepalived import keepalived_global_defs, keepalived_instance

PRIORITY = {"r1": 150, "r2": 100}
MAX_PER_SEGMENT = 255  # VRIDs are 1..255 per interface and family
# Extra segments: eth1.. with their own bridge, and an IPv4 /32 per host (a VRRPv3 IPv4
# advert needs a source address on its interface; IPv6 uses the link-local one).
SEGMENT_BRIDGE = "bs{}"
SEGMENT_PORT = "q{}-{}"  # switch side: segment, host
OWNER_VIP = "192.0.2.100"
PROBE_ROUTES = ("198.51.100.0/24", "203.0.113.0/24")  # on-link on the client's eth0


@dataclass(frozen=True)
class Instance:
    interface: str
    family: int
    vrid: int
    vip: str  # address without prefix length

    @property
    def name(self) -> str:
        return f"v{self.family}_{self.interface}_{self.vrid}"

    @property
    def vip_prefix(self) -> str:
        return f"{self.vip}/{32 if self.family == 4 else 128}"


@dataclass(frozen=True)
class ScaleCase:
    """N instances at one advert interval, over `interfaces` segments and `families`."""

    key: str
    n: int
    advert_int: float
    interfaces: int = 1
    families: tuple[int, ...] = (4,)

    @property
    def label(self) -> str:
        interval = f"{self.advert_int:g} s" if self.advert_int >= 1 else (
            f"{self.advert_int * 1000:g} ms")
        where = f" ({self.interfaces} if x {len(self.families)} fam)" if self.interfaces > 1 else ""
        return f"{self.n} @ {interval}{where}"

    def master_down(self, priority: int = PRIORITY["r2"]) -> float:
        return 3 * self.advert_int + (256 - priority) * self.advert_int / 256

    def instances(self) -> list[Instance]:
        """Instances spread evenly over interfaces, then families; VIPs from the test nets."""
        slots = [(i, f) for i in range(self.interfaces) for f in self.families]
        per, extra = divmod(self.n, len(slots))
        if per + (extra > 0) > MAX_PER_SEGMENT:
            raise ValueError(f"{self.n} instances need more than {len(slots)} interface/family"
                             f" slots of {MAX_PER_SEGMENT} VRIDs")
        v4 = iter(ipv4_pool())
        out = []
        for index, (iface, family) in enumerate(slots):
            for vrid in range(1, per + (index < extra) + 1):
                vip = next(v4) if family == 4 else str(
                    ipaddress.ip_address(f"2001:db8:100:{iface}::{vrid:x}"))  # as `ip` prints it
                out.append(Instance(f"eth{iface}", family, vrid, vip))
        return out


def ipv4_pool() -> list[str]:
    """IPv4 VIPs outside the lab's own 192.0.2.0/24 (hosts, client and its VIPs live there)."""
    return [f"{net}.{host}" for net in ("198.51.100", "203.0.113") for host in range(1, 255)]


CASES = {
    "1": ScaleCase("1", 1, 0.1),
    "50": ScaleCase("50", 50, 0.1),
    "255": ScaleCase("255", 255, 0.1),
    "255s": ScaleCase("255s", 255, 1.0),
    "20fast": ScaleCase("20fast", 20, 0.01),
    "1000": ScaleCase("1000", 1000, 1.0, interfaces=4, families=(4, 6)),
}


def segment_address(segment: int, host_index: int) -> str:
    """IPv4 /32 of host `host_index` (1, 2) on extra segment `segment` (1..)."""
    if not 1 <= segment <= 9 or not 1 <= host_index <= 9:
        raise ValueError(f"segment {segment} / host {host_index} out of range")
    return f"192.0.2.{20 + 10 * segment + host_index}"


def vrrpd_scale_conf(host: str, instances: list[Instance], advert_int: float, *,
                     priority: int | None = None, realtime: int | None = None) -> str:
    """vrrpd TOML for one host of a case (info logging, like a production daemon)."""
    prio = priority if priority is not None else PRIORITY[host]
    lines = ["[global]", f'router_id = "{host}"', 'log_level = "info"']
    if realtime is not None:
        lines.append(f"realtime_priority = {realtime}")
    for inst in instances:
        lines += [
            "",
            f"[instances.{inst.name}]",
            f'interface = "{inst.interface}"',
            f"virtual_router_id = {inst.vrid}",
            f"priority = {prio}",
            f"advert_int = {advert_int:g}",
            "version = 3",
            f'virtual_ipaddress = ["{inst.vip_prefix}"]',
        ]
    return "\n".join(lines) + "\n"


def keepalived_scale_conf(host: str, instances: list[Instance], advert_int: float, *,
                          priority: int | None = None, realtime: int | None = None) -> str:
    """keepalived.conf for one host of a case, with the same GARP schedule as the main bench."""
    prio = priority if priority is not None else PRIORITY[host]
    defs = keepalived_global_defs(router_id=host, version=3)
    if realtime is not None:
        if not 1 <= realtime <= 99:
            raise ValueError(f"realtime priority {realtime} outside 1..99")
        defs = defs.replace("}\n", f"    vrrp_rt_priority {realtime}\n}}\n", 1)
    blocks = [
        keepalived_instance(instance=inst.name, interface=inst.interface, vrid=inst.vrid,
                            priority=prio, advert_int=advert_int, version=3,
                            vips=[inst.vip_prefix],
                            state="MASTER" if prio == 255 else "BACKUP")  # owner: at once
        for inst in instances
    ]
    return defs + "".join(blocks)
