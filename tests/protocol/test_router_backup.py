"""Playbooks for RFC 5798 §6.4.2 (Backup), v3 and v2 (RFC 3768 timing), and advert drops."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from tests.protocol.playbook import backup as _backup
from tests.protocol.simulation import OURS, heard
from vrrpd.protocol.actions import (
    AddVips,
    AdvertDropped,
    AdvertNoted,
    DropReason,
    NoteReason,
    SendAdvert,
    SendGarp,
    SetTimer,
    State,
    StateChanged,
)
from vrrpd.protocol.events import Timer, TimerFired
from vrrpd.protocol.timing import master_down_interval, skew_time

T0 = 10.0
MDI_100_1S = 3 + 156 / 256  # Master_Down_Interval for priority 100 and a 1 s master
DROP = DropReason


def test_6_4_2_backup_resets_master_down_timer_on_higher_priority_and_learns_interval_v3():
    router = _backup()
    assert router.handle(heard("192.0.2.12", 200, interval=50), T0 + 1) == [
        AdvertNoted(NoteReason.INTERVAL_CHANGED, ""),
        SetTimer(Timer.MASTER_DOWN, T0 + 1 + 3 * 0.5 + 156 * 0.5 / 256),
    ]
    assert router.master_ip == ip_address("192.0.2.12")
    assert router.master_adver_int == 0.5
    assert router.state is State.BACKUP


def test_6_4_2_a_v3_master_changing_its_interval_is_followed_and_noted_once_per_change():
    """RFC 5798 §6.4.2: set Master_Adver_Interval from the advert. Not silent: a changed
    interval usually means two configs disagree, so the driver counts and logs it."""
    router = _backup()
    router.handle(heard("192.0.2.12", 200), T0 + 1)  # 1 s, as ours: nothing to note
    [note, _timer] = router.handle(heard("192.0.2.12", 200, interval=300), T0 + 2)
    assert note == AdvertNoted(NoteReason.INTERVAL_CHANGED, "")
    assert note.detail == (
        "master 192.0.2.12 advertises every 3 s (was 1 s, our advert_int is 1 s); following it"
    )
    assert router.handle(heard("192.0.2.12", 200, interval=300), T0 + 3) == [
        SetTimer(Timer.MASTER_DOWN, T0 + 3 + master_down_interval(100, 3.0, 3))
    ]
    assert router.master_adver_int == 3.0


@pytest.mark.parametrize("src", ["192.0.2.9", "192.0.2.200"])
def test_6_4_2_backup_resets_master_down_timer_on_equal_priority_whatever_the_address(src):
    router = _backup()
    assert router.handle(heard(src, 100), T0 + 1) == [
        SetTimer(Timer.MASTER_DOWN, T0 + 1 + MDI_100_1S)
    ]
    assert router.master_ip == ip_address(src)


def test_rfc3768_v2_backup_resets_master_down_timer_with_its_own_interval():
    router = _backup(version=2, advert_int=2.0)
    assert router.handle(heard("192.0.2.12", 200, version=2, interval=2), T0 + 1) == [
        SetTimer(Timer.MASTER_DOWN, T0 + 1 + 6 + 156 / 256)
    ]
    assert router.master_adver_int == 2.0
    assert router.master_ip == ip_address("192.0.2.12")


def test_rfc3768_7_1_v2_backup_discards_an_advert_with_a_different_interval():
    router = _backup(version=2, advert_int=1.0)
    timers = dict(router.timers)
    assert router.handle(heard("192.0.2.12", 200, version=2, interval=2), T0 + 1) == [
        AdvertDropped(DROP.INTERVAL_MISMATCH)
    ]
    assert dict(router.timers) == timers
    assert router.master_ip is None


@pytest.mark.parametrize(
    ("version", "advert_int", "interval", "skew"),
    [(3, 1.0, 50, 156 * 0.5 / 256), (2, 3.0, 3, 156 / 256)],
)
def test_6_4_2_priority_0_sets_master_down_timer_to_skew_time(version, advert_int, interval, skew):
    router = _backup(version=version, advert_int=advert_int)
    router.handle(heard("192.0.2.12", 200, version=version, interval=interval), T0 + 1)
    assert router.handle(heard("192.0.2.12", 0, version=version, interval=interval), T0 + 2) == [
        SetTimer(Timer.MASTER_DOWN, T0 + 2 + skew)
    ]
    assert router.master_ip is None  # the master resigned


@pytest.mark.parametrize("version", [2, 3])
def test_6_4_2_master_down_timer_fires_and_the_backup_becomes_master(version):
    router = _backup(version=version)
    router.handle(heard("192.0.2.12", 200, version=version), T0 + 1)
    deadline = router.timers[Timer.MASTER_DOWN]
    assert router.handle(TimerFired(Timer.MASTER_DOWN), deadline) == [
        StateChanged(State.BACKUP, State.MASTER, "master down timer"),
        SendAdvert(100),
        AddVips(),
        SendGarp("became-master"),
        SetTimer(Timer.ADVER, deadline + 1.0),
    ]
    assert router.master_ip == OURS
    assert router.since == deadline
    assert router.transitions == 2


def test_6_4_2_master_adver_interval_reverts_to_ours_on_becoming_master():
    router = _backup()
    router.handle(heard("192.0.2.12", 200, interval=300), T0 + 1)
    router.handle(TimerFired(Timer.MASTER_DOWN), router.timers[Timer.MASTER_DOWN])
    assert router.master_adver_int == 1.0


@pytest.mark.parametrize("version", [2, 3])
def test_6_4_2_preempt_off_backup_follows_a_lower_priority_master(version):
    router = _backup(version=version, preempt=False)
    assert router.handle(heard("192.0.2.12", 50, version=version), T0 + 1) == [
        SetTimer(Timer.MASTER_DOWN, T0 + 1 + MDI_100_1S)
    ]
    assert router.state is State.BACKUP
    assert router.master_ip == ip_address("192.0.2.12")


@pytest.mark.parametrize("version", [2, 3])
def test_6_4_2_preempt_on_lower_priority_advert_preempts_after_skew_time(version):
    """Deviation, see router.py: the RFC waits Master_Down_Interval, we wait Skew_Time, so the
    best of several backups still goes first and the others hear it before they fire."""
    router = _backup(version=version)
    heard_at = T0 + 1
    skew = skew_time(100, 1.0, version)
    assert router.handle(heard("192.0.2.9", 50, version=version), heard_at) == [
        SetTimer(Timer.MASTER_DOWN, heard_at + master_down_interval(100, 1.0, version)),
        SetTimer(Timer.PREEMPT, heard_at + skew),
    ]
    assert router.master_ip == ip_address("192.0.2.9")
    assert router.handle(TimerFired(Timer.PREEMPT), heard_at + skew) == [
        StateChanged(State.BACKUP, State.MASTER, "preempt: lower priority 50 from 192.0.2.9"),
        SendAdvert(100),
        AddVips(),
        SendGarp("became-master"),
        SetTimer(Timer.MASTER_DOWN, None),
        SetTimer(Timer.ADVER, heard_at + skew + 1),
    ]
    assert router.master_ip == OURS


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (heard("192.0.2.12", 200, vrid=52), DROP.VRID_MISMATCH),
        (heard("192.0.2.12", 200, version=2, interval=1), DROP.VERSION_MISMATCH),
        (heard("192.0.2.10", 200), DROP.OWN_ADDRESS),
        (heard("192.0.2.12", 200, interval=0), DROP.BAD_INTERVAL),
        (heard("192.0.2.12", 200, interval=4096), DROP.BAD_INTERVAL),
    ],
)
def test_backup_drops_an_advert_it_cannot_act_on_and_keeps_its_timer(event, reason):
    router = _backup()
    timers = dict(router.timers)
    assert router.handle(event, T0 + 1) == [AdvertDropped(reason)]
    assert dict(router.timers) == timers
    assert router.master_ip is None


def test_v2_backup_drops_a_v3_advert_as_version_mismatch():
    router = _backup(version=2)
    assert router.handle(heard("192.0.2.12", 200, version=3), T0 + 1) == [
        AdvertDropped(DROP.VERSION_MISMATCH)
    ]
