"""Interface lifecycle of a use_vmac instance: it runs on its macvlan, but its lifecycle is
its base interface's; its own VMAC's events are not a rename, and a VMAC deleted or renamed
while the base stays is made again by the re-bind (vrrpd.runtime.link_events, vmac)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest

from tests.runtime.fakes import RecordingLog, aio, link_info, until
from vrrpd.config import parse_config
from vrrpd.io.errors import InterfaceMissing
from vrrpd.io.netlink import LinkChanged, LinkInfo, LinkRemoved
from vrrpd.runtime import link_events
from vrrpd.runtime import vmac as vmac_mod
from vrrpd.runtime.daemon import Daemon
from vrrpd.runtime.lifecycle import InterfaceLifecycle
from vrrpd.runtime.vmac import ALIAS, Vmacs

CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
use_vmac = true
"""
BASE, VMAC = 2, 7  # ifindex of eth0 and of VI_1's vrrp.51


class _Tracking:
    def __init__(self) -> None:
        self.events: list[object] = []

    def link_event(self, event: object) -> None:
        self.events.append(event)


class _Netlink:
    """The netlink calls of Vmacs and the re-sync: links by name, macvlans, deletions."""

    def __init__(self, links: dict[str, int], macvlans: list[tuple[int, str, str]]) -> None:
        self.links = links
        self.vlans = macvlans
        self.deleted: list[int] = []

    async def link(self, name: str) -> LinkInfo:
        if name not in self.links:
            raise InterfaceMissing(name, "reading link")
        return link_info(self.links[name], name)

    async def macvlans(self) -> list[tuple[int, str, str]]:
        return list(self.vlans)

    async def delete_link(self, index: int) -> bool:
        self.deleted.append(index)
        return True

    async def add_macvlan(self, name: str, base: int, mac: str, alias: str) -> LinkInfo:
        self.links[name] = 11
        return link_info(11, name, mac)

    async def set_up(self, index: int) -> None:
        pass


def _vmacs_with_vi1() -> Vmacs:
    vmacs = Vmacs()
    vmacs.links["VI_1"] = link_info(VMAC, "vrrp.51")
    vmacs._bases[BASE] = vmac_mod._Base("eth0", {"arp_ignore": "0"}, {"VI_1"})
    return vmacs


def _daemon(attempts: list[str]) -> tuple[Daemon, _Tracking]:
    daemon = Daemon(parse_config(CONFIG), "vrrpd.toml", "/nonexistent/v.sock")
    daemon.tracking = tracking = _Tracking()
    cfg = daemon.config.instances[0]
    daemon.runners["VI_1"] = SimpleNamespace(name="VI_1", cfg=cfg, link=link_info(VMAC, "vrrp.51"))
    daemon.vmacs = _vmacs_with_vi1()

    async def rebind(name: str) -> bool:
        attempts.append(name)
        return False

    daemon.lifecycle = InterfaceLifecycle(rebind)
    daemon.lifecycle._log = daemon._log = RecordingLog()
    return daemon, tracking


@contextlib.asynccontextmanager
async def _running(attempts: list[str]) -> AsyncIterator[tuple[Daemon, _Tracking]]:
    """A daemon with VI_1 on vrrp.51 over eth0; its re-bind task ends even if a test fails."""
    daemon, tracking = _daemon(attempts)
    try:
        yield daemon, tracking
    finally:
        await daemon.lifecycle.close()


def _why(daemon: Daemon) -> list[object]:
    return [f["why"] for _, event, f in daemon.lifecycle._log.records
            if event.startswith("interface gone")]


@aio()
async def test_the_vmacs_own_state_changes_are_not_a_rename():
    async with _running([]) as (daemon, _):
        daemon._netlink_event(LinkChanged(VMAC, "vrrp.51", False))  # its base went down
        daemon._netlink_event(LinkChanged(VMAC, "vrrp.51", True))
        daemon._netlink_event(LinkChanged(BASE, "eth0", True))
        assert daemon.lifecycle.lost == {}  # before: "renamed to vrrp.51", a re-bind loop


