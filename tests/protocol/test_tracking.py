"""Tracker: tracked states combined into effective priority and FAULT, keepalived's maths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vrrpd.config import parse_config
from vrrpd.protocol.events import InterfaceDown, InterfaceUp, PriorityChanged
from vrrpd.protocol.tracking import (
    Decision,
    Tracked,
    Tracker,
    TrackKind,
    events_between,
    tracked_objects,
)

IF, SCRIPT, FILE = TrackKind.INTERFACE, TrackKind.SCRIPT, TrackKind.FILE


def tracker(base: int = 100, *objects: Tracked) -> Tracker:
    return Tracker(base, objects, interface="eth0")


def test_nothing_tracked_is_the_base_priority():
    assert tracker(150).decision() == Decision(150, None)


def test_unweighted_interface_down_is_a_fault_and_up_clears_it():
    t = tracker(100, Tracked(IF, "eth1", 0))
    t.set_interface("eth1", False)
    assert t.decision() == Decision(100, "tracked interface eth1 is down")
    t.set_interface("eth1", True)
    assert t.decision() == Decision(100, None)


def test_negative_interface_weight_subtracts_while_down():
    t = tracker(100, Tracked(IF, "eth2", -10))
    t.set_interface("eth2", True)
    assert t.decision().priority == 100
    t.set_interface("eth2", False)
    assert t.decision() == Decision(90, None)


def test_positive_interface_weight_adds_while_up():
    t = tracker(100, Tracked(IF, "eth2", 10))
    t.set_interface("eth2", True)
    assert t.decision().priority == 110
    t.set_interface("eth2", False)
    assert t.decision().priority == 100


def test_script_weights_follow_its_state():
    t = tracker(100, Tracked(SCRIPT, "minus", -20), Tracked(SCRIPT, "plus", 5))
    assert t.decision().priority == 100  # nothing reported yet: neither counts
    t.set_script("minus", False)
    t.set_script("plus", True)
    assert t.decision().priority == 85
    t.set_script("minus", True)
    t.set_script("plus", False)
    assert t.decision().priority == 100


def test_weight_zero_script_faults_only_once_it_failed():
    t = tracker(100, Tracked(SCRIPT, "chk", 0))
    assert t.decision().fault is None
    t.set_script("chk", False)
    assert t.decision().fault == "tracked script chk is down"
    t.set_script("chk", None)
    assert t.decision().fault is None


@pytest.mark.parametrize(
    ("value", "weight", "decision"),
    [
        (0, 1, Decision(100, None)),
        (5, 1, Decision(105, None)),
        (-3, 2, Decision(94, None)),
        (10, -3, Decision(70, None)),
        (1000, 1, Decision(254, None)),  # one file counts at most 253, then the clamp
        (-253, 1, Decision(1, None)),
        (-254, 1, Decision(100, "tracked file f holds -254: -254 x weight 1 is below -253")),
        (-127, 2, Decision(100, "tracked file f holds -127: -127 x weight 2 is below -253")),
        (0, 0, Decision(100, None)),
        (7, 0, Decision(100, "tracked file f holds 7")),
        (-1, 0, Decision(100, "tracked file f holds -1")),
    ],
)
def test_file_value_times_weight(value, weight, decision):
    t = tracker(100, Tracked(FILE, "f", weight))
    t.set_file("f", value)
    assert t.decision() == decision


def test_effective_priority_is_clamped_to_1_and_254():
    t = tracker(250, Tracked(IF, "a", 10), Tracked(SCRIPT, "s", -253))
    t.set_interface("a", True)
    assert t.decision().priority == 254
    t.set_interface("a", False)
    t.set_script("s", False)
    assert t.decision().priority == 1


def test_owner_stays_255_whatever_the_weights():
    t = tracker(255, Tracked(SCRIPT, "s", -100), Tracked(IF, "eth1", 0))
    t.set_script("s", False)
    t.set_interface("eth1", True)
    assert t.decision() == Decision(255, None)
    t.set_interface("eth1", False)
    assert t.decision() == Decision(255, "tracked interface eth1 is down")


def test_own_interface_fault_comes_first():
    t = tracker(100, Tracked(IF, "eth1", 0))
    t.set_interface("eth1", False)
    t.own_link(False)
    assert t.decision().fault == "interface eth0 is down"
    t.own_link(True)
    assert t.decision().fault == "tracked interface eth1 is down"
    t.own_link(False, removed=True)
    assert t.decision().fault == "interface eth0 was removed"


def test_first_fault_in_config_order_is_the_reason():
    t = tracker(100, Tracked(SCRIPT, "a", 0), Tracked(SCRIPT, "b", 0))
    t.set_script("b", False)
    assert t.decision().fault == "tracked script b is down"
    t.set_script("a", False)
    assert t.decision().fault == "tracked script a is down"


def test_untracked_names_are_ignored():
    t = tracker(100, Tracked(SCRIPT, "a", -5))
    t.set_script("other", False)
    t.set_interface("a", False)  # an interface called like the script: not tracked
    assert t.decision() == Decision(100, None)
    assert t.tracks(SCRIPT, "a") and not t.tracks(IF, "a")


def test_status_lists_every_object_and_its_effect():
    t = tracker(100, Tracked(IF, "eth1", 0), Tracked(SCRIPT, "chk", -20), Tracked(FILE, "f", 2))
    t.set_interface("eth1", True)
    t.set_file("f", 3)
    assert t.status() == [
        {"name": "eth1", "kind": "interface", "state": "up", "weight": 0, "effect": 0,
         "fault": False},
        {"name": "chk", "kind": "script", "state": "unknown", "weight": -20, "effect": 0,
         "fault": False},
        {"name": "f", "kind": "file", "state": "ok", "value": 3, "weight": 2, "effect": 6,
         "fault": False},
    ]  # fmt: skip
    t.set_script("chk", False)
    t.set_interface("eth1", False)
    assert [(e["state"], e["effect"], e["fault"]) for e in t.status()[:2]] == [
        ("down", 0, True),
        ("down", -20, False),
    ]


# -- events_between --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "events"),
    [
        (Decision(100), Decision(100), []),
        (Decision(100), Decision(80), [PriorityChanged(80)]),
        (Decision(100), Decision(100, "x"), [InterfaceDown("x")]),
        (Decision(100), Decision(80, "x"), [InterfaceDown("x"), PriorityChanged(80)]),
        (Decision(80, "x"), Decision(100), [PriorityChanged(100), InterfaceUp()]),
        (Decision(100, "x"), Decision(100), [InterfaceUp()]),
        (Decision(100, "x"), Decision(100, "y"), []),
        (Decision(100, "x"), Decision(90, "y"), [PriorityChanged(90)]),
    ],
)
def test_events_between(old, new, events):
    assert events_between(old, new) == events


# -- weights resolved from the config --------------------------------------------------------


def test_tracked_objects_resolve_weights(tmp_path):
    program = tmp_path / "chk"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    config = parse_config(
        f"""
