"""`vrrpd explain`'s words, from hand-built facts (no daemon, no clock)."""

from __future__ import annotations

import json
from dataclasses import replace

from vrrpd.protocol.explain import Facts, Peer, SplitBrain, Tracked, VipClaim, explain, rule

BASE = Facts(
    name="VI_1", state="BACKUP", interface="eth0", base_priority=100, priority=100,
    preempt=True, preempt_delay=0.0, primary_ip="192.0.2.12", advert_int=1.0,
    master_advert_int=1.0, master_down_interval=3.61, since_age=5.0, since=1_700_000_000.0,
    vips=("192.0.2.100/24",), claims=(),
)


def backup_following(priority: int, **over) -> Facts:
    fields = {"timers": {"master_down": 3.2},
              "peers": (Peer("192.0.2.11", priority, 1.0, 0.4, adverts=7),)} | over
    return replace(BASE, master_ip="192.0.2.11", master_priority=priority, **fields)


def test_backup_behind_a_higher_master():
    assert rule(backup_following(150)) == (
        "BACKUP: master 192.0.2.11 priority 150 > our 100; preempt on but lower"
        " (master down in 3.2 s without its adverts)")
    assert "preempt off" in rule(backup_following(150, preempt=False))


def test_backup_equal_and_lower_masters():
    assert "= our 100; equal never preempts" in rule(backup_following(100))
    assert "< our 100, but preempt is off" in rule(backup_following(50, preempt=False))


def test_preempt_delay_pending_says_when():
    facts = backup_following(50, preempt_delay=5.0, timers={"preempt": 2.25, "master_down": 3})
    assert rule(facts).startswith(
        "BACKUP: master 192.0.2.11 priority 50 < our 100; preempt_delay 5 s pending, "
        "taking over in 2.25 s")


def test_preempt_without_delay_waits_skew_time_and_says_when():
    facts = backup_following(50, timers={"preempt": 0.4, "master_down": 3})
    assert rule(facts).startswith(
        "BACKUP: master 192.0.2.11 priority 50 < our 100; preempting after Skew_Time, "
        "taking over in 0.4 s")


def test_an_owner_with_preempt_off_is_not_said_to_stay_backup():
    owner = replace(backup_following(50, preempt=False, timers={"preempt": 0.01}),
                    base_priority=255, priority=255)
    assert "preempt is off" not in rule(owner)
    assert "taking over in 0.01 s" in rule(owner)


def test_backup_without_master_counts_down():
    facts = replace(BASE, timers={"master_down": 1.5})
    assert rule(facts) == ("BACKUP: no master heard; taking over in 1.5 s unless an advert "
                           "arrives (Master_Down_Interval 3.61 s)")


def test_holds_win_over_the_master_comparison():
    assert "start-up hold for another 4 s" in rule(replace(BASE, startup_hold_left=4.0))
    held = backup_following(50, sync_group_hold=True, sync_group="G1")
    assert rule(held).startswith("BACKUP: held by sync group G1")


def test_master_alone_and_owner():
    facts = replace(BASE, state="MASTER", since_age=0.36, last_reason="master down timer",
                    master_ip="192.0.2.12")
    assert rule(facts) == ("MASTER: no advert from a better router for 0.36 s "
                           "(took over on: master down timer)")
    owner = replace(facts, base_priority=255, priority=255)
    assert rule(owner) == "MASTER: address owner (priority 255)"
    went_quiet = replace(facts, since_age=0.5, peers=(Peer("192.0.2.13", 200, 1.0, 4.0),))
    assert rule(went_quiet).startswith("MASTER: no advert from a better router for 4 s")


def test_master_hearing_a_lower_master_says_also_master():
    facts = replace(BASE, state="MASTER", priority=150, base_priority=150,
                    peers=(Peer("192.0.2.11", 100, 1.0, 0.5),))
    assert "also MASTER: 192.0.2.11 (heard, priority 100 < our 150)" in rule(facts)
    # a stale peer (heard long ago) is no second master
    stale = replace(facts, peers=(Peer("192.0.2.11", 100, 1.0, 30.0),))
    assert "also MASTER" not in rule(stale)