@aio()
async def test_base_removed_after_its_vmac_waits_for_the_base_and_says_so():
    attempts: list[str] = []
    async with _running(attempts) as (daemon, tracking):
        daemon._netlink_event(LinkRemoved(VMAC, "vrrp.51"))  # the kernel sends the upper first
        daemon._netlink_event(LinkRemoved(BASE, "eth0"))
        assert daemon.lifecycle.lost == {"VI_1": "eth0"}
        assert tracking.events == [LinkRemoved(VMAC, "vrrp.51"), LinkRemoved(BASE, "eth0")]
        assert _why(daemon) == ["VMAC vrrp.51 deleted; making it again", "removed"]
        await until(lambda: attempts)


@pytest.mark.parametrize("event, why", [
    (LinkRemoved(VMAC, "vrrp.51"), "VMAC vrrp.51 deleted; making it again"),
    (LinkChanged(VMAC, "mine", True), "VMAC renamed to mine; making it again"),
    (LinkChanged(BASE, "spare0", False), "renamed to spare0"),
])
@aio()
async def test_vmac_deleted_or_renamed_or_base_renamed_is_lost_and_re_bound(event, why):
    attempts: list[str] = []
    async with _running(attempts) as (daemon, tracking):
        daemon._netlink_event(event)
        assert daemon.lifecycle.lost == {"VI_1": "eth0"} and _why(daemon) == [why]
        fault = [] if isinstance(event, LinkRemoved) else [LinkRemoved(VMAC, "eth0")]
        assert tracking.events == [*fault, event]  # its macvlan's own link: FAULT meanwhile
        await until(lambda: attempts == ["VI_1"])  # the re-bind makes the VMAC again


@pytest.mark.parametrize("links, lost", [
    ({"eth0": BASE, "vrrp.51": VMAC}, {}),  # before: lost (base index != macvlan index)
    ({"eth0": BASE}, {"VI_1": "eth0"}),  # VMAC deleted while the event stream was lost
    ({"vrrp.51": VMAC}, {"VI_1": "eth0"}),
])
@aio()
async def test_resync_compares_base_and_vmac_with_their_own_indexes(links, lost):
    async with _running([]) as (daemon, _):
        daemon.netlink = _Netlink(links, [])
        await link_events.resync(daemon)
        assert daemon.lifecycle.lost == lost


@aio()
async def test_remove_deletes_only_a_macvlan_that_is_still_this_instances(monkeypatch):
    writes: list[tuple[str, str, str]] = []
    monkeypatch.setattr(vmac_mod.sysctl, "write", lambda fam, dev, key, value: writes.append(
        (dev, key, value)))
    vmacs = _vmacs_with_vi1()  # vrrp.51 went with eth0; index 7 now names someone else's
    nl = _Netlink({"eth0": 9}, [(VMAC, "other", "")])
    await vmacs.remove(nl, "VI_1")
    assert nl.deleted == []  # before: deleted link 7 by index, whoever it was
    assert writes == []  # before: the old eth0's values written onto the new eth0
    assert vmacs.links == {} and vmacs._bases == {}


@aio()
async def test_remove_deletes_its_macvlan_and_restores_the_same_base(monkeypatch):
    writes: list[tuple[str, str, str]] = []
    monkeypatch.setattr(vmac_mod.sysctl, "write", lambda fam, dev, key, value: writes.append(
        (dev, key, value)))
    vmacs = _vmacs_with_vi1()
    nl = _Netlink({"eth0": BASE}, [(VMAC, "vrrp.51", ALIAS + "VI_1")])
    await vmacs.remove(nl, "VI_1")
    assert nl.deleted == [VMAC] and writes == [("eth0", "arp_ignore", "0")]


@aio()
async def test_create_replaces_this_instances_macvlan_renamed_by_someone(monkeypatch):
    monkeypatch.setattr(vmac_mod.sysctl, "write", lambda *args: None)
    cfg = parse_config(CONFIG).instances[0]
    nl = _Netlink({"eth0": BASE}, [(5, "mine", ALIAS + "VI_1"), (6, "vrrp.52", ALIAS + "VI_2")])
    link = await Vmacs().create(nl, cfg, link_info(BASE, "eth0"))
    assert nl.deleted == [5] and link.name == "vrrp.51"  # before: two macvlans, one VMAC