[scripts.chk]
command = ["{program}"]
weight = -20
[scripts.other]
command = ["{program}"]
[track_files.adj]
file = "/run/vrrpd/adj"
weight = 3
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
track_interface = ["eth1", {{ name = "eth2", weight = -10 }}]
track_script = ["chk", {{ name = "other", weight = -30 }}]
track_file = ["adj", {{ name = "adj2", weight = 0 }}]
[track_files.adj2]
file = "/run/vrrpd/adj2"
""",
        "test.toml",
    )
    assert tracked_objects(config.instances[0], config) == (
        Tracked(IF, "eth1", 0),
        Tracked(IF, "eth2", -10),
        Tracked(SCRIPT, "chk", -20),
        Tracked(SCRIPT, "other", -30),
        Tracked(FILE, "adj", 3),
        Tracked(FILE, "adj2", 0),
    )


# -- properties ------------------------------------------------------------------------------

OBJECTS = st.lists(
    st.builds(
        Tracked,
        st.sampled_from(list(TrackKind)),
        st.sampled_from(["a", "b", "c"]),
        st.integers(-254, 254),
    ),
    max_size=6,
    unique_by=lambda o: (o.kind, o.name),
)


@given(
    base=st.integers(1, 255),
    objects=OBJECTS,
    states=st.lists(st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000)), min_size=6),
)
def test_priority_stays_in_range_and_faults_come_from_weight_zero_or_low_files(
    base, objects, states
):
    t = tracker(base, *objects)
    for obj, state in zip(objects, states, strict=False):
        if obj.kind is FILE:
            t.set_file(obj.name, int(state or 0))
        elif obj.kind is SCRIPT:
            t.set_script(obj.name, None if state is None else bool(state))
        else:
            t.set_interface(obj.name, bool(state))
    decision = t.decision()
    if base == 255:
        assert decision.priority == 255
    else:
        assert 1 <= decision.priority <= 254
    if decision.fault is not None:
        assert any(f"{o.kind.value} {o.name}" in decision.fault for o in objects)


# -- reverse (keepalived's `weight W reverse`) -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "weight", "up", "priority"),
    [
        (IF, 10, True, 90),  # positive weight reversed: subtracted while up
        (IF, 10, False, 100),
        (IF, -10, False, 110),  # negative weight reversed: added while down
        (IF, -10, True, 100),
        (SCRIPT, 15, True, 85),
        (SCRIPT, 15, False, 100),
        (SCRIPT, -15, False, 115),
        (SCRIPT, -15, True, 100),
    ],
)
def test_reversed_weight_counts_in_the_same_state_with_the_other_sign(kind, weight, up, priority):
    t = tracker(100, Tracked(kind, "x", weight, reverse=True))
    t.set_interface("x", up) if kind is IF else t.set_script("x", up)
    assert t.decision() == Decision(priority, None)


def test_reversed_weight_zero_interface_is_a_fault_while_up():
    t = tracker(100, Tracked(IF, "eth9", 0, reverse=True))
    t.set_interface("eth9", False)
    assert t.decision() == Decision(100, None)
    t.set_interface("eth9", True)
    assert t.decision() == Decision(100, "tracked interface eth9 is up (reversed)")
    t.set_interface("eth9", False)
    assert t.decision() == Decision(100, None)


def test_reversed_weight_zero_script_faults_only_once_it_passed():
    t = tracker(100, Tracked(SCRIPT, "standby_ok", 0, reverse=True))
    assert t.decision() == Decision(100, None)  # not reported yet: counts for nothing
    t.set_script("standby_ok", True)
    assert t.decision() == Decision(100, "tracked script standby_ok is up (reversed)")
    t.set_script("standby_ok", False)
    assert t.decision() == Decision(100, None)


def test_reversed_script_playbook_events():
    """A master whose reversed check starts passing loses priority, then gets it back."""
    t = tracker(100, Tracked(SCRIPT, "peer_alive", 30, reverse=True))
    before = t.decision()
    t.set_script("peer_alive", True)
    after = t.decision()
    assert events_between(before, after) == [PriorityChanged(70)]
    t.set_script("peer_alive", False)
    assert events_between(after, t.decision()) == [PriorityChanged(100)]


def test_status_marks_reversed_objects():
    t = tracker(100, Tracked(IF, "eth1", 20, reverse=True), Tracked(IF, "eth2", 5))
    t.set_interface("eth1", True)
    t.set_interface("eth2", True)
    eth1, eth2 = t.status()
    assert eth1 == {"name": "eth1", "kind": "interface", "state": "up", "weight": 20,
                    "effect": -20, "fault": False, "reverse": True}
    assert "reverse" not in eth2


def test_tracked_objects_resolve_reverse(tmp_path):
    program = tmp_path / "chk"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    config = parse_config(
        f"""
