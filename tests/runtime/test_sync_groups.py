"""SyncGroups: one state for the members, pulls that never feed back, own faults, hooks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.protocol.simulation import heard, instance
from tests.runtime.fakes import FakeInstance, instance_config
from vrrpd.config.model import SyncGroupConfig
from vrrpd.protocol.actions import SendAdvert, State, StateChanged
from vrrpd.protocol.events import InterfaceDown, InterfaceUp, Startup, Timer, TimerFired
from vrrpd.runtime.sync_groups import SyncGroups, group_job

G1 = SyncGroupConfig(name="G1", instances=("VI_1", "VI_2", "VI_3"))


class Member(FakeInstance):
    """A pure Router driven like InstanceRunner drives it: transitions go to the groups
    after each batch, at the members' shared clock."""

    def __init__(self, name: str, groups: SyncGroups, clock: list[float], **overrides) -> None:
        super().__init__(instance_config(name=name), params=instance(name=name, **overrides),
                         on_transition=groups.member_transition, clock=clock)
        self.groups = groups

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        return [(c.old.value, c.new.value, c.reason) for c in self.transitions()]

    @property
    def adverts(self) -> list[int]:
        return [a.priority for a in self.actions if isinstance(a, SendAdvert)]

    def fault(self, reason: str | None) -> None:
        """What vrrpd.runtime.tracking does: feed the Router, then tell the groups."""
        self.feed(InterfaceDown(reason) if reason else InterfaceUp())
        self.groups.fault_changed(self.name, reason)

    def master_down(self) -> None:
        self.clock[0] = self.router.timers[Timer.MASTER_DOWN]
        self.feed(TimerFired(Timer.MASTER_DOWN))

    @property
    def state(self) -> str:
        return self.router.state.value


class Jobs:
    """make_hooks stand-in: records every submitted job."""

    def __init__(self) -> None:
        self.jobs = []

    def __call__(self, name, counters):
        self.name = name
        return self

    def submit(self, job) -> None:
        self.jobs.append(job)

    async def close(self, grace: float = 0.0) -> None:
        self.closed = grace


@pytest.fixture
def world():
    jobs = Jobs()
    clock = [10.0]
    groups = SyncGroups([G1], make_hooks=jobs, clock=lambda: 1000.0)
    members = [Member(f"VI_{n}", groups, clock) for n in (1, 2, 3)]
    for member in members:
        groups.attach(member)
        member.feed(Startup())
    return groups, members, jobs


def group_state(groups: SyncGroups) -> str:
    return groups.status()[0]["state"]


def test_startup_makes_the_group_backup_without_pulls(world):
    groups, members, jobs = world
    assert group_state(groups) == "BACKUP"
    assert [m.changes for m in members] == [[("INIT", "BACKUP", "startup")]] * 3
    assert not any(m.router.sync_group_hold for m in members)
    assert [job.args for job in jobs.jobs] == []  # no hooks configured


def test_one_member_becoming_master_pulls_the_others_once(world):
    groups, (a, b, c), _ = world
    a.master_down()
    assert (a.state, b.state, c.state) == ("MASTER", "MASTER", "MASTER")
    reason = "sync group G1: VI_1 is MASTER (master down timer)"
    assert b.changes[-1] == ("BACKUP", "MASTER", reason)
    assert len(b.changes) == len(c.changes) == 2  # no echo back and forth
    assert len(a.changes) == 2
    assert group_state(groups) == "MASTER"


def test_a_member_losing_mastership_pulls_the_others_to_a_held_backup(world):
    groups, (a, b, c), _ = world
    a.master_down()
    a.feed(heard("192.0.2.11", 200))
    assert (a.state, b.state, c.state) == ("BACKUP", "BACKUP", "BACKUP")
    assert not a.router.sync_group_hold
    assert b.router.sync_group_hold and c.router.sync_group_hold
    b.master_down()  # held: re-armed, no takeover
    assert b.state == "BACKUP"
    assert group_state(groups) == "BACKUP"
    a.master_down()  # the member that gave up may take over again, and brings the rest
    assert (a.state, b.state, c.state) == ("MASTER", "MASTER", "MASTER")
    assert not b.router.sync_group_hold


def test_an_own_fault_faults_the_group_and_its_end_restarts_everyone(world):
    groups, (a, b, c), _ = world
    a.master_down()
    b.fault("tracked interface eth1 is down")
    assert (a.state, b.state, c.state) == ("FAULT", "FAULT", "FAULT")
    assert a.adverts[-1] == 0  # the master resigned
    assert a.changes[-1][2] == "sync group G1: VI_2 is FAULT (tracked interface eth1 is down)"
    assert group_state(groups) == "FAULT"
    assert groups.status()[0]["faulted"] == {"VI_2": "tracked interface eth1 is down"}
    b.fault(None)
    assert (a.state, b.state, c.state) == ("BACKUP", "BACKUP", "BACKUP")
    assert b.changes[-1] == ("FAULT", "BACKUP", "sync group G1: VI_2: fault cleared")
    assert not any(m.router.sync_group_hold for m in (a, b, c))
    c.master_down()
    assert (a.state, b.state, c.state) == ("MASTER", "MASTER", "MASTER")


