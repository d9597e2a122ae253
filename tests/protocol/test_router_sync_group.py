"""Playbooks for SyncGroupState: a member pulled to MASTER, BACKUP or FAULT by its sync group,
the hold that keeps a pulled backup from taking over on its own, and the two fault sources."""

from __future__ import annotations

import pytest

from tests.protocol.playbook import backup as _backup
from tests.protocol.playbook import master as _master
from tests.protocol.simulation import OURS, heard, instance
from vrrpd.protocol.actions import (
    AddVips,
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
    PriorityChanged,
    Shutdown,
    Startup,
    SyncGroupState,
    Timer,
    TimerFired,
)
from vrrpd.protocol.router import Router
from vrrpd.protocol.timing import master_down_interval

T0 = 10.0
T1 = 20.0
MDI = master_down_interval(100, 1.0, 3)
MDI_200 = master_down_interval(200, 1.0, 3)


def _group_fault() -> Router:
    """A backup the group (and nothing else) has put in FAULT."""
    router = _backup()
    router.handle(SyncGroupState(State.FAULT, "G1: VI_2 failed"), T1)
    assert router.state is State.FAULT
    return router


def test_master_pull_makes_a_backup_master_as_master_down_would():
    router = _backup()
    router.handle(heard("192.0.2.11", 150), T1)
    assert router.handle(SyncGroupState(State.MASTER, "G1: VI_2 became master"), T1 + 0.5) == [
        StateChanged(State.BACKUP, State.MASTER, "G1: VI_2 became master"),
        SendAdvert(100),
        AddVips(),
        SendGarp("became-master"),
        SetTimer(Timer.MASTER_DOWN, None),
        SetTimer(Timer.ADVER, T1 + 1.5),
    ]
    assert router.master_ip == OURS


def test_master_pull_on_a_master_changes_nothing():
    router = _master()
    assert router.handle(SyncGroupState(State.MASTER, "G1"), T1) == []
    assert router.transitions == 2


def test_backup_pull_makes_a_master_leave_and_wait_master_down():
    router = _master()
    assert router.handle(SyncGroupState(State.BACKUP, "G1: VI_2 heard a better master"), T1) == [
        StateChanged(State.MASTER, State.BACKUP, "G1: VI_2 heard a better master"),
        RemoveVips(),
        SetTimer(Timer.ADVER, None),
        SetTimer(Timer.MASTER_DOWN, T1 + MDI),
    ]
    assert router.master_ip is None
    assert router.sync_group_hold


def test_held_backup_rearms_master_down_instead_of_taking_over():
    router = _master()
    router.handle(SyncGroupState(State.BACKUP, "G1"), T1)
    assert router.handle(TimerFired(Timer.MASTER_DOWN), T1 + MDI) == [
        SetTimer(Timer.MASTER_DOWN, T1 + 2 * MDI)
    ]
    assert router.state is State.BACKUP


def test_held_backup_follows_a_lower_master_instead_of_preempting():
    router = _backup(priority=200)
    router.handle(SyncGroupState(State.BACKUP, "G1"), T1)
    assert router.handle(heard("192.0.2.11", 100), T1 + 1) == [
        SetTimer(Timer.MASTER_DOWN, T1 + 1 + MDI_200)
    ]
    assert router.state is State.BACKUP
    assert str(router.master_ip) == "192.0.2.11"


def test_backup_pull_cancels_a_pending_preempt():
    router = _backup(priority=200, preempt_delay=5.0)
    router.handle(heard("192.0.2.11", 100), T1)
    assert Timer.PREEMPT in router.timers
    assert router.handle(SyncGroupState(State.BACKUP, "G1"), T1 + 1) == [
        SetTimer(Timer.PREEMPT, None)
    ]
    assert router.handle(heard("192.0.2.11", 100), T1 + 2) == [
        SetTimer(Timer.MASTER_DOWN, T1 + 2 + MDI_200)
    ]


def test_master_pull_ends_the_hold():
    router = _backup(priority=200)
    router.handle(SyncGroupState(State.BACKUP, "G1"), T1)
    router.handle(SyncGroupState(State.MASTER, "G1: VI_2 took over"), T1 + 1)
    assert router.state is State.MASTER
    assert not router.sync_group_hold


def test_own_fault_ends_the_hold_and_the_fresh_start_may_take_over():
    router = _master()
    router.handle(SyncGroupState(State.BACKUP, "G1"), T1)
    router.handle(InterfaceDown("link down"), T1 + 1)
    assert not router.sync_group_hold
    router.handle(InterfaceUp(), T1 + 2)
    assert router.handle(TimerFired(Timer.MASTER_DOWN), T1 + 2 + MDI)[0] == StateChanged(
        State.BACKUP, State.MASTER, "master down timer"
    )


