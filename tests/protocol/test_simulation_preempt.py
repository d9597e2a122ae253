"""Preempting with three or more routers, on the fake wire: a master demoted below several
backups must hand over to exactly one of them, the best, without a second one taking over for a
moment (which an immediate preempt on the lower advert did: every outranking backup fired)."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.protocol.simulation import Simulation, group
from vrrpd.protocol.actions import State
from vrrpd.protocol.timing import master_down_interval, skew_time

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def demotions(draw):
    """A master at 254 above 2..4 backups with distinct priorities, all with one interval, and
    the priority the master drops to (below at least two backups, equal to none)."""
    version = draw(st.sampled_from([2, 3]))
    if version == 2:
        interval = float(draw(st.integers(1, 3)))
    else:
        interval = draw(st.sampled_from([0.01, 0.05, 0.1, 1.0, 2.5]))
    backups = sorted(draw(st.lists(st.integers(2, 253), min_size=2, max_size=4, unique=True)))
    demoted = draw(st.integers(1, backups[-2] - 1))
    assume(demoted not in backups)
    delay = draw(st.sampled_from([0.0, 0.0, 1.5]))
    return version, interval, backups, demoted, delay


def _latency(priorities: list[int], interval: float, version: int) -> float:
    """Below the smallest Skew_Time gap between two backups: the precondition the RFC's own
    Master_Down ordering has too (equal or nearly equal priorities race, see router.py)."""
    skews = sorted(skew_time(p, interval, version) for p in priorities)
    gap = min(b - a for a, b in zip(skews, skews[1:], strict=False))
    return min(0.001, gap / 4)


@SETTINGS
@given(demotions())
def test_a_master_demoted_below_several_backups_hands_over_to_the_best_one_only(case):
    version, interval, backups, demoted, delay = case
    sim = Simulation(latency=_latency([*backups, demoted], interval, version))
    cluster = group([254, *backups], version=version, advert_int=interval, preempt_delay=delay)
    for params in cluster:
        sim.add(params)
        sim.start(params.name)
    sim.run_for(master_down_interval(1, interval, version) + 2 * interval)
    assert sim.masters() == ["r0"]

    demoted_at = sim.now
    sim.set_priority("r0", demoted)  # tracking or a reload: the master advertises it at once
    best = f"r{len(backups)}"  # group() numbers r1.. in the order given: the last is the best
    sim.run_for(delay + interval + 3 * sim.latency)

    assert sim.masters() == [best]
    assert sim.vip_holders() == [best]
    became = [t for t in sim.transitions_since(demoted_at) if t.change.new is State.MASTER]
    assert [t.name for t in became] == [best]  # exactly one takeover, by the best backup
    assert became[0].time - demoted_at <= delay + skew_time(backups[-1], interval, version) + (
        2 * sim.latency
    )
    left = [t for t in sim.transitions_since(demoted_at) if t.change.old is State.MASTER]
    assert [t.name for t in left] == ["r0"]
    settled = sim.now
    sim.run_for(3 * interval)
    assert sim.transitions_since(settled) == []


def test_three_routers_demoted_master_one_new_master_the_right_one():
    """The lab's case in numbers: r0 250 drops to 50 under r1 200 and r2 150, 100 ms adverts."""
    sim = Simulation(latency=0.0005)
    for params in group([250, 200, 150], advert_int=0.1):
        sim.add(params)
        sim.start(params.name)
    sim.run_for(1.0)
    demoted_at = sim.now
    sim.set_priority("r0", 50)
    sim.run_for(0.1)
    assert sim.masters() == ["r1"]
    became = [t for t in sim.transitions_since(demoted_at) if t.change.new is State.MASTER]
    assert [(t.name, round(t.time - demoted_at, 4)) for t in became] == [
        ("r1", round(skew_time(200, 0.1, 3) + sim.latency, 4))
    ]


def test_two_routers_preempt_back_still_comes_within_one_interval():
    sim = Simulation()
    for params in group([200, 100], advert_int=1.0):
        sim.add(params)
    sim.start("r1")
    sim.run_for(5)
    sim.start("r0")
    started = sim.now
    sim.run_for(1.0 + skew_time(200, 1.0, 3) + 2 * sim.latency)
    assert sim.masters() == ["r0"]
    [takeover] = [t for t in sim.transitions_since(started) if t.change.new is State.MASTER]
    assert takeover.change.reason == "preempt: lower priority 100 from 192.0.2.11"


def test_equal_priority_backups_still_end_with_one_master():
    """Equal priorities race (as in the RFC); the higher address stays master (§6.4.3)."""
    sim = Simulation()
    for params in group([250, 150, 150], advert_int=0.1):
        sim.add(params)
        sim.start(params.name)
    sim.run_for(1.0)
    sim.set_priority("r0", 50)
    sim.run_for(1.0)
    assert sim.masters() == ["r2"]
