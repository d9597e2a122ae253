"""TrackMonitor: link events, shared script runners and tracked files in, each instance's
PriorityChanged / InterfaceDown / InterfaceUp out. Real tiny scripts, fake netlink, pure
Routers in fake runners; no root needed."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.runtime import fakes
from tests.runtime.fakes import FakeInstance, FakeNetlink, until
from vrrpd.config import parse_config
from vrrpd.io.netlink import LinkChanged, LinkRemoved
from vrrpd.protocol.events import InterfaceDown, InterfaceUp, PriorityChanged, Startup
from vrrpd.runtime.tracking import TrackMonitor

SLEEP_CODE = "import time; time.sleep(60)"
SLEEPER = [sys.executable, "-c", SLEEP_CODE]  # + a unique tag: argv[3]

pytestmark = pytest.mark.timeout(60)


def script(tmp_path: Path, name: str, rc_file: Path) -> str:
    rc_file.write_text("0")
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\nexit $(cat {rc_file})\n")
    path.chmod(0o755)
    return str(path)


def config(text: str):
    base = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
"""
    return parse_config(base + text if "[instances.VI_1]" not in text else text, "test.toml")


def run(coro, timeout: float = 30.0):
    return fakes.run(coro, timeout)


def test_own_link_down_at_attach_faults_before_startup():
    cfg = config("")
    faults: list = []

    async def scenario():
        monitor = TrackMonitor(cfg, on_fault=lambda *a: faults.append(a))
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({}), own_up=False)
        runner.feed(Startup())
        monitor.link_event(LinkChanged(2, "eth0", True))
        await monitor.close()
        return runner

    runner = run(scenario())
    assert runner.events == [InterfaceDown("interface eth0 is down"), Startup(), InterfaceUp()]
    assert runner.router.state.value == "BACKUP"
    assert faults == [("VI_1", "interface eth0 is down"), ("VI_1", None)]


def test_missing_tracked_interface_counts_down_until_it_appears():
    cfg = config('track_interface = ["trk0"]\n')

    async def scenario():
        monitor = TrackMonitor(cfg)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({}), own_up=True)
        before = list(runner.events)
        status = monitor.status_of("VI_1")
        monitor.link_event(LinkChanged(9, "trk0", True))
        monitor.link_event(LinkChanged(9, "trk0", True))  # repeated RTM_NEWLINK: nothing new
        monitor.link_event(LinkRemoved(9, "trk0"))
        await monitor.close()
        return runner, before, status

    runner, before, status = run(scenario())
    assert before == [InterfaceDown("tracked interface trk0 is down")]
    assert status[0]["state"] == "down" and status[0]["fault"]
    assert runner.events[1:] == [InterfaceUp(), InterfaceDown("tracked interface trk0 is down")]


def test_weighted_interfaces_move_the_priority():
    cfg = config(
        'priority = 150\ntrack_interface = [{ name = "a", weight = -50 }, '
        '{ name = "b", weight = 10 }]\n'
    )

    async def scenario():
        monitor = TrackMonitor(cfg)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({"a": True, "b": True}), own_up=True)
        monitor.link_event(LinkChanged(5, "a", False))
        monitor.link_event(LinkChanged(6, "b", False))
        await monitor.close()
        return runner

    runner = run(scenario())
    assert runner.events == [PriorityChanged(160), PriorityChanged(110), PriorityChanged(100)]


def test_link_up_does_not_end_a_fault_a_tracked_interface_still_holds():
    cfg = config('track_interface = ["trk0"]\n')

    async def scenario():
        monitor = TrackMonitor(cfg)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({"trk0": True}), own_up=True)
        monitor.link_event(LinkChanged(2, "eth0", False))
        monitor.link_event(LinkChanged(7, "trk0", False))
        monitor.link_event(LinkChanged(2, "eth0", True))
        still = list(runner.events)
        monitor.link_event(LinkChanged(7, "trk0", True))
        await monitor.close()
        return runner, still

    runner, still = run(scenario())
    assert still == [InterfaceDown("interface eth0 is down")]
    assert runner.events[-1] == InterfaceUp()


def test_a_removed_own_interface_stays_faulted():
    cfg = config("")

    async def scenario():
        monitor = TrackMonitor(cfg)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({}), own_up=True)
        monitor.link_event(LinkRemoved(2, "eth0"))
        monitor.link_event(LinkChanged(2, "eth0", True))
        await monitor.close()
        return runner

    assert run(scenario()).events == [InterfaceDown("interface eth0 was removed")]


