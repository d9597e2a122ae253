"""What must hold before an instance starts: an address to send adverts from, VIPs not in use
on another interface nor equal to an address their interface has that vrrpd did not add, and
no VIP left behind by a crashed run of ours (we start as BACKUP without them; IFA_PROTO tells
ours, see vrrpd.io.netlink.VRRPD_ADDR_PROTO). A failure is the user's to fix: StartupError,
shown as one line (ConfigConflict: a config clashing with the host, exit 2)."""

from __future__ import annotations

import socket
from collections.abc import Callable

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.host_conflicts import conflict, managed_vip_paths
from vrrpd.config.model import InstanceConfig, VirtualIp
from vrrpd.io.netlink import HeldAddress, LinkInfo, Netlink, Snapshot
from vrrpd.log import Logger
from vrrpd.runtime.seams import IPAddress, IPInterface

ADDRESS_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


class StartupError(Exception):
    """A problem the user can fix; shown as one line, exit 1."""


class ConfigConflict(StartupError):
    """The config clashes with the host (a VIP its interface already has, not ours): exit 2,
    shown as check-config shows a problem."""

    def __init__(self, problem: ConfigProblem) -> None:
        self.problem = problem
        super().__init__(f"{problem.path}: {problem.message}")


async def check_host(nl: Netlink, cfg: InstanceConfig, where: Callable[[VirtualIp], int],
                     snapshot: Snapshot | None = None) -> list[tuple[int, IPInterface]]:
    """ConfigConflict for a VIP equal to a foreign address of its interface; returns the
    (ifindex, address) of each VIP an earlier run of ours left behind. A start-up Snapshot
    answers instead of one dump per interface and family."""
    stale = []
    held: dict[tuple[int, int], list[HeldAddress]] = {}
    for path, vip, interface in managed_vip_paths(cfg):
        index, family = where(vip), ADDRESS_FAMILY[vip.interface.version]
        if (index, family) not in held:
            held[(index, family)] = (snapshot.held(index, family) if snapshot is not None
                                     else await nl.held(index, family))
        addresses = held[(index, family)]
        problem = conflict(path, vip, interface, [(h.address, h.ours) for h in addresses])
        if problem is not None:
            raise ConfigConflict(problem)
        stale += [(index, h.address) for h in addresses
                  if h.ours and h.address.ip == vip.interface.ip]
    return stale


async def prepare(nl: Netlink, cfg: InstanceConfig, link: LinkInfo, log: Logger,
                  index_of: Callable[[VirtualIp], int] | None = None,
                  snapshot: Snapshot | None = None) -> IPAddress:
    """Check the interface for `cfg` and clean stale VIPs (advertised and excluded, each on
    the interface `index_of` says, by default `link`); returns the advert source address.

    At start-up a Snapshot answers the address questions: one dump for all instances, where
    a dump per instance made starting N instances cost N dumps of a table growing with N."""
    where = index_of or (lambda vip: link.index)
    if cfg.unicast_src_ip is not None:
        primary: IPAddress = cfg.unicast_src_ip
    elif cfg.mcast_src_ip is not None:
        primary = cfg.mcast_src_ip
        present = await nl.addresses(link.index, ADDRESS_FAMILY[cfg.family])
        if primary not in {address.ip for address in present}:
            raise StartupError(f"instances.{cfg.name}: mcast_src_ip {primary} is not an "
                               f"address of {cfg.interface}; add it there or remove "
                               "mcast_src_ip")  # fmt: skip
    else:
        family = ADDRESS_FAMILY[cfg.family]
        found = (snapshot.primary_address(link.index, family) if snapshot is not None
                 else await nl.primary_address(link.index, family))
        if found is None:
            kind = "IPv4" if cfg.family == 4 else "IPv6 link-local"
            raise StartupError(f"instances.{cfg.name}: interface {cfg.interface} has no "
                               f"{kind} address to send adverts from")  # fmt: skip
        primary = found
    for vip in cfg.managed_vips:
        owners = (snapshot.owners(vip.interface.ip) if snapshot is not None
                  else await nl.owners(vip.interface.ip))
        others = [i for i in owners if i != where(vip)]
        if others:
            raise StartupError(f"instances.{cfg.name}: VIP {vip.interface.ip} is already "
                               f"configured on another interface (ifindex {others[0]})")
    for index, stale in await check_host(nl, cfg, where, snapshot):  # crashed run's leftovers
        if await nl.remove_vip(index, stale):  # we start as BACKUP without them
            log.warning("removed stale VIP left by an earlier run",
                        instance=cfg.name, vip=str(stale))  # fmt: skip
    return primary