[scripts.rev]
command = ["{program}"]
weight = -20
reverse = true
[scripts.plain]
command = ["{program}"]
weight = 5
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
track_interface = [{{ name = "eth1", weight = -10, reverse = true }}, "eth2"]
track_script = ["rev", {{ name = "plain", reverse = true }},
                {{ name = "x", weight = 3, reverse = false }}]
[scripts.x]
command = ["{program}"]
reverse = true
""",
        "test.toml",
    )
    assert tracked_objects(config.instances[0], config) == (
        Tracked(IF, "eth1", -10, reverse=True),
        Tracked(IF, "eth2", 0),
        Tracked(SCRIPT, "rev", -20, reverse=True),  # the script's own reverse
        Tracked(SCRIPT, "plain", 5, reverse=True),  # the reference's
        Tracked(SCRIPT, "x", 3, reverse=False),  # the reference overrides the script
    )


def test_track_own_false_ignores_a_down_own_interface_but_not_a_removed_one():
    t = Tracker(100, (), interface="eth0", track_own=False)
    t.own_link(False)
    assert t.decision() == Decision(100, None)
    t.own_link(False, removed=True)
    assert t.decision() == Decision(100, "interface eth0 was removed")


PROC = TrackKind.PROCESS


def test_process_weights_follow_the_quorum_like_a_script():
    t = tracker(100, Tracked(PROC, "ha", 0), Tracked(PROC, "web", 20), Tracked(PROC, "db", -30))
    assert t.decision() == Decision(100, None)  # not scanned yet: counts for nothing
    t.set_process("ha", False)
    t.set_process("web", True)
    t.set_process("db", False)
    assert t.decision() == Decision(90, "tracked process ha is down")
    t.set_process("ha", True)
    t.set_process("db", True)
    assert t.decision() == Decision(120, None)


def test_reverse_negates_a_process_weight_and_weight_0_reverse_faults_while_up():
    t = tracker(100, Tracked(PROC, "up", 20, reverse=True), Tracked(PROC, "down", -30, True))
    t.set_process("up", True)
    t.set_process("down", False)
    assert t.decision() == Decision(110, None)  # -20 while held, +30 while not
    guard = tracker(100, Tracked(PROC, "rogue", 0, reverse=True))
    guard.set_process("rogue", True)
    assert guard.decision() == Decision(100, "tracked process rogue is up (reversed)")
    guard.set_process("rogue", False)
    assert guard.decision() == Decision(100, None)
    assert guard.status()[0]["reverse"] is True


def test_tracked_objects_resolve_process_weights_and_reverse():
    cfg = parse_config(
        '[track_processes.ha]\nprocess = ["haproxy"]\nweight = 7\nreverse = true\n'
        '[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\n'
        'virtual_ipaddress = ["192.0.2.100/24"]\ntrack_process = ["ha"]\n',
        "t.toml",
    )
    assert tracked_objects(cfg.instances[0], cfg) == (Tracked(PROC, "ha", 7, True),)