def test_two_masters_in_a_split_brain():
    sb = SplitBrain(other_ip="192.0.2.11", other_mac="02:00:00:00:00:11",
                    cause="...", since=1_700_000_100.0)
    heard = replace(BASE, state="MASTER", split_brain=sb,
                    peers=(Peer("192.0.2.11", 90, 1.0, 0.5),))
    text = rule(heard)
    assert "also MASTER: 192.0.2.11 (heard), likely cause: our adverts don't reach it" in text
    assert "split brain since " in text
    alone = replace(heard, peers=())
    assert "(claims our VIP by ARP/NA), likely cause: we don't hear its adverts" in rule(alone)
    mac_only = replace(sb, other_ip=None)
    silent = replace(heard, split_brain=mac_only, peers=(Peer("192.0.2.11", 90, 1.0, 12.0),))
    assert rule(silent).split("; ", 1)[1].startswith(
        "also MASTER: 02:00:00:00:00:11 (claims our VIP by ARP/NA; probably 192.0.2.11, "
        "whose adverts stopped 12 s ago), likely cause: ")


def test_fault_names_what_failed():
    eth1 = Tracked("eth1", "interface", "down", 0, 0, True)
    facts = replace(BASE, state="FAULT", fault_sources=("interface",), tracked=(eth1,))
    assert rule(facts) == "FAULT: eth1 down (tracked interface, weight 0)"
    own = replace(BASE, state="FAULT", fault_sources=("interface",))
    assert rule(own) == "FAULT: eth0 down (the instance's own interface)"
    group = replace(BASE, state="FAULT", fault_sources=("sync group",), sync_group="G1")
    assert rule(group) == "FAULT: sync group G1 is in FAULT (another member failed)"


def test_priority_breakdown():
    chk = Tracked("chk_http", "script", "down", -30, -30, False)
    up = Tracked("eth1", "interface", "up", 10, 10, False)
    facts = replace(BASE, priority=80, tracked=(chk, up))
    assert explain(facts)["priority"]["text"] == "80 = base 100 - 30 (chk_http down) + 10 (eth1 up)"
    clamped = replace(BASE, base_priority=20, priority=1, tracked=(chk,))
    assert "(clamped to 1..254 from -10)" in explain(clamped)["priority"]["text"]
    owner = replace(BASE, base_priority=255, priority=255)
    assert explain(owner)["priority"]["owner"] is True


def test_peers_claims_and_json():
    peer = Peer("192.0.2.11", 150, 1.0, 0.4, adverts=3, dropped={"bad_ttl": 2, "auth": 1})
    claim = VipClaim("192.0.2.100", "02:00:00:00:00:11", "192.0.2.11", "garp", 1.25)
    out = explain(backup_following(150, peers=(peer,), claims=(claim,)))
    assert out["peers"][0]["text"] == ("192.0.2.11: priority 150, interval 1 s, last advert "
                                       "0.4 s ago; dropped 3 (auth 1, bad_ttl 2)")
    assert out["vip_holders"] == [
        "192.0.2.100: claimed by 02:00:00:00:00:11 (192.0.2.11) via garp, 1.25 s ago"]
    assert json.loads(json.dumps(out)) == out  # plain JSON all the way
    unwatched = explain(replace(BASE, claims=None))
    assert unwatched["vip_claims"] is None and "not watched" in unwatched["vip_holders"][0]


def test_only_dropped_peer():
    out = explain(replace(BASE, peers=(Peer("192.0.2.66", None, None, None,
                                            dropped={"unknown_peer": 4}),)))
    assert out["peers"][0]["text"] == "192.0.2.66: no advert accepted; dropped 4 (unknown_peer 4)"
