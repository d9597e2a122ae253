"""Runtime reconfiguration (SIGHUP): settings change without a state transition."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address

import pytest

from tests.protocol.playbook import backup as _backup
from tests.protocol.playbook import master as _master
from tests.protocol.simulation import VIP, heard, instance
from vrrpd.protocol.actions import (
    AddVips,
    AdvertDropped,
    DropReason,
    SendAdvert,
    SendGarp,
    SetTimer,
    State,
)
from vrrpd.protocol.events import PriorityChanged, Startup, Timer
from vrrpd.protocol.router import Router

T0 = 10.0
NOW = 30.0


@pytest.mark.parametrize("change", [{"vrid": 52}, {"version": 2}])
def test_reconfigure_refuses_to_change_what_names_the_instance_on_the_wire(change):
    router = _master()
    with pytest.raises(ValueError, match="replace the Router"):
        router.reconfigure(replace(router.params, **change), NOW)
    assert router.params == instance()


def test_master_with_a_new_vip_list_advertises_adds_and_announces_without_a_transition():
    router = _master()
    new = replace(router.params, addresses=(VIP, IPv4Address("192.0.2.101")))
    assert router.reconfigure(new, NOW) == [
        SendAdvert(100),
        AddVips(),
        SendGarp("became-master"),
        SetTimer(Timer.ADVER, NOW + 1.0),
    ]
    assert router.params == new
    assert router.advert(100).addresses == new.addresses
    assert (router.state, router.transitions) == (State.MASTER, 2)


def test_master_with_a_new_base_priority_advertises_it_at_once():
    router = _master()
    router.handle(PriorityChanged(80), NOW - 1)  # tracking had lowered it
    assert router.reconfigure(replace(router.params, priority=150), NOW) == [
        SendAdvert(150),
        SetTimer(Timer.ADVER, NOW + 1.0),
    ]
    assert (router.priority, router.base_priority) == (150, 150)


def test_master_with_a_new_advert_interval_advertises_it_and_rearms():
    router = _master()
    assert router.reconfigure(replace(router.params, advert_int=0.5), NOW) == [
        SendAdvert(100),
        SetTimer(Timer.ADVER, NOW + 0.5),
    ]
    assert router.advert(100).interval == 50
    assert router.master_adver_int == 0.5


def test_master_with_nothing_advertised_changed_does_nothing():
    router = _master()
    new = replace(router.params, name="renamed", preempt_delay=3.0)
    assert router.reconfigure(new, NOW) == []


def test_master_with_a_new_primary_address_reports_it_as_master():
    router = _master()
    assert (
        router.reconfigure(replace(router.params, primary_ip=IPv4Address("192.0.2.20")), NOW) == []
    )
    assert router.master_ip == IPv4Address("192.0.2.20")


def test_tracked_priority_survives_a_reload_that_keeps_the_base_priority():
    router = _backup()
    router.handle(PriorityChanged(80), NOW - 1)
    router.reconfigure(replace(router.params, name="renamed"), NOW)
    assert router.priority == 80


def test_turning_preempt_off_cancels_a_pending_preempt():
    router = _backup(priority=200, preempt_delay=5.0)
    router.handle(heard("192.0.2.11", 100), NOW - 1)
    assert router.reconfigure(replace(router.params, preempt=False), NOW) == [
        SetTimer(Timer.PREEMPT, None)
    ]
    assert set(router.timers) == {Timer.MASTER_DOWN}


def test_v2_backup_follows_a_new_advert_interval_for_its_master_down_timer():
    router = _backup(version=2, advert_int=1.0)
    assert router.reconfigure(replace(router.params, advert_int=2.0), NOW) == []
    assert router.master_adver_int == 2.0
    assert router.handle(heard("192.0.2.12", 200, version=2, interval=1), NOW) == [
        AdvertDropped(DropReason.INTERVAL_MISMATCH)
    ]
    assert router.handle(heard("192.0.2.12", 200, version=2, interval=2), NOW) == [
        SetTimer(Timer.MASTER_DOWN, NOW + 6 + 156 / 256)
    ]


def test_v3_backup_keeps_the_interval_it_learnt_from_the_master():
    router = _backup()
    router.handle(heard("192.0.2.12", 200, interval=300), NOW - 1)
    assert router.reconfigure(replace(router.params, advert_int=0.5), NOW) == []
    assert router.master_adver_int == 3.0


def test_reconfigure_before_startup_is_what_startup_uses():
    router = Router(instance())
    assert router.reconfigure(instance(priority=255), NOW) == []
    assert router.handle(Startup(), NOW)[1] == SendAdvert(255)