def test_one_runner_per_script_feeds_every_instance_that_tracks_it(tmp_path):
    rc = tmp_path / "rc"
    program = script(tmp_path, "chk.sh", rc)
    cfg = parse_config(
        f"""
[scripts.chk]
command = ["{program}"]
interval = 0.1
weight = -30
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 150
virtual_ipaddress = ["192.0.2.100/24"]
track_script = ["chk"]
[instances.VI_2]
interface = "eth0"
virtual_router_id = 52
priority = 120
virtual_ipaddress = ["192.0.2.101/24"]
track_script = [{{ name = "chk", weight = 0 }}]
""",
        "test.toml",
    )

    async def scenario():
        monitor = TrackMonitor(cfg)
        one, two = (FakeInstance(i) for i in cfg.instances)
        await monitor.attach(one, FakeNetlink({}), own_up=True)
        await monitor.attach(two, FakeNetlink({}), own_up=True)
        assert list(monitor.scripts) == ["chk"]
        await until(lambda: monitor.scripts["chk"].state is True)
        rc.write_text("1")
        await until(lambda: one.events and two.events)
        status = monitor.scripts_status()
        await monitor.detach(one)
        assert list(monitor.scripts) == ["chk"]  # VI_2 still tracks it
        await monitor.detach(two)
        assert monitor.scripts == {}
        await monitor.close()
        return one, two, status

    one, two, status = run(scenario())
    assert one.events == [PriorityChanged(120)]
    assert two.events == [InterfaceDown("tracked script chk is down")]
    assert status[0]["name"] == "chk" and status[0]["runs"] >= 2


def test_track_file_changes_the_priority(tmp_path):
    adj = tmp_path / "adj"
    adj.write_text("5")
    cfg = config(
        f'[track_files.adj]\nfile = "{adj}"\nweight = 2\n'
        '[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\n'
        'virtual_ipaddress = ["192.0.2.100/24"]\ntrack_file = ["adj"]\n'
    )

    async def scenario():
        monitor = TrackMonitor(cfg, file_interval=0.05)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({}), own_up=True)
        first = list(runner.events)
        adj.write_text("-200")
        await until(lambda: len(runner.events) > 1)
        status = monitor.status_of("VI_1")
        await monitor.close()
        return runner, first, status

    runner, first, status = run(scenario())
    assert first == [PriorityChanged(110)]  # read at attach, before Startup
    assert runner.events[1] == InterfaceDown(
        "tracked file adj holds -200: -200 x weight 2 is below -253"
    )
    assert status == [{"name": "adj", "kind": "file", "state": "fault", "value": -200,
                       "weight": 2, "effect": 0, "fault": True}]  # fmt: skip


def test_reconfigure_applies_new_weights_and_restarts_changed_scripts(tmp_path):
    rc = tmp_path / "rc"
    program = script(tmp_path, "chk.sh", rc)
    rc.write_text("1")
    text = f"""
[scripts.chk]
command = ["{program}"]
interval = 0.1
weight = WEIGHT
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
track_script = ["chk"]
track_interface = [{{ name = "b", weight = -5 }}]
"""

    async def scenario():
        monitor = TrackMonitor(config(text.replace("WEIGHT", "-10")))
        runner = FakeInstance(monitor.config.instances[0])
        netlink = FakeNetlink({"b": False})
        await monitor.attach(runner, netlink, own_up=True)
        await until(lambda: PriorityChanged(85) in runner.events)
        first = monitor.scripts["chk"]
        await monitor.reconfigure(config(text.replace("WEIGHT", "-20")))
        changed = monitor.scripts.get("chk")
        await monitor.close()
        return runner, first, changed, netlink.asked

    runner, first, changed, asked = run(scenario())
    assert runner.events == [PriorityChanged(95), PriorityChanged(85), PriorityChanged(95)]
    assert changed is not first  # new settings: a new runner, its state unknown again
    assert asked == ["b"]  # known link states are reused


