"""What must hold before an instance starts: an address to send adverts from, VIPs not in use
on another interface, and no VIP left behind by a crashed run (we start as BACKUP without
them). A failure is the user's to fix: StartupError, shown as one line."""

from __future__ import annotations

import socket
from collections.abc import Callable

from vrrpd.config.model import InstanceConfig, VirtualIp
from vrrpd.io.netlink import LinkInfo, Netlink, Snapshot
from vrrpd.log import Logger
from vrrpd.runtime.seams import IPAddress

ADDRESS_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


class StartupError(Exception):
    """A problem the user can fix; shown as one line, exit 1."""


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
    for vip in cfg.managed_vips:  # a crashed run's leftovers: we start as BACKUP without them
        if snapshot is not None and not snapshot.holds(where(vip), vip.interface):
            continue
        if await nl.remove_vip(where(vip), vip.interface):
            log.warning("removed stale VIP left by an earlier run",
                        instance=cfg.name, vip=str(vip.interface))  # fmt: skip
    return primary
