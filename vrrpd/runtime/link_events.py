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
    Netlink,
    NetlinkEvent,
)
from vrrpd.runtime.watch import watch_forever

if TYPE_CHECKING:
    from vrrpd.runtime.daemon import Daemon
    from vrrpd.runtime.instance import InstanceRunner


def own_links(daemon: Daemon, runner: InstanceRunner) -> tuple[int, int | None]:
    """(index of the configured interface, index of the instance's VMAC or None). With
    use_vmac the instance runs on the macvlan, but its lifecycle is its base interface's;
    a VMAC deleted or renamed while its base stays is made again by the same re-bind."""
    base = daemon.vmacs.base_of(runner.name)
    return (runner.link.index, None) if base is None else (base, runner.link.index)


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
        base, vmac = own_links(daemon, r)
        try:
            link = await _index_of(nl, r.cfg.interface)
            vmac_now = await _index_of(nl, r.cfg.vmac) if vmac is not None else None
        except io_errors.VrrpIoError:
            continue  # netlink itself is unwell: the next round tries again
        if link != base:
            daemon._netlink_event(LinkRemoved(base, r.cfg.interface))
        if vmac is not None and vmac_now != vmac:
            daemon._netlink_event(LinkRemoved(vmac, r.cfg.vmac or ""))


async def _index_of(nl: Netlink, name: str | None) -> int | None:
    """The index of interface `name`; None when there is none of that name."""
    try:
        return (await nl.link(name)).index if name else None
    except (io_errors.InterfaceMissing, ValueError):
        return None


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
            base, vmac = own_links(daemon, r)
            if ev.ifindex == base:
                lifecycle.lose(r.name, r.cfg.interface, "removed")
            elif ev.ifindex == vmac:
                lifecycle.lose(r.name, r.cfg.interface, f"VMAC {ev.name} deleted; making it again")
    elif isinstance(ev, LinkChanged):
        was = daemon.link_up.get(ev.ifindex)
        daemon.link_up[ev.ifindex] = ev.up
        if was is not None and was != ev.up:
            daemon._log.warning("link state changed", interface=ev.name, up=ev.up)
        for r in list(daemon.runners.values()):  # renamed away: as good as removed
            if r.name in lifecycle.lost or not ev.name:
                continue
            base, vmac = own_links(daemon, r)
            if ev.ifindex == base and ev.name != r.cfg.interface:
                why = f"renamed to {ev.name}"
            elif ev.ifindex == vmac and ev.name != r.cfg.vmac:
                why = f"VMAC renamed to {ev.name}; making it again"
            else:
                continue
            daemon.tracking.link_event(LinkRemoved(r.link.index, r.cfg.interface))  # FAULT
            lifecycle.lose(r.name, r.cfg.interface, why)
        daemon.tracking.link_event(ev)  # instances' own links and tracked interfaces
        if lifecycle.waiting_for(ev.name):
            lifecycle.kick()
