"""Netlink events at run time: VIPs deleted by hand, links removed, renamed or changed, and a
re-sync after a lost event stream. Feeds the instances, tracking and the interface lifecycle
of one Daemon (vrrpd.runtime.daemon)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vrrpd.io import errors as io_errors
from vrrpd.io.netlink import (
    AddressAdded,
    AddressRemoved,
    LinkChanged,
    LinkRemoved,
    NetlinkEvent,
)
from vrrpd.runtime.watch import watch_forever

if TYPE_CHECKING:
    from vrrpd.runtime.daemon import Daemon


async def watch(daemon: Daemon) -> None:
    """Follow the event stream for ever (with backoff); after a restart, re-sync the links."""
    nl = daemon.netlink
    assert nl is not None
    await watch_forever(nl.watch, daemon._netlink_event, what="netlink", log=daemon._log,
                        on_restart=lambda: daemon._spawn(resync(daemon), "link-resync"))


async def resync(daemon: Daemon) -> None:
    """After a lost event stream: an instance whose interface vanished (or now has another
    index) meanwhile is handled as if its LinkRemoved had arrived."""
    nl = daemon.netlink
    assert nl is not None
    for r in list(daemon.runners.values()):
        if r.name in daemon.lifecycle.lost:
            continue
        try:
            link = await nl.link(r.cfg.interface)
        except (io_errors.InterfaceMissing, ValueError):
            link = None
        except io_errors.VrrpIoError:
            continue  # netlink itself is unwell: the next round tries again
        if link is None or link.index != r.link.index:
            daemon._netlink_event(LinkRemoved(r.link.index, r.cfg.interface))


def handle(daemon: Daemon, ev: NetlinkEvent) -> None:
    """One event: to the instances' VIP checks, tracking and the lifecycle."""
    lifecycle = daemon.lifecycle
    if isinstance(ev, AddressRemoved):
        for r in daemon.runners.values():  # each checks its VIPs on that interface
            r.vip_removed(ev.address, ev.ifindex)
    elif isinstance(ev, AddressAdded):
        if lifecycle.lost:
            lifecycle.kick()  # a re-created interface got its address
    elif isinstance(ev, LinkRemoved):
        daemon.link_up[ev.ifindex] = False
        daemon.tracking.link_event(ev)  # own links: FAULT until re-bound; tracked ones: down
        for r in list(daemon.runners.values()):
            if r.link.index == ev.ifindex:
                lifecycle.lose(r.name, r.cfg.interface, "removed")
    elif isinstance(ev, LinkChanged):
        was = daemon.link_up.get(ev.ifindex)
        daemon.link_up[ev.ifindex] = ev.up
        if was is not None and was != ev.up:
            daemon._log.warning("link state changed", interface=ev.name, up=ev.up)
        for r in list(daemon.runners.values()):  # renamed away: as good as removed
            if (r.link.index == ev.ifindex and ev.name and ev.name != r.cfg.interface
                    and r.name not in lifecycle.lost):
                daemon.tracking.link_event(LinkRemoved(ev.ifindex, r.cfg.interface))
                lifecycle.lose(r.name, r.cfg.interface, f"renamed to {ev.name}")
        daemon.tracking.link_event(ev)  # instances' own links and tracked interfaces
        if lifecycle.waiting_for(ev.name):
            lifecycle.kick()
