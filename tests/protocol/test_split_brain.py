"""SplitBrainDetector: evidence in, one event per episode out (fake clock, no I/O)."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from vrrpd.protocol.split_brain import (
    MAX_TRACKED,
    Announce,
    Party,
    Probe,
    SplitBrainDetector,
    SplitBrainHealed,
    SplitBrainStarted,
)

VIP = ip_address("192.0.2.100")
PEER = ip_address("192.0.2.12")
OTHER_MAC = "02:1a:00:00:00:0c"
THIRD_MAC = "02:1a:00:00:00:0d"
INTERVAL = 0.1
AFTER = 3


def detector(after: int = AFTER) -> SplitBrainDetector:
    return SplitBrainDetector(INTERVAL, after, "multicast 224.0.0.18")


def master(now: float = 0.0) -> SplitBrainDetector:
    d = detector()
    assert d.became_master(now, VIP) == []
    return d


def run_ticks(d: SplitBrainDetector, until: float, on_probe=None) -> list:
    """Call tick at every deadline up to `until`; `on_probe(probe, now)` answers probes."""
    out = []
    while d.deadline is not None and d.deadline <= until:
        now = d.deadline
        for action in d.tick(now):
            out.append(action)
            if isinstance(action, Probe) and on_probe is not None:
                out += on_probe(action, now)
    return out


def answered_by(d: SplitBrainDetector, mac: str = OTHER_MAC, ip=None):
    """A host `mac` that holds the VIP: its kernel answers every probe that reaches it."""

    def answer(probe: Probe, now: float) -> list:
        if probe.mac in (None, mac):
            return d.claim(probe.target, mac, now + 0.001, ip=ip)
        return []

    return answer


def of(kind, actions):
    return [a for a in actions if isinstance(a, kind)]


def test_claims_while_not_master_are_ignored():
    d = detector()
    assert d.claim(VIP, OTHER_MAC, 0.0) == []
    assert d.claim(VIP, OTHER_MAC, 1.0) == []
    assert d.deadline is None and d.episode is None


def test_becoming_master_asks_the_link_once_one_interval_later():
    d = master(10.0)
    assert d.deadline == pytest.approx(10.1)
    assert d.tick(10.1) == [Probe(VIP, None)]
    assert d.deadline is None  # nothing answered: nothing more to do


def test_a_single_claim_is_only_a_suspicion_that_expires():
    d = master()
    d.tick(0.1)
    assert d.claim(VIP, OTHER_MAC, 0.15) == []  # e.g. the old master's last GARP
    actions = run_ticks(d, 5.0)
    assert of(SplitBrainStarted, actions) == []
    probes = of(Probe, actions)
    assert probes and all(p == Probe(VIP, OTHER_MAC) for p in probes)
    assert len(probes) <= AFTER + 1
    # its claim may have pulled clients over: once it is quiet, our VIPs are announced again
    assert of(Announce, actions) == [Announce()]
    assert d.deadline is None and d.episode is None


def test_a_partition_healed_within_the_window_announces_once_the_other_is_quiet():
    # the backup took over while VRRP was filtered, GARPed, and stepped down when VRRP came
    # back after less than the window: no episode, but the clients it pulled over must return
    d = master()
    d.tick(0.1)
    d.claim(VIP, OTHER_MAC, 0.40)  # its takeover GARP
    holds_until = 0.55  # VRRP heals: it hears us and drops the VIP

    def answer(probe: Probe, now: float) -> list:
        return answered_by(d)(probe, now) if now < holds_until else []

    announced = []
    while d.deadline is not None and d.deadline <= 3.0:
        now = d.deadline
        for action in d.tick(now):
            if isinstance(action, Probe):
                assert answer(action, now) == []  # a suspicion, not yet an episode
            elif isinstance(action, Announce):
                announced.append(now)
            else:
                raise AssertionError(f"unexpected {action}")
    assert len(announced) == 1
    # after its last answer (just before the heal) plus the window, not before
    assert holds_until + AFTER * INTERVAL - 0.11 < announced[0] <= holds_until + 0.5


def test_no_announce_while_the_suspect_still_claims():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2)
    actions = run_ticks(d, 0.2 + AFTER * INTERVAL - 0.01, answered_by(d))
    assert of(Announce, actions) == []


def test_claims_that_go_on_for_the_window_start_one_episode():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2, ip=PEER)

    actions = run_ticks(d, 3.0, answered_by(d, ip=PEER))
    started = of(SplitBrainStarted, actions)
    assert len(started) == 1
    event = started[0]
    assert event.other == Party(OTHER_MAC, PEER)
    assert event.vip == VIP
    assert event.since == pytest.approx(0.2 + AFTER * INTERVAL, abs=INTERVAL + 0.01)
    assert "192.0.2.12 (02:1a:00:00:00:0c) claims 192.0.2.100" in event.cause
    assert "224.0.0.18" in event.cause and "filtered" in event.cause
    assert d.episode == event
    assert of(SplitBrainHealed, actions) == []  # its answers keep the episode going


def test_a_persistent_episode_probes_the_other_party_every_interval():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2)
    actions = run_ticks(d, 3.0, answered_by(d))
    probes = [p for p in of(Probe, actions) if p.mac is not None]
    assert len(probes) >= 25  # ~every 0.1 s from 0.3 to 3.0
    assert {p.mac for p in probes} == {OTHER_MAC}


def test_silence_heals_the_episode_once_and_announces_our_vips():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2)
    run_ticks(d, 2.0, answered_by(d))
    assert d.episode is not None
    d.advert(PEER, 100, INTERVAL, 2.01)  # VRRP gets through again; it steps down
    actions = run_ticks(d, 4.0)  # it dropped the VIP: nobody answers
    healed = of(SplitBrainHealed, actions)
    assert len(healed) == 1
    assert healed[0].other.mac == OTHER_MAC
    assert "stopped claiming 192.0.2.100" in healed[0].reason
    assert "VRRP from 192.0.2.12 reached us again" in healed[0].reason
    assert healed[0].duration == pytest.approx(2.0 - 0.5, abs=0.3)
    assert of(Announce, actions) == [Announce()]
    assert d.episode is None and d.deadline is None


def test_leaving_master_heals_without_announcing():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2)
    run_ticks(d, 1.0, answered_by(d))
    assert d.episode is not None
    actions = d.left_master(1.05, "higher priority 150 from 192.0.2.11")
    assert len(actions) == 1 and isinstance(actions[0], SplitBrainHealed)
    assert actions[0].reason == "we left MASTER (higher priority 150 from 192.0.2.11)"
    assert d.deadline is None and d.episode is None
    assert d.left_master(1.1, "again") == []  # not master: nothing to heal


def test_leaving_master_without_an_episode_emits_nothing():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2)
    assert d.left_master(0.25, "shutdown") == []
    assert d.deadline is None


def test_claims_from_a_third_party_during_an_episode_change_nothing():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2)
    run_ticks(d, 1.0, answered_by(d))
    for step in range(20):
        assert d.claim(VIP, THIRD_MAC, 1.0 + step * 0.1) == []
    actions = run_ticks(d, 3.0, answered_by(d))
    assert of(SplitBrainStarted, actions) == []
    assert {p.mac for p in of(Probe, actions)} == {OTHER_MAC}


def test_suspects_are_bounded():
    d = master()
    for n in range(MAX_TRACKED + 5):
        d.claim(VIP, f"02:00:00:00:01:{n:02x}", 0.2)
    probes = of(Probe, d.tick(0.3))
    assert len([p for p in probes if p.mac]) == MAX_TRACKED


def test_one_lower_master_advert_is_a_race_not_a_split_brain():
    d = master()
    assert d.advert(PEER, 100, INTERVAL, 0.05) == []
    actions = run_ticks(d, 2.0)
    assert of(SplitBrainStarted, actions) == []
    assert d.deadline is None


def test_a_lower_master_that_keeps_advertising_is_a_split_brain():
    d = master()
    found = []
    for step in range(10):
        now = 0.05 + step * INTERVAL
        found += d.advert(PEER, 100, INTERVAL, now)
        found += d.tick(now) if d.deadline is not None and d.deadline <= now else []
    started = of(SplitBrainStarted, found)
    assert len(started) == 1
    assert started[0].other == Party(None, PEER) and started[0].vip is None
    assert "priority 100" in started[0].cause and "authentication" in started[0].cause
    # its adverts stop (it heard us at last): healed after the window
    actions = run_ticks(d, 3.0)
    healed = of(SplitBrainHealed, actions)
    assert len(healed) == 1 and "stopped advertising as master" in healed[0].reason
    assert of(Announce, actions) == [Announce()]


def test_a_slow_advertiser_is_judged_on_its_own_interval():
    d = master()
    # adverts every second from a router with advert_int 1 s: gaps far beyond 3 x 0.1 s
    for second in range(4):
        d.advert(PEER, 100, 1.0, 0.5 + second)
    assert d.episode is not None and d.episode.other.ip == PEER


def test_adverts_with_priority_zero_or_while_backup_are_no_evidence():
    d = master()
    for step in range(10):
        assert d.advert(PEER, 0, INTERVAL, step * INTERVAL) == []
    backup = detector()
    for step in range(10):
        assert backup.advert(PEER, 100, INTERVAL, step * INTERVAL) == []
    assert backup.deadline is None


def test_becoming_master_again_starts_afresh():
    d = master()
    d.claim(VIP, OTHER_MAC, 0.2)
    d.left_master(0.3, "shutdown")
    assert d.became_master(5.0, VIP) == []
    assert d.became_master(5.0, VIP) == []  # already master: no second takeover probe
    assert d.tick(5.1) == [Probe(VIP, None)]


@pytest.mark.parametrize(("interval", "after"), [(0, 3), (-1, 3), (0.1, 0), (0.1, True), (1, 1.5)])
def test_bad_parameters_are_refused(interval, after):
    with pytest.raises(ValueError):
        SplitBrainDetector(interval, after, "unicast")


def test_two_masters_each_see_one_episode_and_one_heal():
    """Two detectors on a fake LAN where VRRP is cut but ARP flows: probes are answered by
    whoever holds the VIP (is master), GARPs reach the other side."""
    a, b = detector(), detector()
    macs = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b"}
    holds = {"a": True, "b": False}
    a.became_master(0.0, VIP)
    a.tick(0.1)  # nobody else holds the VIP yet
    events = {"a": [], "b": []}
    me = {"a": a, "b": b}

    def deliver(sender: str, actions: list, now: float) -> None:
        other = "b" if sender == "a" else "a"
        for action in actions:
            if isinstance(action, Probe) and holds[other]:
                if action.mac in (None, macs[other]):  # the other's kernel answers
                    deliver(other, me[sender].claim(VIP, macs[other], now + 0.001), now)
            elif isinstance(action, SplitBrainStarted | SplitBrainHealed):
                events[sender].append(type(action).__name__)

    # b stops hearing a, becomes master and sends its GARP burst
    b.became_master(1.0, VIP)
    holds["b"] = True
    deliver("b", [], 1.0)
    deliver("a", a.claim(VIP, macs["b"], 1.001), 1.001)
    now = 1.0
    while now < 4.0:
        now = round(now + 0.01, 3)
        for name, d in me.items():
            if d.deadline is not None and d.deadline <= now:
                deliver(name, d.tick(now), now)
    assert events == {"a": ["SplitBrainStarted"], "b": ["SplitBrainStarted"]}
    # VRRP is back: b hears a's higher priority and steps down
    deliver("b", b.left_master(4.0, "higher priority 150"), 4.0)
    holds["b"] = False
    while now < 8.0:
        now = round(now + 0.01, 3)
        for name, d in me.items():
            if d.deadline is not None and d.deadline <= now:
                deliver(name, d.tick(now), now)
    assert events["a"] == ["SplitBrainStarted", "SplitBrainHealed"]
    assert events["b"] == ["SplitBrainStarted", "SplitBrainHealed"]
    assert a.episode is None and a.deadline is None
