"""RouterParams validation, a fresh Router's read-only view, and the advert it sends."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest

from tests.protocol.simulation import OURS, VIP, instance
from vrrpd.protocol.actions import State
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router import Router


def test_a_valid_instance_builds_for_v2_and_v3():
    assert instance().version == 3
    assert instance(version=2, advert_int=3.0).advert_int == 3.0
    v6 = instance(primary_ip=IPv6Address("fe80::1"), addresses=(IPv6Address("2001:db8::1"),))
    assert v6.primary_ip.version == 6


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"vrid": 0}, "vrid"),
        ({"vrid": 256}, "vrid"),
        ({"vrid": True}, "vrid"),
        ({"vrid": "51"}, "vrid"),
        ({"priority": 0}, "priority"),
        ({"priority": 256}, "priority"),
        ({"priority": 100.0}, "priority"),
        ({"version": 1}, "version"),
        ({"version": 3.0}, "version"),
        ({"advert_int": 0.0}, "advert_int"),
        ({"advert_int": 0.005}, "advert_int"),
        ({"advert_int": 41.0}, "advert_int"),
        ({"version": 2, "advert_int": 0.5}, "advert_int"),
        ({"version": 2, "advert_int": 256.0}, "advert_int"),
        ({"addresses": ()}, "addresses"),
        ({"addresses": [VIP]}, "addresses"),
        ({"addresses": ("192.0.2.100",)}, "not an IP address"),
        ({"addresses": (VIP, VIP)}, "repeat"),
        ({"addresses": (IPv6Address("2001:db8::1"),)}, "one address family"),
        ({"addresses": tuple(IPv4Address(0xC0000200 + i) for i in range(256))}, "at most 255"),
        ({"primary_ip": "192.0.2.10"}, "primary_ip"),
        (
            {
                "version": 2,
                "primary_ip": IPv6Address("fe80::1"),
                "addresses": (IPv6Address("2001:db8::1"),),
            },
            "IPv4 only",
        ),
        ({"preempt": 1}, "preempt"),
        ({"preempt_delay": -1.0}, "preempt_delay"),
        ({"preempt_delay": float("inf")}, "preempt_delay"),
        ({"preempt_delay": float("nan")}, "preempt_delay"),
        ({"preempt_delay": "5"}, "preempt_delay"),
        ({"preempt_delay": True}, "preempt_delay"),
    ],
)
def test_router_params_reject_bad_input(overrides, message):
    with pytest.raises(ValueError, match=message):
        instance(**overrides)


def test_a_new_router_is_in_init_with_nothing_known():
    router = Router(instance(priority=150))
    assert router.state is State.INIT
    assert router.params == instance(priority=150)
    assert (router.priority, router.base_priority) == (150, 150)
    assert router.master_ip is None
    assert router.master_adver_int == 1.0
    assert router.since is None
    assert router.transitions == 0
    assert router.last_reason is None
    assert dict(router.timers) == {}


def test_v3_advert_carries_the_interval_in_centiseconds():
    router = Router(instance(advert_int=0.05, addresses=(VIP, IPv4Address("192.0.2.101"))))
    assert router.advert(100) == Advert(
        version=3,
        vrid=51,
        priority=100,
        interval=5,
        addresses=(VIP, IPv4Address("192.0.2.101")),
    )


def test_v2_advert_carries_the_interval_in_seconds_and_priority_0_to_resign():
    router = Router(instance(version=2, advert_int=2.0))
    assert router.advert(0) == Advert(version=2, vrid=51, priority=0, interval=2, addresses=(VIP,))


@pytest.mark.parametrize("priority", [-1, 256])
def test_advert_rejects_a_priority_outside_0_to_255(priority):
    with pytest.raises(ValueError, match="priority"):
        Router(instance()).advert(priority)


def test_timers_view_is_read_only():
    router = Router(instance(primary_ip=OURS))
    with pytest.raises(TypeError):
        router.timers["adver"] = 1.0  # type: ignore[index]
