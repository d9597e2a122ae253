"""Playbooks for RFC 5798 §6.4.1 (Initialize), Shutdown, and the FAULT state.

Fake clock: every router starts at T0; `now` is passed explicitly.
"""

from __future__ import annotations

import pytest

from tests.protocol.playbook import backup
from tests.protocol.simulation import OURS, heard, instance
from vrrpd.protocol.actions import (
    AddVips,
    AdvertDropped,
    DropReason,
    RemoveVips,
    SendAdvert,
    SendGarp,
    SetTimer,
    State,
    StateChanged,
)
from vrrpd.protocol.events import (
    InterfaceDown,
    InterfaceUp,
    Shutdown,
    Startup,
    Timer,
    TimerFired,
)
from vrrpd.protocol.router import Router
from vrrpd.protocol.timing import master_down_interval

T0 = 10.0
VERSIONS = pytest.mark.parametrize(("version", "advert_int"), [(3, 0.5), (2, 2.0)])


def _backup(version=3, advert_int=1.0, **overrides) -> Router:
    return backup(version=version, advert_int=advert_int, **overrides)


def _master(version=3, advert_int=1.0) -> Router:
    """An address owner (priority 255): master straight from Startup."""
    return _backup(version, advert_int, priority=255)


@VERSIONS
def test_6_4_1_address_owner_becomes_master_at_once(version, advert_int):
    router = Router(instance(priority=255, version=version, advert_int=advert_int))
    assert router.handle(Startup(), T0) == [
        StateChanged(State.INIT, State.MASTER, "startup: address owner (priority 255)"),
        SendAdvert(255),
        AddVips(),
        SendGarp("became-master"),
        SetTimer(Timer.ADVER, T0 + advert_int),
    ]
    assert router.state is State.MASTER
    assert router.master_ip == OURS
    assert (router.since, router.transitions) == (T0, 1)
    assert router.last_reason == "startup: address owner (priority 255)"


@VERSIONS
def test_6_4_1_non_owner_waits_as_backup_for_master_down_interval(version, advert_int):
    router = Router(instance(priority=100, version=version, advert_int=advert_int))
    down = T0 + master_down_interval(100, advert_int, version)
    assert router.handle(Startup(), T0) == [
        StateChanged(State.INIT, State.BACKUP, "startup"),
        SetTimer(Timer.MASTER_DOWN, down),
    ]
    assert router.state is State.BACKUP
    assert router.master_ip is None
    assert router.master_adver_int == advert_int
    assert dict(router.timers) == {Timer.MASTER_DOWN: down}


def test_6_4_1_startup_when_already_running_is_ignored():
    router = _backup()
    assert router.handle(Startup(), T0 + 1) == []
    assert router.transitions == 1


@VERSIONS
def test_shutdown_master_resigns_with_priority_0_then_releases_vips(version, advert_int):
    router = _master(version, advert_int)
    assert router.handle(Shutdown(), T0 + 0.2) == [
        StateChanged(State.MASTER, State.INIT, "shutdown"),
        SendAdvert(0),
        RemoveVips(),
        SetTimer(Timer.ADVER, None),
    ]
    assert router.state is State.INIT
    assert router.master_ip is None
    assert dict(router.timers) == {}


def test_shutdown_backup_cancels_its_timer():
    router = _backup()
    assert router.handle(Shutdown(), T0 + 1) == [
        StateChanged(State.BACKUP, State.INIT, "shutdown"),
        SetTimer(Timer.MASTER_DOWN, None),
    ]
    assert dict(router.timers) == {}


def test_shutdown_before_startup_does_nothing():
    router = Router(instance())
    assert router.handle(Shutdown(), T0) == []
    assert router.transitions == 0


def test_shutdown_from_fault_goes_to_init():
    router = _backup()
    router.handle(InterfaceDown(), T0 + 1)
    assert router.handle(Shutdown(), T0 + 2) == [StateChanged(State.FAULT, State.INIT, "shutdown")]


@VERSIONS
def test_fault_from_master_resigns_with_priority_0(version, advert_int):
    router = _master(version, advert_int)
    assert router.handle(InterfaceDown("link down on eth0"), T0 + 0.3) == [
        StateChanged(State.MASTER, State.FAULT, "link down on eth0"),
        SendAdvert(0),
        RemoveVips(),
        SetTimer(Timer.ADVER, None),
    ]
    assert router.state is State.FAULT
    assert router.master_ip is None


def test_fault_from_backup_cancels_master_down_timer():
    router = _backup()
    assert router.handle(InterfaceDown(), T0 + 1) == [
        StateChanged(State.BACKUP, State.FAULT, "interface down"),
        SetTimer(Timer.MASTER_DOWN, None),
    ]


def test_fault_before_startup_is_remembered_and_startup_waits_for_interface_up():
    router = Router(instance())
    assert router.handle(InterfaceDown(), T0) == [
        StateChanged(State.INIT, State.FAULT, "interface down")
    ]
    assert router.handle(InterfaceDown(), T0) == []
    assert router.handle(Startup(), T0) == []
    assert router.state is State.FAULT


def test_interface_up_leaves_fault_as_a_fresh_start_would():
    router = _backup()
    router.handle(heard("192.0.2.12", 200, interval=300), T0 + 1)
    assert router.master_adver_int == 3.0  # learnt from the master
    router.handle(InterfaceDown(), T0 + 2)
    assert router.handle(InterfaceUp(), T0 + 5) == [
        StateChanged(State.FAULT, State.BACKUP, "fault cleared"),
        SetTimer(Timer.MASTER_DOWN, T0 + 5 + master_down_interval(100, 1.0, 3)),
    ]
    assert router.master_adver_int == 1.0  # our own again, as at startup


def test_interface_up_of_an_owner_goes_master_at_once():
    router = _master()
    router.handle(InterfaceDown(), T0 + 1)
    actions = router.handle(InterfaceUp(), T0 + 2)
    assert actions[0] == StateChanged(
        State.FAULT, State.MASTER, "fault cleared: address owner (priority 255)"
    )
    assert actions[1:] == [
        SendAdvert(255),
        AddVips(),
        SendGarp("became-master"),
        SetTimer(Timer.ADVER, T0 + 3),
    ]


@pytest.mark.parametrize("state_setter", ["init", "backup", "master"])
def test_interface_up_outside_fault_does_nothing(state_setter):
    router = {"init": lambda: Router(instance()), "backup": _backup, "master": _master}[
        state_setter
    ]()
    assert router.handle(InterfaceUp(), T0 + 1) == []


def test_adverts_in_init_and_fault_are_dropped_as_inactive():
    router = Router(instance())
    assert router.handle(heard("192.0.2.12", 200), T0) == [AdvertDropped(DropReason.INACTIVE)]
    router.handle(InterfaceDown(), T0)
    assert router.handle(heard("192.0.2.12", 200), T0) == [AdvertDropped(DropReason.INACTIVE)]
    assert router.master_ip is None


def test_timer_fired_in_init_is_a_no_op():
    router = Router(instance())
    assert router.handle(TimerFired(Timer.MASTER_DOWN), T0 + 100) == []


def test_handle_rejects_something_that_is_not_an_event():
    with pytest.raises(TypeError, match="not a Router event"):
        Router(instance()).handle("startup", T0)  # type: ignore[arg-type]
