"""Playbooks for RFC 5798 §6.4.3 (Master), v3 and v2, plus the split-brain heal."""

from __future__ import annotations

from ipaddress import IPv6Address, ip_address

import pytest

from tests.protocol.playbook import backup
from tests.protocol.simulation import heard
from vrrpd.protocol.actions import (
    AdvertDropped,
    AdvertNoted,
    DropReason,
    NoteReason,
    RemoveVips,
    SendAdvert,
    SendGarp,
    SetTimer,
    State,
    StateChanged,
)
from vrrpd.protocol.events import AdvertReceived, Timer, TimerFired
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router import Router

T0 = 10.0


def _master(**overrides) -> tuple[Router, float]:
    """A priority-100 router that became master when its Master_Down_Timer fired; and when."""
    router = backup(**overrides)
    became = router.timers[Timer.MASTER_DOWN]
    router.handle(TimerFired(Timer.MASTER_DOWN), became)
    assert router.state is State.MASTER
    return router, became


@pytest.mark.parametrize(("version", "advert_int"), [(3, 0.25), (2, 2.0)])
def test_6_4_3_adver_timer_sends_an_advert_and_rearms(version, advert_int):
    router, became = _master(version=version, advert_int=advert_int)
    due = became + advert_int
    assert router.timers[Timer.ADVER] == due
    assert router.handle(TimerFired(Timer.ADVER), due) == [
        SendAdvert(100),
        SetTimer(Timer.ADVER, due + advert_int),
    ]


def test_adver_timer_keeps_a_fixed_cadence_when_it_fires_late():
    """The next advert is due one interval after the last was due, not after the wake-up."""
    router, became = _master(advert_int=0.01)
    due = became + 0.01
    late = due + 0.004
    assert router.handle(TimerFired(Timer.ADVER), late) == [
        SendAdvert(100),
        SetTimer(Timer.ADVER, pytest.approx(due + 0.01)),
    ]


def test_adver_timer_more_than_an_interval_late_restarts_the_cadence_without_a_burst():
    router, became = _master(advert_int=0.01)
    late = became + 0.01 + 0.025
    assert router.handle(TimerFired(Timer.ADVER), late) == [
        SendAdvert(100),
        SetTimer(Timer.ADVER, pytest.approx(late + 0.01)),
    ]


@pytest.mark.parametrize("version", [2, 3])
def test_6_4_3_priority_0_advert_is_answered_at_once_and_adver_timer_reset(version):
    router, became = _master(version=version)
    now = became + 0.4
    assert router.handle(heard("192.0.2.12", 0, version=version), now) == [
        SendAdvert(100),
        SetTimer(Timer.ADVER, now + 1.0),
    ]
    assert router.state is State.MASTER


def test_6_4_3_higher_priority_makes_the_master_back_off_and_learn_the_interval_v3():
    router, became = _master()
    now = became + 0.4
    assert router.handle(heard("192.0.2.12", 200, interval=50), now) == [
        StateChanged(State.MASTER, State.BACKUP, "higher priority 200 from 192.0.2.12"),
        RemoveVips(),
        SetTimer(Timer.ADVER, None),
        AdvertNoted(NoteReason.INTERVAL_CHANGED, ""),
        SetTimer(Timer.MASTER_DOWN, now + 1.5 + 156 * 0.5 / 256),
    ]
    assert router.master_ip == ip_address("192.0.2.12")
    assert router.master_adver_int == 0.5


def test_rfc3768_higher_priority_makes_the_v2_master_back_off_with_its_own_interval():
    router, became = _master(version=2, advert_int=2.0)
    now = became + 0.4
    assert router.handle(heard("192.0.2.12", 200, version=2, interval=2), now) == [
        StateChanged(State.MASTER, State.BACKUP, "higher priority 200 from 192.0.2.12"),
        RemoveVips(),
        SetTimer(Timer.ADVER, None),
        SetTimer(Timer.MASTER_DOWN, now + 6 + 156 / 256),
    ]


@pytest.mark.parametrize("version", [2, 3])
def test_6_4_3_equal_priority_from_a_higher_primary_address_makes_the_master_back_off(version):
    router, became = _master(version=version)
    actions = router.handle(heard("192.0.2.12", 100, version=version), became + 0.4)
    assert actions[:3] == [
        StateChanged(
            State.MASTER, State.BACKUP, "equal priority 100 from higher address 192.0.2.12"
        ),
        RemoveVips(),
        SetTimer(Timer.ADVER, None),
    ]
    assert router.state is State.BACKUP


def _v6_heard(src: str, priority: int) -> AdvertReceived:
    advert = Advert(3, 51, priority, 100, (IPv6Address("2001:db8::100"),))
    return AdvertReceived(IPv6Address(src), advert)


def test_6_4_3_ipv6_tie_break_compares_link_local_addresses_as_integers():
    v6 = {
        "primary_ip": IPv6Address("fe80::10"),
        "addresses": (IPv6Address("2001:db8::100"),),
    }
    router, became = _master(**v6)
    assert router.handle(_v6_heard("fe80::9", 100), became + 0.1) == [
        SendAdvert(100),
        SendGarp("heal"),
    ]
    assert router.handle(_v6_heard("fe80::11", 100), became + 0.2)[0] == StateChanged(
        State.MASTER, State.BACKUP, "equal priority 100 from higher address fe80::11"
    )


@pytest.mark.parametrize(("src", "priority"), [("192.0.2.12", 50), ("192.0.2.9", 100)])
def test_6_4_3_master_discards_an_advert_it_outranks_but_heals_the_split_brain(src, priority):
    router, became = _master()
    timers = dict(router.timers)
    assert router.handle(heard(src, priority), became + 0.4) == [
        SendAdvert(100),
        SendGarp("heal"),
    ]
    assert router.state is State.MASTER
    assert dict(router.timers) == timers


def test_split_brain_heal_is_rate_limited_to_one_per_advert_interval():
    router, became = _master()
    first = became + 0.4
    assert router.handle(heard("192.0.2.12", 50), first) == [SendAdvert(100), SendGarp("heal")]
    assert router.handle(heard("192.0.2.12", 50), first + 0.5) == []
    assert router.handle(heard("192.0.2.12", 50), first + 0.99) == []
    assert router.handle(heard("192.0.2.12", 50), first + 1.0) == [
        SendAdvert(100),
        SendGarp("heal"),
    ]


def test_master_drops_its_own_looped_back_advert_without_healing():
    router, became = _master()
    assert router.handle(heard("192.0.2.10", 100), became + 0.1) == [
        AdvertDropped(DropReason.OWN_ADDRESS)
    ]


def test_rfc3768_7_1_v2_master_ignores_a_higher_advert_with_another_interval():
    router, became = _master(version=2, advert_int=1.0)
    assert router.handle(heard("192.0.2.12", 200, version=2, interval=3), became + 0.1) == [
        AdvertDropped(DropReason.INTERVAL_MISMATCH)
    ]
    assert router.state is State.MASTER