def test_the_group_stays_faulted_until_the_last_own_fault_clears(world):
    groups, (a, b, c), _ = world
    a.fault("x down")
    b.fault("y down")
    changes_before = [len(m.changes) for m in (a, b, c)]
    a.fault(None)
    assert (a.state, b.state, c.state) == ("FAULT", "FAULT", "FAULT")
    assert [len(m.changes) for m in (a, b, c)] == changes_before  # nobody flapped
    b.fault(None)
    assert (a.state, b.state, c.state) == ("BACKUP", "BACKUP", "BACKUP")


def test_a_member_attached_while_the_group_is_faulted_starts_in_fault():
    clock = [10.0]
    groups = SyncGroups([G1], make_hooks=Jobs())
    a, b = Member("VI_1", groups, clock), Member("VI_2", groups, clock)
    groups.attach(a)
    a.fault("link down")
    groups.attach(b)
    b.feed(Startup())
    assert b.state == "FAULT"
    assert b.changes[-1][2] == ("sync group G1: the group is FAULT: VI_1 is FAULT (link down)")
    a.fault(None)
    assert (a.state, b.state) == ("BACKUP", "BACKUP")


def test_detaching_the_faulted_member_clears_the_group(world):
    groups, (a, b, c), _ = world
    a.fault("link down")
    groups.detach(a)
    assert (b.state, c.state) == ("BACKUP", "BACKUP")
    assert group_state(groups) == "BACKUP"
    # no longer a member: what it reports is not the group's business
    groups.member_transition(a, StateChanged(State.FAULT, State.MASTER, "gone"))
    groups.fault_changed("VI_1", "down again")
    assert (b.state, c.state) == ("BACKUP", "BACKUP")


def test_non_members_and_other_runners_are_ignored(world):
    groups, (a, b, c), _ = world
    stranger = Member("VI_9", groups, a.clock)
    groups.attach(stranger)
    stranger.feed(Startup())
    stranger.master_down()
    groups.fault_changed("VI_9", "down")
    impostor = Member("VI_1", groups, a.clock)  # same name, not the attached runner
    impostor.feed(Startup())
    impostor.master_down()
    groups.detach(impostor)
    assert (a.state, b.state, c.state) == ("BACKUP", "BACKUP", "BACKUP")
    assert groups.group_of("VI_9") is None


def test_group_hooks_run_once_per_group_transition(tmp_path):
    jobs = Jobs()
    clock = [10.0]
    cfg = SyncGroupConfig(name="G1", instances=("VI_1", "VI_2"), notify=("/bin/echo", "x"),
                          notify_master=("/bin/true",), notify_timeout=3.0)  # fmt: skip
    groups = SyncGroups([cfg], make_hooks=jobs)
    a, b = Member("VI_1", groups, clock), Member("VI_2", groups, clock)
    for member in (a, b):
        groups.attach(member)
        member.feed(Startup())
    a.master_down()
    b.fault("down")
    assert jobs.name == "sync-group-G1"
    assert [job.args for job in jobs.jobs] == [
        ("G1", "BACKUP", "INIT"),
        ("G1", "MASTER", "BACKUP"),
        ("G1", "FAULT", "MASTER"),
    ]
    master_job = jobs.jobs[1]
    assert [c.argv for c in master_job.commands] == [("/bin/true",), ("/bin/echo", "x")]
    assert [c.key for c in master_job.commands] == [
        "sync_groups.G1.notify_master",
        "sync_groups.G1.notify",
    ]
    assert master_job.env["VRRPD_GROUP"] == "G1"
    assert master_job.env["VRRPD_REASON"] == "VI_1 is MASTER (master down timer)"
    asyncio.run(groups.close(1.0))
    assert jobs.closed == 1.0


def test_group_job_without_hooks_is_empty():
    job = group_job(G1, new="MASTER", old="BACKUP", reason="r")
    assert job.commands == () and job.empty


def test_group_transitions_write_keepalived_group_lines_to_the_fifo():
    # keepalived writes `GROUP "G1" MASTER 0` next to the members' INSTANCE lines; a FIFO
    # reader written for keepalived sees the same lines from vrrpd, also without group hooks
    jobs = Jobs()
    clock = [10.0]
    groups = SyncGroups([G1], make_hooks=jobs, fifo="/run/vrrpd.fifo")
    members = [Member(f"VI_{n}", groups, clock) for n in (1, 2, 3)]
    for member in members:
        groups.attach(member)
        member.feed(Startup())
    members[0].master_down()
    members[1].fault("down")
    assert [job.fifo_lines for job in jobs.jobs] == [
        (("/run/vrrpd.fifo", 'GROUP "G1" BACKUP 0\n'),),
        (("/run/vrrpd.fifo", 'GROUP "G1" MASTER 0\n'),),
        (("/run/vrrpd.fifo", 'GROUP "G1" FAULT 0\n'),),
    ]
    assert all(job.commands == () for job in jobs.jobs)
    groups.reconfigure([G1], None)  # the FIFO removed from the config by a reload
    assert group_job(G1, new="MASTER", old="BACKUP", reason="r", fifo=groups.fifo).empty


