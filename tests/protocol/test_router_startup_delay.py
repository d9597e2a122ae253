"""Playbooks for the start-up hold (`startup_delay`): for N seconds after the first Startup a
router stays BACKUP and takes over neither on Master_Down_Timer nor by preempting."""

from __future__ import annotations

import pytest

from tests.protocol.simulation import heard, instance
from vrrpd.protocol.actions import AddVips, SendAdvert, SendGarp, SetTimer, State, StateChanged
from vrrpd.protocol.events import (
    InterfaceDown,
    InterfaceUp,
    Startup,
    SyncGroupState,
    Timer,
    TimerFired,
)
from vrrpd.protocol.router import Router
from vrrpd.protocol.timing import master_down_interval, skew_time

T0 = 10.0
DELAY = 5.0
MDI = master_down_interval(100, 1.0, 3)
MDI_200 = master_down_interval(200, 1.0, 3)


def _held(**overrides) -> Router:
    router = Router(instance(startup_delay=DELAY, **overrides))
    router.handle(Startup(), T0)
    return router


def test_master_down_timer_is_armed_no_earlier_than_the_end_of_the_hold():
    router = Router(instance(startup_delay=DELAY))
    assert router.handle(Startup(), T0) == [
        StateChanged(State.INIT, State.BACKUP, "startup"),
        SetTimer(Timer.MASTER_DOWN, T0 + DELAY),
    ]
    assert router.startup_hold_until == T0 + DELAY
    actions = router.handle(TimerFired(Timer.MASTER_DOWN), T0 + DELAY)
    assert actions[0] == StateChanged(State.BACKUP, State.MASTER, "master down timer")


def test_a_hold_shorter_than_master_down_changes_nothing():
    router = Router(instance(startup_delay=0.5))
    assert router.handle(Startup(), T0)[1] == SetTimer(Timer.MASTER_DOWN, T0 + MDI)


def test_no_delay_is_no_hold():
    router = Router(instance())
    router.handle(Startup(), T0)
    assert router.startup_hold_until == T0


def test_owner_waits_out_the_hold_as_a_backup():
    router = Router(instance(priority=255, startup_delay=DELAY))
    assert router.handle(Startup(), T0) == [
        StateChanged(State.INIT, State.BACKUP, "startup"),
        SetTimer(Timer.MASTER_DOWN, T0 + DELAY),
    ]
    assert router.handle(TimerFired(Timer.MASTER_DOWN), T0 + DELAY)[:4] == [
        StateChanged(State.BACKUP, State.MASTER, "master down timer"),
        SendAdvert(255),
        AddVips(),
        SendGarp("became-master"),
    ]


def test_a_higher_backup_follows_a_lower_master_during_the_hold():
    router = _held(priority=200)
    assert router.handle(heard("192.0.2.11", 100), T0 + 1) == [
        SetTimer(Timer.MASTER_DOWN, T0 + DELAY)
    ]
    assert router.state is State.BACKUP
    assert router.handle(heard("192.0.2.11", 100), T0 + 4) == [
        SetTimer(Timer.MASTER_DOWN, T0 + 4 + MDI_200)
    ]
    assert router.state is State.BACKUP


def test_after_the_hold_the_next_lower_advert_preempts():
    router = _held(priority=200)
    router.handle(heard("192.0.2.11", 100), T0 + 1)
    assert Timer.PREEMPT not in router.timers
    router.handle(heard("192.0.2.11", 100), T0 + DELAY + 0.1)
    fires = T0 + DELAY + 0.1 + skew_time(200, 1.0, 3)
    assert router.timers[Timer.PREEMPT] == fires
    assert router.handle(TimerFired(Timer.PREEMPT), fires)[0] == StateChanged(
        State.BACKUP, State.MASTER, "preempt: lower priority 100 from 192.0.2.11"
    )


def test_preempt_delay_starts_only_after_the_hold():
    router = _held(priority=200, preempt_delay=2.0)
    router.handle(heard("192.0.2.11", 100), T0 + 1)
    assert Timer.PREEMPT not in router.timers
    router.handle(heard("192.0.2.11", 100), T0 + DELAY + 0.5)
    assert router.timers[Timer.PREEMPT] == T0 + DELAY + 2.5 + skew_time(200, 1.0, 3)


def test_a_resigning_master_during_the_hold_waits_for_its_end():
    router = _held()
    router.handle(heard("192.0.2.11", 150), T0 + 1)
    assert router.handle(heard("192.0.2.11", 0), T0 + 2) == [
        SetTimer(Timer.MASTER_DOWN, T0 + DELAY)
    ]
    later = T0 + DELAY + 1
    router.handle(heard("192.0.2.11", 150), later - 0.5)
    assert router.handle(heard("192.0.2.11", 0), later) == [
        SetTimer(Timer.MASTER_DOWN, later + skew_time(100, 1.0, 3))
    ]


def test_the_hold_counts_from_the_first_startup_even_through_a_fault():
    router = Router(instance(startup_delay=DELAY))
    router.handle(InterfaceDown("link down"), T0)
    router.handle(Startup(), T0)  # waits in FAULT, but the hold starts now
    assert router.handle(InterfaceUp(), T0 + 1)[1] == SetTimer(Timer.MASTER_DOWN, T0 + DELAY)
    router.handle(InterfaceDown("link down"), T0 + 3)
    assert router.handle(InterfaceUp(), T0 + 6)[1] == SetTimer(Timer.MASTER_DOWN, T0 + 6 + MDI)


def test_a_sync_group_master_pull_leaves_a_held_router_backup():
    router = _held()
    assert router.handle(SyncGroupState(State.MASTER, "G1"), T0 + 1) == []
    assert router.state is State.BACKUP


def test_a_sync_group_master_pull_after_the_hold_takes_over():
    router = _held()
    router.handle(heard("192.0.2.11", 150), T0 + 1)
    actions = router.handle(SyncGroupState(State.MASTER, "G1"), T0 + DELAY)
    assert actions[0].new is State.MASTER


@pytest.mark.parametrize("delay", [-1.0, float("inf"), float("nan"), "5", True])
def test_bad_startup_delay_is_refused(delay):
    with pytest.raises(ValueError, match="startup_delay"):
        instance(startup_delay=delay)