def test_fault_pull_on_a_master_resigns_with_priority_zero():
    router = _master()
    assert router.handle(SyncGroupState(State.FAULT, "G1: VI_2 is FAULT"), T1) == [
        StateChanged(State.MASTER, State.FAULT, "G1: VI_2 is FAULT"),
        SendAdvert(0),
        RemoveVips(),
        SetTimer(Timer.ADVER, None),
    ]
    assert router.fault_sources == ("sync group",)


def test_fault_pull_before_startup_leaves_init_for_fault_and_startup_waits():
    router = Router(instance())
    assert router.handle(SyncGroupState(State.FAULT, "G1"), T0) == [
        StateChanged(State.INIT, State.FAULT, "G1")
    ]
    assert router.handle(Startup(), T0) == []


def test_backup_pull_clears_a_group_fault_with_a_fresh_start_that_is_not_held():
    router = _group_fault()
    assert router.handle(SyncGroupState(State.BACKUP, "G1: fault cleared"), T1 + 1) == [
        StateChanged(State.FAULT, State.BACKUP, "G1: fault cleared"),
        SetTimer(Timer.MASTER_DOWN, T1 + 1 + MDI),
    ]
    assert not router.sync_group_hold
    assert router.handle(TimerFired(Timer.MASTER_DOWN), T1 + 1 + MDI)[0].new is State.MASTER


def test_master_pull_clears_a_group_fault_straight_to_master():
    router = _group_fault()
    actions = router.handle(SyncGroupState(State.MASTER, "G1: VI_2 took over"), T1 + 1)
    assert actions[0] == StateChanged(State.FAULT, State.MASTER, "G1: VI_2 took over")
    assert AddVips() in actions


@pytest.mark.parametrize("pull", [State.BACKUP, State.MASTER])
def test_own_fault_outlasts_the_group_fault(pull):
    router = _group_fault()
    router.handle(InterfaceDown("tracked script chk failed"), T1 + 1)
    assert router.fault_sources == ("interface", "sync group")
    assert router.handle(SyncGroupState(pull, "G1: fault cleared"), T1 + 2) == []
    assert router.state is State.FAULT
    assert router.fault_sources == ("interface",)
    assert router.handle(InterfaceUp(), T1 + 3)[0] == StateChanged(
        State.FAULT, State.BACKUP, "fault cleared"
    )


def test_group_fault_outlasts_the_own_fault():
    router = _group_fault()
    router.handle(InterfaceDown("link down"), T1 + 1)
    assert router.handle(InterfaceUp(), T1 + 2) == []
    assert router.state is State.FAULT
    assert router.handle(SyncGroupState(State.BACKUP, "G1"), T1 + 3)[0].new is State.BACKUP


@pytest.mark.parametrize("pull", [State.BACKUP, State.MASTER])
def test_pulls_before_startup_change_nothing(pull):
    router = Router(instance())
    assert router.handle(SyncGroupState(pull, "G1"), T0) == []
    assert router.state is State.INIT
    assert not router.sync_group_hold


def test_backup_pull_on_a_backup_only_holds_it():
    router = _backup()
    assert router.handle(SyncGroupState(State.BACKUP, "G1"), T1) == []
    assert router.sync_group_hold
    assert router.transitions == 1


def test_pulls_accept_the_state_as_text():
    router = _backup()
    router.handle(SyncGroupState("MASTER", "G1"), T1)  # type: ignore[arg-type]
    assert router.state is State.MASTER


@pytest.mark.parametrize("state", ["INIT", "STANDBY"])
def test_a_group_state_other_than_master_backup_fault_is_refused(state):
    router = _backup()
    with pytest.raises(ValueError):
        router.handle(SyncGroupState(state, "G1"), T1)  # type: ignore[arg-type]
    assert router.state is State.BACKUP


def test_priority_changes_still_apply_while_held():
    router = _backup()
    router.handle(SyncGroupState(State.BACKUP, "G1"), T1)
    assert router.handle(PriorityChanged(120), T1 + 1) == []
    assert router.priority == 120


def test_shutdown_ends_the_hold():
    router = _backup()
    router.handle(SyncGroupState(State.BACKUP, "G1"), T1)
    router.handle(Shutdown(), T1 + 1)
    assert not router.sync_group_hold