def test_group_hooks_really_run(tmp_path: Path):
    out = tmp_path / "out"
    hook = tmp_path / "hook.sh"
    hook.write_text(f'#!/bin/sh\necho "$@ $VRRPD_STATE" >> {out}\n')
    hook.chmod(0o755)
    cfg = SyncGroupConfig(name="G1", instances=("VI_1", "VI_2"), notify=(str(hook), "arg"))

    async def scenario():
        groups = SyncGroups([cfg])
        clock = [10.0]
        a, b = Member("VI_1", groups, clock), Member("VI_2", groups, clock)
        for member in (a, b):
            groups.attach(member)
            member.feed(Startup())
        a.master_down()
        await groups.close(5.0)
        return groups.status()[0]["counters"]

    counters = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert out.read_text().splitlines() == [
        "arg G1 BACKUP INIT BACKUP",
        "arg G1 MASTER BACKUP MASTER",
    ]
    assert counters == {"hooks_run": 2, "hooks_failed": 0, "hooks_timed_out": 0,
                        "hooks_dropped": 0}  # fmt: skip


def test_status(world):
    groups, (a, _, _), _ = world
    a.master_down()
    (entry,) = groups.status()
    assert entry["name"] == "G1"
    assert entry["state"] == "MASTER"
    assert entry["members"] == ["VI_1", "VI_2", "VI_3"]
    assert entry["transitions"] == 2
    assert entry["since"] == 1000.0
    assert entry["last_reason"] == "VI_1 is MASTER (master down timer)"


def test_moved_names_instances_whose_group_changed():
    groups = SyncGroups([G1, SyncGroupConfig(name="G2", instances=("VI_7", "VI_8"))])
    same = SyncGroupConfig(name="G1", instances=G1.instances, notify=("/bin/true",))
    assert groups.moved([same, SyncGroupConfig(name="G2", instances=("VI_7", "VI_8"))]) == set()
    assert groups.moved([same]) == {"VI_7", "VI_8"}
    shrunk = SyncGroupConfig(name="G1", instances=("VI_1", "VI_2"))
    assert groups.moved([shrunk]) == {"VI_1", "VI_2", "VI_3", "VI_7", "VI_8"}
    renamed = SyncGroupConfig(name="G9", instances=("VI_7", "VI_8"))
    assert groups.moved([G1, renamed]) == {"VI_7", "VI_8"}


def test_reconfigure_keeps_an_unchanged_group_and_its_state(world):
    groups, (a, b, _), _ = world
    a.master_down()
    same = SyncGroupConfig(name="G1", instances=G1.instances, notify_timeout=2.0)
    groups.reconfigure([same])
    assert group_state(groups) == "MASTER"
    a.feed(heard("192.0.2.11", 200))
    assert b.state == "BACKUP"  # still pulled: members kept
    groups.reconfigure([SyncGroupConfig(name="G1", instances=("VI_1", "VI_2"))])
    assert group_state(groups) == "INIT"
    assert groups.status()[0]["members"] == ["VI_1", "VI_2"]


def test_a_clean_stop_runs_each_started_groups_stop_hooks_once():
    jobs = Jobs()
    clock = [10.0]
    cfg = SyncGroupConfig(name="G1", instances=("VI_1", "VI_2"), notify=("/bin/echo",),
                          notify_stop=("/bin/true",), notify_convention="keepalived")
    idle = SyncGroupConfig(name="G2", instances=("VI_3", "VI_4"), notify_stop=("/bin/true",))
    groups = SyncGroups([cfg, idle], make_hooks=jobs, fifo="/run/f")
    a, b = Member("VI_1", groups, clock), Member("VI_2", groups, clock)
    for member in (a, b):
        groups.attach(member)
        member.feed(Startup())
    a.master_down()
    jobs.jobs.clear()
    groups.stopped()
    (job,) = jobs.jobs  # G2 never got a state: nothing to stop
    assert [c.argv for c in job.commands] == [
        ("/bin/true",), ("/bin/echo", "GROUP", "G1", "STOP", "0")]
    assert [c.key for c in job.commands] == ["sync_groups.G1.notify_stop", "sync_groups.G1.notify"]
    assert job.args == ("G1", "STOP", "MASTER") and job.env["VRRPD_STATE"] == "STOP"
    assert job.fifo_lines == (("/run/f", 'GROUP "G1" STOP 0\n'),)


def test_a_group_without_stop_hooks_or_fifo_submits_nothing_at_stop(world):
    groups, members, jobs = world
    members[0].master_down()
    count = len(jobs.jobs)
    groups.stopped()
    assert len(jobs.jobs) == count
