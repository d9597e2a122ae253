"""Timer bookkeeping: stale, duplicate and early TimerFired events must be harmless."""

from __future__ import annotations

from tests.protocol.playbook import backup as _backup
from tests.protocol.simulation import heard
from vrrpd.protocol.actions import SetTimer, State
from vrrpd.protocol.events import Timer, TimerFired
from vrrpd.protocol.router import TIMER_TOLERANCE

T0 = 10.0


def test_a_cancelled_timer_that_fires_anyway_is_ignored():
    router = _backup()
    router.handle(TimerFired(Timer.MASTER_DOWN), router.timers[Timer.MASTER_DOWN])
    router.handle(heard("192.0.2.12", 200), T0 + 5)  # back to BACKUP: ADVER cancelled
    assert Timer.ADVER not in router.timers
    assert router.handle(TimerFired(Timer.ADVER), T0 + 100) == []
    assert router.state is State.BACKUP


def test_a_timer_delivered_twice_acts_once():
    router = _backup()
    deadline = router.timers[Timer.MASTER_DOWN]
    router.handle(TimerFired(Timer.MASTER_DOWN), deadline)
    assert router.handle(TimerFired(Timer.MASTER_DOWN), deadline) == []
    assert router.transitions == 2


def test_a_timer_fired_before_its_deadline_changes_nothing_and_asks_again():
    router = _backup()
    deadline = router.timers[Timer.MASTER_DOWN]
    assert router.handle(TimerFired(Timer.MASTER_DOWN), deadline - 0.5) == [
        SetTimer(Timer.MASTER_DOWN, deadline)
    ]
    assert router.state is State.BACKUP
    assert dict(router.timers) == {Timer.MASTER_DOWN: deadline}


def test_a_stale_firing_for_an_earlier_deadline_is_harmless_after_a_rearm():
    router = _backup()
    first = router.timers[Timer.MASTER_DOWN]
    router.handle(heard("192.0.2.12", 200), first - 1)  # pushes the deadline out
    later = router.timers[Timer.MASTER_DOWN]
    assert later > first
    assert router.handle(TimerFired(Timer.MASTER_DOWN), first) == [
        SetTimer(Timer.MASTER_DOWN, later)
    ]
    assert router.state is State.BACKUP


def test_a_timer_fired_within_the_tolerance_of_its_deadline_counts():
    router = _backup()
    deadline = router.timers[Timer.MASTER_DOWN]
    router.handle(TimerFired(Timer.MASTER_DOWN), deadline - TIMER_TOLERANCE / 2)
    assert router.state is State.MASTER


def test_timers_view_follows_the_state():
    router = _backup()
    assert set(router.timers) == {Timer.MASTER_DOWN}
    became = router.timers[Timer.MASTER_DOWN]
    router.handle(TimerFired(Timer.MASTER_DOWN), became)
    assert dict(router.timers) == {Timer.ADVER: became + 1.0}
