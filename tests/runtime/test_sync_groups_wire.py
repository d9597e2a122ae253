"""Two nodes, each with a sync group of two instances (VRIDs 51 and 52), pure Routers on the
fake wire of tests.protocol.simulation: the groups move together and never thrash, even when
tracking gives one member a priority the other node's member outranks."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from tests.protocol.simulation import Simulation, instance
from vrrpd.config.model import SyncGroupConfig
from vrrpd.protocol.actions import StateChanged
from vrrpd.protocol.events import InterfaceDown, InterfaceUp, PriorityChanged
from vrrpd.runtime.sync_groups import SyncGroups

GROUP = SyncGroupConfig(name="G1", instances=("A", "B"))
VIPS = {"A": IPv4Address("192.0.2.100"), "B": IPv4Address("192.0.2.101")}
VRIDS = {"A": 51, "B": 52}


class Jobs:
    def __call__(self, name, counters):
        return self

    def submit(self, job) -> None:
        pass


class GroupedSimulation(Simulation):
    """Simulation whose nodes are `n1/A`-style members of one SyncGroups per box."""

    def __init__(self) -> None:
        super().__init__(latency=0.001)
        self.groups = {box: SyncGroups([GROUP], make_hooks=Jobs()) for box in ("n1", "n2")}
        self.members: dict[str, SimMember] = {}

    def _run(self, node, action) -> None:
        super()._run(node, action)
        if isinstance(action, StateChanged):
            member = self.members[node.params.name]
            self.groups[member.box].member_transition(member, action)


class SimMember:
    def __init__(self, sim: GroupedSimulation, box: str, name: str) -> None:
        self.sim, self.box, self.name = sim, box, name

    def feed(self, event) -> None:
        self.sim._feed(self.sim.nodes[f"{self.box}/{self.name}"], event)


def build(priorities: dict[str, int]) -> GroupedSimulation:
    sim = GroupedSimulation()
    for box, priority in priorities.items():
        address = IPv4Address("192.0.2.11" if box == "n1" else "192.0.2.12")
        for name in ("A", "B"):
            sim.add(
                instance(
                    name=f"{box}/{name}",
                    vrid=VRIDS[name],
                    priority=priority,
                    advert_int=0.1,
                    addresses=(VIPS[name],),
                    primary_ip=address,
                )
            )
            member = sim.members[f"{box}/{name}"] = SimMember(sim, box, name)
            sim.groups[box].attach(member)
    return sim


def start(sim: GroupedSimulation, box: str) -> None:
    for name in ("A", "B"):
        sim.start(f"{box}/{name}")


def settle(sim: GroupedSimulation, seconds: float = 5.0) -> None:
    """Run, then require a further quiet stretch: no transition for 3 s."""
    sim.run_for(seconds)
    mark = sim.now
    sim.run_for(3.0)
    assert sim.transitions_since(mark) == [], sim.transitions_since(mark)


def own_fault(sim: GroupedSimulation, member: str, reason: str | None) -> None:
    box, name = member.split("/")
    sim.members[member].feed(InterfaceDown(reason) if reason else InterfaceUp())
    sim.groups[box].fault_changed(name, reason)


@pytest.fixture
def pair() -> GroupedSimulation:
    sim = build({"n1": 150, "n2": 100})
    start(sim, "n1")
    sim.run_for(0.2)
    start(sim, "n2")
    settle(sim)
    assert sim.masters() == ["n1/A", "n1/B"]
    return sim


def test_one_members_fault_moves_the_whole_group(pair):
    sim = pair
    own_fault(sim, "n1/B", "tracked interface trk0 is down")
    settle(sim, 1.0)
    assert sim.masters() == ["n2/A", "n2/B"]
    assert sim.routers()["n1/A"].state.value == "FAULT"
    own_fault(sim, "n1/B", None)
    settle(sim, 2.0)
    assert sim.masters() == ["n1/A", "n1/B"]


def test_a_tracked_priority_drop_on_one_member_moves_the_group_without_thrashing(pair):
    sim = pair
    sim.members["n1/A"].feed(PriorityChanged(90))  # below n2's 100: n2/A preempts
    settle(sim, 2.0)
    assert sim.masters() == ["n2/A", "n2/B"]
    assert sim.routers()["n1/B"].sync_group_hold  # would preempt n2/B (150 > 100), held
    sim.members["n1/A"].feed(PriorityChanged(150))
    settle(sim, 2.0)
    assert sim.masters() == ["n1/A", "n1/B"]


def test_the_surviving_node_takes_the_whole_group_when_the_master_node_crashes(pair):
    sim = pair
    sim.members["n1/A"].feed(PriorityChanged(90))
    settle(sim, 2.0)
    sim.crash("n2/A")
    sim.crash("n2/B")
    settle(sim, 2.0)
    assert sim.masters() == ["n1/A", "n1/B"]


def test_a_later_node_with_higher_priority_takes_the_group_over():
    sim = build({"n1": 100, "n2": 150})
    start(sim, "n1")
    settle(sim, 1.0)
    assert sim.masters() == ["n1/A", "n1/B"]
    start(sim, "n2")
    settle(sim, 2.0)
    assert sim.masters() == ["n2/A", "n2/B"]