def test_reconfigure_skips_instances_that_are_going_away(tmp_path):
    rc = tmp_path / "rc"
    program = script(tmp_path, "chk.sh", rc)
    old = config(
        f'[scripts.chk]\ncommand = ["{program}"]\n[instances.VI_1]\ninterface = "eth0"\n'
        'virtual_router_id = 51\nvirtual_ipaddress = ["192.0.2.100/24"]\n'
        'track_script = ["chk"]\n'
    )
    new = parse_config(
        '[instances.VI_2]\ninterface = "eth0"\nvirtual_router_id = 52\n'
        'virtual_ipaddress = ["192.0.2.101/24"]\n',
        "test.toml",
    )

    async def scenario():
        monitor = TrackMonitor(old)
        runner = FakeInstance(old.instances[0])
        await monitor.attach(runner, FakeNetlink({}), own_up=True)
        await monitor.reconfigure(new)  # VI_1 and its script are gone from the config
        scripts = dict(monitor.scripts)
        await monitor.detach(runner)
        await monitor.close()
        return scripts

    assert run(scenario()) == {}


def test_reconfigure_keeps_the_running_routers_base_priority():
    old = config('priority = 100\ntrack_interface = [{ name = "b", weight = -5 }]\n')
    new = config('priority = 255\ntrack_interface = [{ name = "b", weight = -5 }]\n')

    async def scenario():
        monitor = TrackMonitor(old)
        runner = FakeInstance(old.instances[0])
        await monitor.attach(runner, FakeNetlink({"b": True}), own_up=True)
        await monitor.reconfigure(new)  # the daemon restarts VI_1 next; its Router is old
        status = monitor.status_of("VI_1")
        await monitor.close()
        return runner, status

    runner, status = run(scenario())
    assert runner.events == []
    assert runner.router.priority == 100
    assert status[0]["name"] == "b"


def test_dont_track_primary_ignores_the_own_link_going_down():
    cfg = config('dont_track_primary = true\ntrack_interface = [{ name = "trk0", weight = -20 }]\n')

    async def scenario():
        monitor = TrackMonitor(cfg)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({"trk0": True}), own_up=False)
        runner.feed(Startup())
        monitor.link_event(LinkChanged(2, "eth0", False))
        monitor.link_event(LinkChanged(7, "trk0", False))  # other tracking still counts
        monitor.link_event(LinkChanged(2, "eth0", True))
        await monitor.close()
        return runner

    runner = run(scenario())
    assert runner.events == [Startup(), PriorityChanged(80)]
    assert runner.router.state.value == "BACKUP"


def test_dont_track_primary_still_faults_a_removed_own_interface():
    cfg = config("dont_track_primary = true\n")

    async def scenario():
        monitor = TrackMonitor(cfg)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({}), own_up=True)
        monitor.link_event(LinkRemoved(2, "eth0"))
        await monitor.close()
        return runner

    assert run(scenario()).events == [InterfaceDown("interface eth0 was removed")]


def test_a_tracked_process_is_scanned_at_attach_and_its_end_faults_the_instance():
    tag = f"vrrpd-driver-{uuid.uuid4().hex[:8]}"
    cfg = config(
        "[global]\ntrack_process_interval = 0.1\n"
        f'[track_processes.svc]\nprocess = ["{sys.executable}", "-c", "{SLEEP_CODE}", "{tag}"]\n'
        '[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\n'
        'virtual_ipaddress = ["192.0.2.100/24"]\ntrack_process = ["svc"]\n'
    )
    proc = subprocess.Popen(SLEEPER + [tag])

    async def scenario():
        monitor = TrackMonitor(cfg)
        runner = FakeInstance(cfg.instances[0])
        await monitor.attach(runner, FakeNetlink({}), own_up=True)
        first = list(runner.events)
        proc.kill()
        proc.wait()
        await until(lambda: len(runner.events) > len(first))
        status = monitor.status_of("VI_1")
        restarted = subprocess.Popen(SLEEPER + [tag])
        try:
            await until(lambda: runner.events[-1] == InterfaceUp())
        finally:
            restarted.kill()
            restarted.wait()
        processes = monitor.processes_status()
        await monitor.close()
        return runner, first, status, processes

    try:
        runner, first, status, processes = run(scenario())
    finally:
        proc.kill()
        proc.wait()
    assert first == []  # present at attach: no FAULT, no priority change
    assert runner.events == [InterfaceDown("tracked process svc is down"), InterfaceUp()]
    assert status == [{"name": "svc", "kind": "process", "state": "down", "weight": 0,
                       "effect": 0, "fault": True}]  # fmt: skip
    assert processes[0]["name"] == "svc" and processes[0]["state"] == "up"
