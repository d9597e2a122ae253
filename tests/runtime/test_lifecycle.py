"""Interface lifecycle: removed or renamed-away interfaces put their instances on the lost
list (FAULT via tracking), and the instances are re-bound once the interface is back."""

from __future__ import annotations

import asyncio
from ipaddress import ip_interface
from types import SimpleNamespace

from vrrpd.config import parse_config
from vrrpd.io.netlink import AddressAdded, LinkChanged, LinkRemoved
from vrrpd.runtime import lifecycle as lifecycle_mod
from vrrpd.runtime.daemon import Daemon
from vrrpd.runtime.lifecycle import InterfaceLifecycle

CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
[instances.VI_2]
interface = "eth1"
virtual_router_id = 52
virtual_ipaddress = ["192.0.2.101/24"]
"""


def test_rebind_is_retried_until_the_interface_is_back_and_a_kick_is_immediate(monkeypatch):
    monkeypatch.setattr(lifecycle_mod, "RETRY_S", 30.0)  # only kicks can make it retry in time
    back = {"VI_1": False}
    attempts: list[str] = []

    async def rebind(name: str) -> bool:
        attempts.append(name)
        return back[name]

    async def scenario() -> InterfaceLifecycle:
        life = InterfaceLifecycle(rebind)
        life.lose("VI_1", "eth0", "removed")
        life.lose("VI_1", "eth0", "removed")  # once is enough
        await asyncio.sleep(0.05)
        assert attempts == ["VI_1"] and life.waiting_for("eth0")
        back["VI_1"] = True
        life.kick()
        await asyncio.sleep(0.05)
        return life

    life = asyncio.run(asyncio.wait_for(scenario(), 5))
    assert attempts == ["VI_1", "VI_1"] and life.lost == {}


def test_a_failing_rebind_does_not_end_the_retries(monkeypatch):
    monkeypatch.setattr(lifecycle_mod, "RETRY_S", 0.01)
    calls = []

    async def rebind(name: str) -> bool:
        calls.append(name)
        if len(calls) == 1:
            raise RuntimeError("netlink hiccup")
        return True

    async def scenario() -> InterfaceLifecycle:
        life = InterfaceLifecycle(rebind)
        life.lose("VI_1", "eth0", "removed")
        await asyncio.sleep(0.2)
        return life

    assert asyncio.run(scenario()).lost == {} and calls == ["VI_1", "VI_1"]


def test_forget_and_close_stop_waiting():
    async def never(name: str) -> bool:
        return False

    async def scenario() -> None:
        life = InterfaceLifecycle(never)
        life.lose("VI_1", "eth0", "removed")
        life.lose("VI_2", "eth1", "removed")
        life.forget("VI_1")
        assert list(life.lost) == ["VI_2"]
        await life.close()
        assert life.lost == {} and life._task.done()

    asyncio.run(asyncio.wait_for(scenario(), 5))


class _Tracking:
    def __init__(self) -> None:
        self.events: list[object] = []

    def link_event(self, event: object) -> None:
        self.events.append(event)


def _daemon() -> tuple[Daemon, _Tracking]:
    daemon = Daemon(parse_config(CONFIG), "vrrpd.toml", "/nonexistent/v.sock")
    tracking = _Tracking()
    daemon.tracking = tracking
    for index, cfg in enumerate(daemon.config.instances, start=2):
        daemon.runners[cfg.name] = SimpleNamespace(name=cfg.name, cfg=cfg,
                                                   link=SimpleNamespace(index=index))
    return daemon, tracking


def test_daemon_removed_interface_loses_its_instances_only():
    async def scenario():
        daemon, tracking = _daemon()
        attempts: list[str] = []

        async def rebind(name: str) -> bool:
            attempts.append(name)
            return False

        daemon.lifecycle = InterfaceLifecycle(rebind)
        daemon._netlink_event(LinkRemoved(2, "eth0"))
        await asyncio.sleep(0.05)
        assert daemon.lifecycle.lost == {"VI_1": "eth0"}
        assert tracking.events == [LinkRemoved(2, "eth0")]  # tracking puts it in FAULT
        assert attempts == ["VI_1"]
        # any new address may be the one a re-created link waited for
        daemon._netlink_event(AddressAdded(9, ip_interface("192.0.2.9/24")))
        await asyncio.sleep(0.05)
        assert attempts == ["VI_1", "VI_1"]
        daemon._netlink_event(LinkChanged(7, "eth0", True))  # a new eth0: kick at once
        await asyncio.sleep(0.05)
        assert attempts == ["VI_1", "VI_1", "VI_1"]
        await daemon.lifecycle.close()

    asyncio.run(asyncio.wait_for(scenario(), 5))


def test_daemon_rename_away_is_a_removal_and_rename_back_a_return():
    async def scenario():
        daemon, tracking = _daemon()
        attempts: list[str] = []

        async def rebind(name: str) -> bool:
            attempts.append(name)
            return len(attempts) > 1

        daemon.lifecycle = InterfaceLifecycle(rebind)
        daemon._netlink_event(LinkChanged(3, "eth1", True))  # same name: nothing happens
        assert daemon.lifecycle.lost == {}
        daemon._netlink_event(LinkChanged(3, "spare", False))
        assert daemon.lifecycle.lost == {"VI_2": "eth1"}
        assert tracking.events[-2:] == [LinkRemoved(3, "eth1"), LinkChanged(3, "spare", False)]
        await asyncio.sleep(0.05)
        daemon._netlink_event(LinkChanged(3, "eth1", True))  # renamed back
        await asyncio.sleep(0.05)
        assert attempts == ["VI_2", "VI_2"] and daemon.lifecycle.lost == {}

    asyncio.run(asyncio.wait_for(scenario(), 5))
