"""VMAC (keepalived's use_vmac): one macvlan per instance with the RFC virtual MAC.

The macvlan is in private mode: a peer's adverts come from the same virtual MAC as ours,
and a macvlan in another mode drops frames whose source is its own address (in private
mode the kernel hands them to that macvlan only, so adverts are received there too). Its
alias (`vrrpd vmac INSTANCE`) marks it as ours: a run that crashed leaves it behind, and the
next start removes every such macvlan before making its own.

Sysctls, as keepalived sets them (per network namespace, never the host's):
* base interface: arp_ignore=1 and arp_filter=1, so it does not answer ARP for the VIPs
  (they live on the macvlan) with its own MAC; and (ours, not keepalived's) arp_announce=2:
  replies from a VIP leave through the base interface (its connected route comes first),
  and the ARP request it sends for the client would otherwise carry the VIP as sender with
  the base MAC, moving the client's entry off the virtual MAC (seen in the lab). All three
  are restored when the base interface's last VMAC goes;
* macvlan: arp_ignore=1, accept_local=1 and rp_filter=0 (it hears adverts with a source
  address that is ours, and has no address of its own while backup); an IPv4 instance's
  macvlan has IPv6 off (no link-local, DAD or MLD from the virtual MAC), an IPv6 one gets no
  generated link-local (addr_gen_mode 1) but the base interface's, adverts' source.

A VMAC goes with its base interface (the kernel deletes a macvlan whose lower device is
deleted) and can be deleted or renamed by hand; the interface lifecycle
(vrrpd.runtime.link_events) then re-binds the instance, which makes it again here. So
removal deletes only a macvlan that still carries this instance's alias (an index may be
reused), and restores sysctls only on the base interface they were saved from.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Interface
from typing import Any

from vrrpd import log
from vrrpd.io import sysctl
from vrrpd.io.errors import VrrpIoError
from vrrpd.io.netlink import LinkInfo

ALIAS = "vrrpd vmac "
BASE_SYSCTLS = {"arp_ignore": "1", "arp_filter": "1", "arp_announce": "2"}
VMAC_SYSCTLS = {"arp_ignore": "1", "accept_local": "1", "rp_filter": "0"}


class VmacError(VrrpIoError):
    pass


@dataclass
class _Base:
    name: str
    saved: dict[str, str]  # sysctl -> value before our first VMAC on it
    users: set[str]  # instances with a VMAC on it


class Vmacs:
    """The VMACs of the running instances: made at instance start, removed at its stop."""

    def __init__(self) -> None:
        self.links: dict[str, LinkInfo] = {}  # instance name -> its macvlan
        self._bases: dict[int, _Base] = {}  # base ifindex -> its saved sysctls and users
        self._log = log.get()

    def base_of(self, instance: str) -> int | None:
        """The ifindex of the interface `instance`'s VMAC sits on; None without a VMAC."""
        if instance not in self.links:
            return None
        return next((i for i, entry in self._bases.items() if instance in entry.users), None)

    async def sweep(self, nl: Any) -> list[str]:
        """Remove every macvlan an earlier run made (they carry our alias)."""
        removed = []
        for index, name, alias in await nl.macvlans():
            if alias.startswith(ALIAS) and await nl.delete_link(index):
                removed.append(name)
                self._log.warning("removed a VMAC left by an earlier run", vmac=name)
        return removed

    async def create(
        self, nl: Any, cfg: Any, base: LinkInfo, link_local: Any = None
    ) -> LinkInfo:
        """Make `cfg`'s macvlan on `base`, set up, and return it. A leftover of ours with
        that name is replaced; someone else's interface with that name is an error."""
        name = cfg.vmac
        for index, other, alias in await nl.macvlans():  # also ours renamed by someone
            if (other == name and alias.startswith(ALIAS)) or alias == ALIAS + cfg.name:
                await nl.delete_link(index)
        try:
            await nl.link(name)
        except VrrpIoError:
            pass
        else:
            raise VmacError(f"instances.{cfg.name}: interface {name} exists and was not "
                            "made by vrrpd; name the VMAC otherwise with use_vmac = \"NAME\"")
        link = await nl.add_macvlan(name, base.index, cfg.virtual_mac, ALIAS + cfg.name)
        try:
            await self._configure(nl, cfg, base, link, link_local)
        except BaseException:
            await nl.delete_link(link.index)
            raise
        self.links[cfg.name] = link = await nl.link(name)
        self._log.info("VMAC created", instance=cfg.name, vmac=name, mac=cfg.virtual_mac,
                       base=base.name)  # fmt: skip
        return link

    async def _configure(
        self, nl: Any, cfg: Any, base: LinkInfo, link: LinkInfo, link_local: Any
    ) -> None:
        entry = self._bases.get(base.index)
        if entry is None:
            saved = {}
            for key, value in BASE_SYSCTLS.items():
                old = sysctl.write("ipv4", base.name, key, value)
                if old is not None:
                    saved[key] = old
            entry = self._bases[base.index] = _Base(base.name, saved, set())
        entry.users.add(cfg.name)
        for key, value in VMAC_SYSCTLS.items():
            sysctl.write("ipv4", link.name, key, value)
        if cfg.family == 4:
            sysctl.write("ipv6", link.name, "disable_ipv6", "1")
        else:
            sysctl.write("ipv6", link.name, "addr_gen_mode", "1")
        await nl.set_up(link.index)
        if cfg.family == 6 and link_local is not None:
            await nl.add_vip(link.index, IPv6Interface(f"{link_local}/64"))

    async def remove(self, nl: Any, instance: str) -> None:
        """Delete `instance`'s macvlan (its VIPs go with it) unless it is gone already;
        restore the base interface's sysctls once no VMAC is left on it."""
        link = self.links.pop(instance, None)
        if link is None:
            return
        try:
            ours = [i for i, _, alias in await nl.macvlans() if alias == ALIAS + instance]
            if link.index in ours:  # not when gone with its base or deleted by hand
                await nl.delete_link(link.index)
        except VrrpIoError as exc:
            self._log.error("VMAC could not be removed", vmac=link.name, error=str(exc))
        for index, entry in list(self._bases.items()):
            entry.users.discard(instance)
            if not entry.users:
                del self._bases[index]
                await self._restore(nl, index, entry)

    async def _restore(self, nl: Any, index: int, entry: _Base) -> None:
        """Put back the base's sysctls, if that base still exists: an interface re-created
        with its name is not the one whose values were saved."""
        try:
            if (await nl.link(entry.name)).index != index:
                return
        except (VrrpIoError, ValueError):
            return
        for key, value in entry.saved.items():
            try:
                sysctl.write("ipv4", entry.name, key, value)
            except VrrpIoError as exc:
                self._log.warning("sysctl not restored", interface=entry.name,
                                  key=key, error=str(exc))  # fmt: skip
