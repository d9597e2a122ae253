"""Whole-group properties on the fake wire: after any disturbance, one master, the right one.

RFC 5798 only promises "the highest priority wins" up to ties: a backup accepts an advert of
equal priority whatever its source (§6.4.2), and the primary-address tie-break settles two
*masters* (§6.4.3). So with equal top priorities any one of them may stay master; the tie-break
itself is checked by the simultaneous-start test below.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.protocol.simulation import InvariantViolation, Simulation, group
from vrrpd.protocol.actions import RemoveVips, SetTimer, State
from vrrpd.protocol.events import Timer
from vrrpd.protocol.router import Router, RouterParams
from vrrpd.protocol.timing import master_down_interval, skew_time

PRIORITIES = [1, 50, 100, 150, 200, 254]
KINDS = ["crash", "stop", "start", "priority", "fault", "unfault", "partition", "lose", "heal"]
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Disturbance:
    gap: float  # in units of the group's longest advert interval, before this one happens
    kind: str
    target: int
    arg: int


def _cluster(draw, n: int, version: int, *, allow_owner: bool) -> list[RouterParams]:
    if version == 2:
        intervals = [draw(st.sampled_from([1.0, 2.0]))] * n  # v2 peers must agree (RFC 3768)
    else:
        base = draw(st.sampled_from([0.01, 0.1, 1.0]))
        intervals = [draw(st.sampled_from([base, 3 * base])) for _ in range(n)]
    priorities = draw(st.lists(st.sampled_from(PRIORITIES), min_size=n, max_size=n))
    if allow_owner and draw(st.booleans()):
        priorities[draw(st.integers(0, n - 1))] = 255
    ipv6 = version == 3 and draw(st.booleans())
    hosts = draw(st.permutations(range(1, n + 1)))  # which box gets the higher address
    cluster = []
    for i, (host, interval) in enumerate(zip(hosts, intervals, strict=True)):
        primary = IPv6Address(f"fe80::{host}") if ipv6 else IPv4Address(f"192.0.2.{10 + host}")
        vip = IPv6Address("2001:db8::100") if ipv6 else IPv4Address("192.0.2.100")
        cluster.append(
            RouterParams(
                name=f"r{i}",
                vrid=7,
                priority=priorities[i],
                advert_int=round(interval, 2),
                version=version,
                addresses=(vip,),
                primary_ip=primary,
            )
        )
    return cluster


@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 4))
    version = draw(st.sampled_from([2, 3]))
    cluster = _cluster(draw, n, version, allow_owner=True)
    disturbances = draw(
        st.lists(
            st.builds(
                Disturbance,
                gap=st.floats(0, 6, allow_nan=False),
                kind=st.sampled_from(KINDS),
                target=st.integers(0, n - 1),
                arg=st.integers(0, 255),
            ),
            max_size=8,
        )
    )
    return cluster, disturbances, draw(st.booleans())


def _settle_time(sim: Simulation) -> float:
    """Master_Down_Interval + one advert interval, for the slowest and lowest router."""
    longest = max(node.params.advert_int for node in sim.nodes.values())
    version = next(iter(sim.nodes.values())).params.version
    return master_down_interval(1, longest, version) + longest + 10 * sim.latency


def _apply(sim: Simulation, disturbance: Disturbance, lost: set[tuple[str, str]]) -> None:
    names = sorted(sim.nodes)
    name = names[disturbance.target]
    node = sim.nodes[name]
    kind, arg = disturbance.kind, disturbance.arg
    if kind == "crash" and node.alive:
        sim.crash(name)
    elif kind == "stop" and node.alive:
        sim.stop(name)
    elif kind == "start" and not node.alive:
        sim.start(name)
    elif kind == "priority" and node.alive:
        priority = PRIORITIES[arg % len(PRIORITIES)]
        sim.set_priority(name, 255 if node.params.priority == 255 and arg % 2 else priority)
    elif kind == "fault":
        sim.interface_down(name)
    elif kind == "unfault":
        sim.interface_up(name)
    elif kind == "partition":
        side = {n for i, n in enumerate(names) if arg >> i & 1}
        sim.partition(side, set(names) - side)
    elif kind == "lose":
        lost.add((name, names[arg % len(names)]))
        sim.drop = lambda sender, receiver, _advert: (sender, receiver) in lost
    elif kind == "heal":
        lost.clear()
        sim.heal()


@settings(SETTINGS, max_examples=300)
@given(scenarios())
def test_one_master_with_the_highest_priority_after_any_disturbances(scenario):
    cluster, disturbances, stale_timers = scenario
    sim = Simulation(stale_timers=stale_timers)
    for params in cluster:
        sim.add(params)
        sim.start(params.name)
    longest = max(p.advert_int for p in cluster)
    lost: set[tuple[str, str]] = set()
    for disturbance in disturbances:
        sim.run_for(disturbance.gap * longest)
        _apply(sim, disturbance, lost)
    sim.heal()  # the last disturbance ends now
    sim.run_for(_settle_time(sim))

    eligible = {n: r for n, r in sim.routers().items() if r.state is not State.FAULT}
    masters = sim.masters()
    if not eligible:
        assert masters == []
        return
    assert len(masters) == 1, (masters, sim.transitions[-6:])
    best = max(r.priority for r in eligible.values())
    assert eligible[masters[0]].priority == best, (masters, sim.transitions[-6:])
    assert sim.vip_holders() == masters

    settled = sim.now
    sim.run_for(3 * longest)
    assert sim.transitions_since(settled) == []
    assert sim.masters() == masters


@st.composite
def preempt_off_scenarios(draw):
    n = draw(st.integers(2, 4))
    version = draw(st.sampled_from([2, 3]))
    cluster = _cluster(draw, n, version, allow_owner=False)
    # One interval for all: a newcomer waits 3 of its own intervals (RFC 5798 §6.4.1) before it
    # has heard the master, so a much faster newcomer would time out and take over, by design.
    interval = cluster[0].advert_int
    cluster = [replace(p, advert_int=interval, preempt=False) for p in cluster]
    restarts = draw(
        st.lists(
            st.tuples(st.floats(0, 5, allow_nan=False), st.integers(0, n - 1), st.booleans()),
            max_size=6,
        )
    )
    return cluster, restarts


@settings(SETTINGS, max_examples=150)
@given(preempt_off_scenarios())
def test_preempt_off_a_live_master_is_not_displaced_by_a_returning_router(scenario):
    cluster, restarts = scenario
    sim = Simulation()
    for params in cluster:
        sim.add(params)
        sim.start(params.name)
    interval = cluster[0].advert_int
    sim.run_for(_settle_time(sim))
    [master] = sim.masters()
    settled = sim.now
    others = sorted(set(sim.nodes) - {master})
    for gap, target, raise_priority in restarts:
        sim.run_for(gap * interval)
        name = others[target % len(others)]
        if sim.nodes[name].alive:
            sim.crash(name)
        else:
            params = sim.nodes[name].params
            sim.restart(name, replace(params, priority=254) if raise_priority else params)
    sim.run_for(_settle_time(sim))
    assert sim.masters() == [master]
    assert [
        t for t in sim.transitions_since(settled) if State.MASTER in (t.change.old, t.change.new)
    ] == []


def test_simultaneous_start_equal_priority_higher_address_wins():
    """RFC 5798 §6.4.3: two masters of equal priority, the higher primary address stays."""
    sim = Simulation()
    for params in group([100, 100, 100]):
        sim.add(params)
    for name in sim.nodes:
        sim.start(name)
    sim.run_for(5)
    assert sim.masters() == ["r2"]  # 192.0.2.12
    assert sim.vip_holders() == ["r2"]


def test_preempt_back_comes_skew_time_after_the_first_lower_advert():
    """The returning router takes over Skew_Time after the first lower advert it hears, not
    after Master_Down_Interval (RFC) and not at once (see the three-router tests)."""
    sim = Simulation()
    for params in group([200, 100], advert_int=1.0):
        sim.add(params)
        sim.start(params.name)
    sim.run_for(5)
    sim.crash("r0")
    sim.run_for(5)
    assert sim.masters() == ["r1"]
    returned = sim.now
    sim.start("r0")
    sim.run_for(1.5)
    assert sim.masters() == ["r0"]
    [takeover] = [
        t
        for t in sim.transitions_since(returned)
        if t.name == "r0" and t.change.new is State.MASTER
    ]
    assert takeover.time - returned <= 1.0 + skew_time(200, 1.0, 3) + 2 * sim.latency
    assert takeover.change.reason == "preempt: lower priority 100 from 192.0.2.11"


def test_preempt_delay_holds_the_takeover_for_the_delay():
    sim = Simulation()
    for params in group([200, 100], advert_int=1.0, preempt_delay=10.0):
        sim.add(params)
        sim.start(params.name)
    sim.run_for(5)
    sim.crash("r0")
    sim.run_for(5)
    returned = sim.now
    sim.start("r0")
    sim.run_for(10.5)  # r0 hears r1 within 1 s and then waits the 10 s delay
    assert sim.masters() == ["r1"]
    sim.run_for(1.0)
    assert sim.masters() == ["r0"]
    [takeover] = [t for t in sim.transitions_since(returned) if t.change.new is State.MASTER]
    assert takeover.change.reason.startswith("preempt after 10 s delay")


def test_clean_stop_hands_over_after_skew_time_only():
    """RFC 5798 §6.4.2: priority 0 makes the backup wait Skew_Time, not Master_Down_Interval."""
    sim = Simulation()
    for params in group([200, 100], advert_int=1.0):
        sim.add(params)
        sim.start(params.name)
    sim.run_for(5)
    stopped = sim.now
    sim.stop("r0")
    sim.run_for(1.0)
    assert sim.masters() == ["r1"]
    [takeover] = sim.transitions_since(stopped)[-1:]
    assert takeover.time - stopped <= sim.latency + (256 - 100) / 256 + 1e-9


def test_split_brain_heals_when_the_partition_ends():
    sim = Simulation()
    for params in group([200, 100]):
        sim.add(params)
        sim.start(params.name)
    sim.run_for(5)
    sim.partition({"r0"}, {"r1"})
    sim.run_for(5)
    assert sim.masters() == ["r0", "r1"]
    sim.run_until(sim.routers()["r0"].timers[Timer.ADVER] + sim.latency)  # so r1 speaks first
    sim.heal()
    sim.run_for(1.0)
    assert sim.masters() == ["r0"]
    assert sim.nodes["r0"].garps == ["became-master", "heal"]  # r0 answered r1's advert


def test_split_brain_heal_does_not_flap_a_backup_that_follows_the_better_master():
    sim = Simulation()
    for params in group([200, 150, 100]):
        sim.add(params)
        sim.start(params.name)
    sim.run_for(5)
    sim.partition({"r0", "r1"}, {"r2"})
    sim.run_for(5)
    assert sim.masters() == ["r0", "r2"]
    healed = sim.now
    sim.heal()
    sim.run_for(2)
    assert sim.masters() == ["r0"]
    assert [t.name for t in sim.transitions_since(healed)] == ["r2"]


class _KeepsVips(Router):
    def handle(self, event, now):
        return [a for a in super().handle(event, now) if not isinstance(a, RemoveVips)]


class _ForgetsToCancel(Router):
    def handle(self, event, now):
        return [a for a in super().handle(event, now) if a != SetTimer(Timer.ADVER, None)]


@pytest.mark.parametrize("broken", [_KeepsVips, _ForgetsToCancel])
def test_the_harness_catches_a_router_that_breaks_a_driver_promise(broken):
    sim = Simulation(router_factory=broken)
    for params in group([100, 200]):
        sim.add(params)
    sim.start("r0")
    sim.run_for(5)  # r0 alone: master
    sim.start("r1")
    with pytest.raises(InvariantViolation):
        sim.run_for(5)  # r1 preempts; r0 backs off without releasing VIPs / the ADVER timer
