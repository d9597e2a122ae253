"""Tracking, sync groups and the start-up hold on vrrpd pairs in the netns lab.

r1 (priority 150) is master, r2 (100) backup, advert_int 0.1 s. The tracked interface is a
veth pair made inside r1's namespace (trk0, its peer trk1); taking trk1 down takes trk0's
carrier away. Scripts and track files live in the lab's directory.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from netns_lab import wait_until
from vrrpd_support import VIP4, instance, status, stop, vrrpd_conf, wait_holder, wait_state

pytestmark = pytest.mark.lab

VIP4B = "192.0.2.101"


def tracked_veth(lab_) -> None:
    r1 = lab_["r1"]
    r1.ip("link", "add", "trk0", "type", "veth", "peer", "name", "trk1")
    r1.ip("link", "set", "trk0", "up")
    r1.ip("link", "set", "trk1", "up")


def check_script(lab_, flag: Path) -> str:
    """A check that exits with the number written in `flag` (0 to start with)."""
    flag.write_text("0")
    path = Path(lab_.dir) / "check.sh"
    path.write_text(f"#!/bin/sh\nexit $(cat {flag})\n")
    path.chmod(0o755)
    return str(path)


def start(lab_, r1_extra: str = "", r1_tables: str = ""):
    """r1 (150, tracking what `r1_extra` says) master, then r2 (100) backup."""
    conf = vrrpd_conf(priority=150, router_id="r1", extra=r1_extra) + r1_tables
    r1 = lab_.start_vrrpd("r1", conf)
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2"))
    wait_state(r2, "BACKUP")
    return r1, r2


def log_records(proc, event: str) -> list[dict]:
    records = []
    for line in proc.log_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == event:
                records.append(record)
    return records


def test_tracked_interface_down_faults_the_master_and_the_backup_takes_over(lab):
    lab_ = lab()
    tracked_veth(lab_)
    r1, r2 = start(lab_, 'track_interface = ["trk0"]')
    assert instance(r1)["tracking"] == [
        {"name": "trk0", "kind": "interface", "state": "up", "weight": 0, "effect": 0,
         "fault": False}
    ]  # fmt: skip
    t0 = time.monotonic()
    lab_["r1"].ip("link", "set", "trk1", "down")
    wait_state(r2, "MASTER", timeout=5)
    # r1 resigns with priority 0: r2 waits only Skew_Time (~0.06 s); generous bound
    assert time.monotonic() - t0 < 3.0
    inst = wait_state(r1, "FAULT")
    assert inst["last_reason"] == "tracked interface trk0 is down"
    wait_holder(lab_, VIP4, "r2")
    lab_["r1"].ip("link", "set", "trk1", "up")
    wait_state(r1, "MASTER")  # the fault cleared; higher priority preempts back
    wait_holder(lab_, VIP4, "r1")
    wait_state(r2, "BACKUP")


def test_failing_weighted_script_lowers_priority_and_rise_fall_are_honoured(lab):
    lab_ = lab()
    flag = Path(lab_.dir) / "rc"
    program = check_script(lab_, flag)
    scripts = (
        f'[scripts.chk]\ncommand = ["{program}"]\ninterval = 0.2\nweight = -60\n'
        "rise = 3\nfall = 4\n"
    )
    r1, r2 = start(lab_, 'track_script = ["chk"]', scripts)
    runs_before = status(r1)["scripts"][0]["runs"]
    t0 = time.monotonic()
    flag.write_text("1")
    wait_state(r2, "MASTER", timeout=8)
    took_down = time.monotonic() - t0
    inst = wait_state(r1, "BACKUP")
    assert inst["priority"] == 90 and inst["base_priority"] == 150
    assert inst["tracking"][0]["state"] == "down"
    # fall = 4 at 0.2 s: the fourth failing run comes at least 0.6 s after the flag changed
    assert took_down >= 0.55, took_down
    script = status(r1)["scripts"][0]
    assert script["failures"] >= 4 and script["runs"] - runs_before >= 4
    t1 = time.monotonic()
    flag.write_text("0")
    wait_state(r1, "MASTER", timeout=8)
    assert time.monotonic() - t1 >= 0.35  # rise = 3: third passing run, 0.4 s after the first
    wait_holder(lab_, VIP4, "r1")
    downs = log_records(r1, "tracked script is down")
    assert len(downs) == 1 and downs[0]["script"] == "chk"


def test_track_file_weight_moves_the_priority_and_fails_over_below_the_peer(lab):
    lab_ = lab()
    adj = Path(lab_.dir) / "prio_adj"
    adj.write_text("0")
    files = f'[track_files.adj]\nfile = "{adj}"\nweight = 2\n'
    r1, r2 = start(lab_, 'track_file = ["adj"]', files)
    adj.write_text("-10")  # 150 - 20 = 130: still above r2
    wait_until(lambda: (instance(r1) or {}).get("priority") == 130, 5)
    assert instance(r1)["state"] == "MASTER"
    adj.write_text("-30")  # 150 - 60 = 90: below r2, which preempts
    wait_state(r2, "MASTER", timeout=5)
    assert wait_state(r1, "BACKUP")["priority"] == 90
    wait_holder(lab_, VIP4, "r2")


def test_reload_applies_new_tracking_weights_without_a_restart(lab):
    lab_ = lab()
    adj = Path(lab_.dir) / "prio_adj"
    adj.write_text("-10")
    files = f'[track_files.adj]\nfile = "{adj}"\nweight = 2\n'
    r1, r2 = start(lab_, 'track_file = ["adj"]', files)
    assert instance(r1)["priority"] == 130
    conf = vrrpd_conf(priority=150, router_id="r1", extra='track_file = ["adj"]')
    r1.files["config"].write_text(conf + files.replace("weight = 2", "weight = 6"))
    r1.signal(signal.SIGHUP, group=False)
    wait_state(r2, "MASTER", timeout=5)  # 150 - 60 = 90 is below r2's 100
    inst = wait_state(r1, "BACKUP")
    assert inst["priority"] == 90
    assert inst["transitions"] == 3  # INIT>BACKUP>MASTER>BACKUP: the instance kept running


def grouped_conf(router_id: str, priority: int, track: str = "") -> str:
    """Two instances (VRIDs 51 and 52, VIPs .100 and .101) in one sync group."""
    text = f'[global]\nrouter_id = "{router_id}"\nlog_level = "debug"\n'
    for name, vrid, vip, extra in (
        ("VI_1", 51, VIP4, track),
        ("VI_2", 52, VIP4B, ""),
    ):
        text += (
            f'\n[instances.{name}]\ninterface = "eth0"\nvirtual_router_id = {vrid}\n'
            f"priority = {priority}\nadvert_int = 0.1\n"
            f'virtual_ipaddress = ["{vip}/24"]\n{extra}\n'
        )
    return text + '\n[sync_groups.G1]\ninstances = ["VI_1", "VI_2"]\n'


def test_sync_group_moves_both_instances_when_one_tracked_interface_fails(lab):
    lab_ = lab()
    tracked_veth(lab_)
    r1 = lab_.start_vrrpd("r1", grouped_conf("r1", 150, 'track_interface = ["trk0"]'))
    wait_state(r1, "MASTER", name="VI_1")
    wait_state(r1, "MASTER", name="VI_2")
    r2 = lab_.start_vrrpd("r2", grouped_conf("r2", 100))
    wait_state(r2, "BACKUP", name="VI_1")
    wait_state(r2, "BACKUP", name="VI_2")
    assert status(r1)["sync_groups"][0]["state"] == "MASTER"
    assert instance(r1, "VI_2")["sync_group"] == "G1"
    lab_["r1"].ip("link", "set", "trk1", "down")
    wait_state(r2, "MASTER", name="VI_1", timeout=5)
    wait_state(r2, "MASTER", name="VI_2", timeout=5)
    assert wait_state(r1, "FAULT", name="VI_2")["last_reason"].startswith("sync group G1: VI_1")
    wait_holder(lab_, VIP4, "r2")
    wait_holder(lab_, VIP4B, "r2")
    group = status(r1)["sync_groups"][0]
    assert (group["state"], group["members"]) == ("FAULT", ["VI_1", "VI_2"])
    lab_["r1"].ip("link", "set", "trk1", "up")
    wait_state(r1, "MASTER", name="VI_1")
    wait_state(r1, "MASTER", name="VI_2")
    wait_holder(lab_, VIP4, "r1")
    wait_holder(lab_, VIP4B, "r1")


def test_startup_delay_keeps_a_fresh_higher_node_from_preempting_early(lab):
    lab_ = lab()
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2"))
    wait_state(r2, "MASTER")
    conf = vrrpd_conf(priority=150, router_id="r1").replace(
        "[global]\n", "[global]\nstartup_delay = 3.0\n"
    )
    r1 = lab_.start_vrrpd("r1", conf)
    wait_state(r1, "BACKUP")
    seen_backup = time.monotonic()
    time.sleep(1.5)  # fifteen of r2's adverts: without the hold r1 preempts on the first
    assert instance(r1)["state"] == "BACKUP", "preempted during startup_delay"
    assert instance(r2)["state"] == "MASTER"
    wait_state(r1, "MASTER", timeout=6)
    assert time.monotonic() - seen_backup >= 1.5
    wait_state(r2, "BACKUP")
    wait_holder(lab_, VIP4, "r1")


def test_a_clean_stop_runs_the_sync_groups_notify_stop_once(lab):
    lab_ = lab()
    out = lab_.dir / "group-stop.txt"
    hook = f'notify_stop = ["/bin/sh", "-c", "echo \\"$@\\" >> {out}", "hook"]\n'
    r1 = lab_.start_vrrpd("r1", grouped_conf("r1", 150) + hook)
    wait_state(r1, "MASTER", name="VI_1")
    wait_state(r1, "MASTER", name="VI_2")
    assert not out.exists()
    assert stop(r1) == 0
    assert out.read_text().splitlines() == ["G1 STOP MASTER"]
