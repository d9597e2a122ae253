"""SyncGroupLogic: the group's decisions as data (orders to feed, the group's transition)."""

from __future__ import annotations

from vrrpd.protocol.actions import State, StateChanged
from vrrpd.protocol.events import SyncGroupState
from vrrpd.protocol.sync_group import GroupChanged, Order, SyncGroupLogic


def group(*members: str) -> SyncGroupLogic:
    logic = SyncGroupLogic("G1")
    for member in members:
        logic.attach(member)
    return logic


def test_a_member_becoming_master_orders_the_others_and_its_echoes_are_not_its_own_moves():
    logic = group("A", "B", "C")
    decision = logic.member_transition("A", StateChanged(State.BACKUP, State.MASTER, "timeout"), 1)
    reason = "sync group G1: A is MASTER (timeout)"
    assert decision.changed == GroupChanged(State.INIT, State.MASTER, "A is MASTER (timeout)")
    assert decision.orders == (Order("B", SyncGroupState(State.MASTER, reason)),
                               Order("C", SyncGroupState(State.MASTER, reason)))  # fmt: skip
    echo = StateChanged(State.BACKUP, State.MASTER, reason)
    assert logic.member_transition("B", echo, 2).orders == ()  # not fed yet: the echo
    logic.fed("B")
    logic.fed("C")
    lost = StateChanged(State.MASTER, State.BACKUP, "higher priority")
    assert [o.member for o in logic.member_transition("B", lost, 3).orders] == ["A", "C"]
    assert logic.state is State.BACKUP and logic.transitions == 2 and logic.since == 3


def test_faults_order_everyone_and_a_late_member_joins_the_fault():
    logic = group("A", "B")
    decision = logic.fault_changed("A", "interface eth0 is down", 1)
    assert [o.member for o in decision.orders] == ["A", "B"]
    assert {o.event.state for o in decision.orders} == {State.FAULT}
    for member in ("A", "B"):
        logic.fed(member)
    late = logic.attach("C")
    assert late.orders == (Order("C", SyncGroupState(
        State.FAULT, "sync group G1: the group is FAULT: A is FAULT (interface eth0 is down)")),)
    logic.fed("C")
    cleared = logic.fault_changed("A", None, 2)
    assert cleared.changed == GroupChanged(State.FAULT, State.BACKUP, "A: fault cleared")
    assert [o.event.state for o in cleared.orders] == [State.BACKUP] * 3


def test_detaching_an_ordered_member_forgets_its_open_order():
    logic = group("A", "B")
    logic.member_transition("A", StateChanged(State.BACKUP, State.MASTER, "timeout"), 1)
    logic.detach("B", 2)
    logic.attach("B")
    own = StateChanged(State.BACKUP, State.MASTER, "timeout")
    assert logic.member_transition("B", own, 3).orders == (
        Order("A", SyncGroupState(State.MASTER, "sync group G1: B is MASTER (timeout)")),)
