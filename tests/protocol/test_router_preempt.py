"""Playbooks for preemption (RFC 5798 §6.4.2 Preempt_Mode), preempt_delay and priority changes."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from tests.protocol.playbook import backup as _backup
from tests.protocol.simulation import heard, instance
from vrrpd.protocol.actions import (
    AddVips,
    SendAdvert,
    SendGarp,
    SetTimer,
    State,
    StateChanged,
)
from vrrpd.protocol.events import PriorityChanged, Shutdown, Startup, Timer, TimerFired
from vrrpd.protocol.router import Router
from vrrpd.protocol.timing import master_down_interval, skew_time

T0 = 10.0
T1 = 20.0  # when the lower master is first heard
MDI_200 = master_down_interval(200, 1.0, 3)
SKEW_200 = skew_time(200, 1.0, 3)  # 0.21875 s: every preempt waits its Skew_Time first


def _waiting_to_preempt() -> Router:
    """A priority-200 backup with a 5 s preempt delay that has just heard a priority-100 master."""
    router = _backup(priority=200, preempt_delay=5.0)
    assert router.handle(heard("192.0.2.11", 100), T1) == [
        SetTimer(Timer.MASTER_DOWN, T1 + MDI_200),
        SetTimer(Timer.PREEMPT, T1 + 5.0 + SKEW_200),
    ]
    return router


def _became_master(reason: str, priority: int = 200) -> list:
    return [
        StateChanged(State.BACKUP, State.MASTER, reason),
        SendAdvert(priority),
        AddVips(),
        SendGarp("became-master"),
    ]


def test_preempt_delay_follows_the_lower_master_and_arms_preempt_once():
    router = _waiting_to_preempt()
    assert router.state is State.BACKUP
    assert router.handle(heard("192.0.2.11", 100), T1 + 1) == [
        SetTimer(Timer.MASTER_DOWN, T1 + 1 + MDI_200)
    ]
    assert router.timers[Timer.PREEMPT] == T1 + 5.0 + SKEW_200


def test_preempt_delay_expires_and_the_backup_takes_over():
    router = _waiting_to_preempt()
    router.handle(heard("192.0.2.11", 100), T1 + 4)
    reason = "preempt after 5 s delay: lower priority 100 from 192.0.2.11"
    fired = T1 + 5 + SKEW_200
    assert router.handle(TimerFired(Timer.PREEMPT), fired) == [
        *_became_master(reason),
        SetTimer(Timer.MASTER_DOWN, None),
        SetTimer(Timer.ADVER, fired + 1),
    ]


@pytest.mark.parametrize("priority", [200, 250])
def test_preempt_delay_is_void_once_an_equal_or_higher_master_is_heard(priority):
    router = _waiting_to_preempt()
    assert router.handle(heard("192.0.2.12", priority), T1 + 1) == [
        SetTimer(Timer.PREEMPT, None),
        SetTimer(Timer.MASTER_DOWN, T1 + 1 + MDI_200),
    ]
    assert router.handle(TimerFired(Timer.PREEMPT), T1 + 5 + SKEW_200) == []
    assert router.state is State.BACKUP


def test_preempt_delay_does_nothing_when_the_lower_master_resigned_meanwhile():
    router = _waiting_to_preempt()
    router.handle(heard("192.0.2.11", 0), T1 + 5)  # Master_Down now at T1 + 5 + SKEW_200 too
    assert router.handle(TimerFired(Timer.PREEMPT), T1 + 5 + SKEW_200) == []
    assert router.state is State.BACKUP


def test_preempt_delay_does_nothing_when_our_priority_fell_below_the_master():
    router = _waiting_to_preempt()
    assert router.handle(PriorityChanged(90), T1 + 1) == []
    assert router.handle(TimerFired(Timer.PREEMPT), T1 + 5 + SKEW_200) == []
    assert router.state is State.BACKUP


def test_master_down_timer_during_preempt_delay_takes_over_and_cancels_preempt():
    router = _waiting_to_preempt()
    router.handle(heard("192.0.2.11", 0), T1 + 1)
    down = T1 + 1 + skew_time(200, 1.0, 3)
    assert router.handle(TimerFired(Timer.MASTER_DOWN), down) == [
        *_became_master("master down timer"),
        SetTimer(Timer.PREEMPT, None),
        SetTimer(Timer.ADVER, down + 1),
    ]


def test_shutdown_during_preempt_delay_cancels_both_timers():
    router = _waiting_to_preempt()
    assert router.handle(Shutdown(), T1 + 1) == [
        StateChanged(State.BACKUP, State.INIT, "shutdown"),
        SetTimer(Timer.MASTER_DOWN, None),
        SetTimer(Timer.PREEMPT, None),
    ]


@pytest.mark.parametrize("preempt_delay", [0.0, 5.0])
def test_split_brain_a_backup_following_a_better_master_ignores_a_lower_one(preempt_delay):
    """RFC 5798 §6.4.2 discard: the better master heals the lower one; no third master."""
    router = _backup(priority=150, preempt_delay=preempt_delay)
    router.handle(heard("192.0.2.12", 200), T1)
    timers = dict(router.timers)
    assert router.handle(heard("192.0.2.9", 100), T1 + 0.5) == []
    assert router.state is State.BACKUP
    assert router.master_ip == ip_address("192.0.2.12")
    assert dict(router.timers) == timers


def _preempts_after_skew(router: Router, heard_at: float, skew: float, reason: str) -> None:
    """The backup has just armed PREEMPT for heard_at + skew; when it fires, it takes over."""
    assert router.timers[Timer.PREEMPT] == heard_at + skew
    assert router.state is State.BACKUP
    assert router.handle(TimerFired(Timer.PREEMPT), heard_at + skew)[0] == StateChanged(
        State.BACKUP, State.MASTER, reason
    )


def test_a_backup_preempts_the_master_it_follows_once_that_one_drops_below_it():
    router = _backup(priority=150)
    router.handle(heard("192.0.2.12", 200), T1)
    assert router.handle(heard("192.0.2.12", 100), T1 + 1) == [
        SetTimer(Timer.MASTER_DOWN, T1 + 1 + master_down_interval(150, 1.0, 3)),
        SetTimer(Timer.PREEMPT, T1 + 1 + skew_time(150, 1.0, 3)),
    ]
    reason = "preempt: lower priority 100 from 192.0.2.12"
    _preempts_after_skew(router, T1 + 1, skew_time(150, 1.0, 3), reason)


def test_preempt_waits_skew_time_so_the_best_of_several_backups_goes_first():
    """Three routers: the master drops to 50 under backups at 200 and 150. Both hear the same
    lower advert; the 200 fires first (smaller Skew_Time) and its advert cancels the 150's
    PREEMPT before it fires, so exactly one takes over (immediate preempt made both)."""
    best = _backup(priority=200, primary_ip=ip_address("192.0.2.11"))
    second = _backup(priority=150, primary_ip=ip_address("192.0.2.12"))
    for backup in (best, second):
        backup.handle(heard("192.0.2.10", 250), T1)
        backup.handle(heard("192.0.2.10", 50), T1 + 1)
    assert best.timers[Timer.PREEMPT] < second.timers[Timer.PREEMPT]
    fired = best.timers[Timer.PREEMPT]
    takeover = best.handle(TimerFired(Timer.PREEMPT), fired)
    assert takeover[:2] == [
        StateChanged(State.BACKUP, State.MASTER, "preempt: lower priority 50 from 192.0.2.10"),
        SendAdvert(200),
    ]
    assert second.handle(heard("192.0.2.11", 200), fired + 0.001) == [
        SetTimer(Timer.PREEMPT, None),
        SetTimer(Timer.MASTER_DOWN, fired + 0.001 + master_down_interval(150, 1.0, 3)),
    ]
    assert second.state is State.BACKUP
    assert second.master_ip == ip_address("192.0.2.11")


def test_a_preempt_already_armed_is_not_pushed_back_by_later_lower_adverts():
    router = _backup(priority=200)
    router.handle(heard("192.0.2.11", 100), T1)
    router.handle(heard("192.0.2.11", 100), T1 + 0.1)
    assert router.timers[Timer.PREEMPT] == T1 + SKEW_200


@pytest.mark.parametrize("new_priority", [50, 150])
def test_master_whose_priority_changes_advertises_at_once_and_stays_master(new_priority):
    router = _backup(priority=100)
    router.handle(TimerFired(Timer.MASTER_DOWN), router.timers[Timer.MASTER_DOWN])
    assert router.handle(PriorityChanged(new_priority), T1) == [
        SendAdvert(new_priority),
        SetTimer(Timer.ADVER, T1 + 1),
    ]
    assert router.state is State.MASTER
    assert (router.priority, router.base_priority) == (new_priority, 100)


def test_a_master_dropping_priority_is_preempted_by_the_backup_on_that_advert():
    master = _backup(priority=150)  # at 192.0.2.10
    master.handle(TimerFired(Timer.MASTER_DOWN), master.timers[Timer.MASTER_DOWN])
    [advert, _rearm] = master.handle(PriorityChanged(50), T1)
    assert advert == SendAdvert(50)
    backup = _backup(priority=100, primary_ip=ip_address("192.0.2.11"))
    backup.handle(heard("192.0.2.10", advert.priority), T1)
    reason = "preempt: lower priority 50 from 192.0.2.10"
    _preempts_after_skew(backup, T1, skew_time(100, 1.0, 3), reason)


def test_backup_whose_priority_rises_preempts_on_the_next_advert():
    router = _backup(priority=100)
    router.handle(heard("192.0.2.12", 150), T1)
    assert router.handle(PriorityChanged(200), T1 + 0.5) == []
    assert router.state is State.BACKUP
    router.handle(heard("192.0.2.12", 150), T1 + 1)
    reason = "preempt: lower priority 150 from 192.0.2.12"
    _preempts_after_skew(router, T1 + 1, SKEW_200, reason)


# -- the address owner always preempts (RFC 5798 §6.1) ------------------------------------------


def _owner_following(lower: int, **overrides) -> Router:
    """An owner (priority 255, preempt off) that is a backup following a lower master: it
    lowered by tracking to 100 and then heard a master at `lower`, or was held at start."""
    owner = _backup(priority=255, preempt=False, **overrides)
    owner.handle(PriorityChanged(100), T0 + 0.1)
    owner.handle(heard("192.0.2.11", lower), T1)
    assert owner.state is State.BACKUP and Timer.PREEMPT not in owner.timers
    return owner


def test_owner_back_at_255_preempts_a_lower_master_even_with_preempt_off():
    owner = _owner_following(150)
    assert owner.handle(PriorityChanged(255), T1 + 0.5) == []
    owner.handle(heard("192.0.2.11", 150), T1 + 1)
    reason = "preempt: lower priority 150 from 192.0.2.11"
    _preempts_after_skew(owner, T1 + 1, skew_time(255, 1.0, 3), reason)


def test_owner_held_at_start_preempts_a_lower_master_once_the_hold_ends():
    owner = Router(instance(priority=255, preempt=False, startup_delay=3.0))
    owner.handle(Startup(), T0)
    assert owner.state is State.BACKUP
    owner.handle(heard("192.0.2.11", 150), T0 + 1)  # held: follows
    assert Timer.PREEMPT not in owner.timers
    owner.handle(heard("192.0.2.11", 150), T0 + 4)
    reason = "preempt: lower priority 150 from 192.0.2.11"
    _preempts_after_skew(owner, T0 + 4, skew_time(255, 1.0, 3), reason)


def test_a_non_owner_with_preempt_off_still_follows_a_lower_master():
    router = _backup(priority=254, preempt=False)
    router.handle(heard("192.0.2.11", 150), T1)
    assert Timer.PREEMPT not in router.timers
    assert router.master_ip == ip_address("192.0.2.11")


def test_turning_preempt_off_by_reload_keeps_an_owners_pending_preempt():
    owner = Router(instance(priority=255, startup_delay=3.0))
    owner.handle(Startup(), T0)
    owner.handle(heard("192.0.2.11", 150), T0 + 4)
    assert Timer.PREEMPT in owner.timers
    new = instance(priority=255, preempt=False, startup_delay=3.0)
    assert owner.reconfigure(new, T0 + 4.001) == []
    assert Timer.PREEMPT in owner.timers


def test_priority_change_to_the_same_value_does_nothing():
    router = _backup(priority=100)
    assert router.handle(PriorityChanged(100), T1) == []


def test_priority_change_before_startup_decides_the_startup():
    owner = Router(instance(priority=255))
    assert owner.handle(PriorityChanged(200), T0) == []
    assert owner.handle(Startup(), T0)[0] == StateChanged(State.INIT, State.BACKUP, "startup")
    assert owner.handle(PriorityChanged(255), T0 + 1) == []
    assert owner.priority == 255


@pytest.mark.parametrize("priority", [0, 256, -1, True, 100.0, "100"])
def test_priority_change_rejects_values_outside_1_to_255(priority):
    with pytest.raises(ValueError, match="1..255"):
        _backup().handle(PriorityChanged(priority), T1)


def test_only_an_address_owner_may_run_at_priority_255():
    with pytest.raises(ValueError, match="owner"):
        _backup(priority=254).handle(PriorityChanged(255), T1)
