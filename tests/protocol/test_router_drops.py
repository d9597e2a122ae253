"""Playbooks for adverts a Router discards with something to say (RFC 5798 §7.1, RFC 3768 §7.1):
never silent, each with its own counter key and a detail the driver logs (rate-limited)."""

from __future__ import annotations

from ipaddress import IPv4Address, ip_address

import pytest

from tests.protocol.simulation import VIP, heard, instance
from vrrpd.protocol.actions import AdvertDropped, DropReason, State
from vrrpd.protocol.events import AdvertReceived, Startup, Timer, TimerFired
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router import Router

T0 = 10.0
OTHER_VIP = IPv4Address("192.0.2.200")


def _router(state: State) -> Router:
    router = Router(instance())
    router.handle(Startup(), T0)
    if state is State.MASTER:
        router.handle(TimerFired(Timer.MASTER_DOWN), router.timers[Timer.MASTER_DOWN])
    assert router.state is state
    return router


def _with_addresses(src: str, priority: int, addresses: tuple) -> AdvertReceived:
    advert = Advert(version=3, vrid=51, priority=priority, interval=100, addresses=addresses)
    return AdvertReceived(ip_address(src), advert)


@pytest.mark.parametrize("state", [State.BACKUP, State.MASTER])
@pytest.mark.parametrize(
    "addresses", [(OTHER_VIP,), (VIP, OTHER_VIP)], ids=["other-address", "one-more-address"]
)
def test_7_1_an_advert_listing_other_addresses_is_dropped_counted_and_explained(state, addresses):
    """§7.1 MAY verify the address list, SHOULD log a mismatch. We drop it as keepalived does:
    it is most often another cluster using our VRID, whose master we must not follow."""
    router = _router(state)
    timers = dict(router.timers)
    [dropped] = router.handle(_with_addresses("192.0.2.12", 200, addresses), T0 + 4)
    assert dropped == AdvertDropped(DropReason.ADDRESS_MISMATCH)
    assert dropped.detail.startswith(
        "192.0.2.12 advertises other virtual addresses for VRID 51: only theirs 192.0.2.200, "
        f"only ours {'192.0.2.100' if addresses == (OTHER_VIP,) else 'none'}"
    )
    assert router.state is state
    assert dict(router.timers) == timers


def test_the_same_addresses_in_another_order_are_not_a_mismatch():
    router = Router(instance(addresses=(VIP, OTHER_VIP)))
    router.handle(Startup(), T0)
    actions = router.handle(_with_addresses("192.0.2.12", 200, (OTHER_VIP, VIP)), T0 + 1)
    assert not any(isinstance(action, AdvertDropped) for action in actions)
    assert router.master_ip == ip_address("192.0.2.12")


def test_a_long_mismatch_detail_names_a_few_addresses_and_counts_the_rest():
    router = _router(State.BACKUP)
    many = tuple(IPv4Address(f"198.51.100.{i}") for i in range(1, 11))
    [dropped] = router.handle(_with_addresses("192.0.2.12", 200, many), T0 + 1)
    assert "198.51.100.1, 198.51.100.2, 198.51.100.3 and 7 more" in dropped.detail


@pytest.mark.parametrize("state", [State.BACKUP, State.MASTER])
def test_an_advert_from_our_own_address_is_dropped_and_explained(state):
    """Another box using our primary address: two masters could hide from each other."""
    router = _router(state)
    [dropped] = router.handle(heard("192.0.2.10", 200), T0 + 4)
    assert dropped == AdvertDropped(DropReason.OWN_ADDRESS)
    assert "another box uses it" in dropped.detail
    assert router.state is state


def test_rfc3768_v2_interval_mismatch_is_explained():
    router = Router(instance(version=2))
    router.handle(Startup(), T0)
    [dropped] = router.handle(heard("192.0.2.12", 200, version=2, interval=3), T0 + 1)
    assert dropped == AdvertDropped(DropReason.INTERVAL_MISMATCH)
    assert dropped.detail == (
        "192.0.2.12 advertises every 3 s, we every 1 s; VRRPv2 routers of one VRID must share "
        "advert_int"
    )


@pytest.mark.parametrize(
    "event", [heard("192.0.2.12", 200, vrid=52), heard("192.0.2.12", 200, interval=0)]
)
def test_routine_drops_carry_no_detail(event):
    [dropped] = _router(State.BACKUP).handle(event, T0 + 1)
    assert dropped.detail == ""


def test_inactive_drops_carry_no_detail():
    [dropped] = Router(instance()).handle(heard("192.0.2.12", 200), T0)
    assert dropped == AdvertDropped(DropReason.INACTIVE)
    assert dropped.detail == ""
