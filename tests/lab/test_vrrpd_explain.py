"""`vrrpd explain` against real daemons in the lab: backup, master, fault, preempt-delay and
two masters (VRRP partitioned between the routers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from netns_lab import wait_until
from netns_lab.vrrpd_lab import vrrpd_env
from vrrpd_support import VIP4, instance, status, vrrpd_conf, wait_state

pytestmark = pytest.mark.lab


def explain(proc, name: str | None = None, *, text: bool = False):
    argv = [sys.executable, "-m", "vrrpd", "explain", "--socket", str(proc.files["socket"])]
    argv += [name] if name else []
    argv += [] if text else ["--json"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=10,
                         env=vrrpd_env(dict(os.environ)))
    assert out.returncode == 0, out.stderr
    return out.stdout if text else json.loads(out.stdout)["instances"][0]


def rule(proc) -> str:
    return explain(proc, "VI_1")["rule"]


def rule_once(proc, part: str, timeout: float, message: str) -> str:
    """The rule text once it contains `part` (bounded)."""

    def check() -> str | None:
        text = rule(proc)
        return text if part in text else None

    return wait_until(check, timeout, 0.1, message=message)


def test_backup_master_fault_and_status_fields(lab):
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1"))
    wait_state(r1, "MASTER")  # before r2 starts: r2 goes INIT -> BACKUP, never MASTER
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2"))
    wait_state(r2, "BACKUP")

    backup = explain(r2)
    assert backup["rule"].startswith(
        "BACKUP: master 192.0.2.11 priority 150 > our 100; preempt on but lower")
    (peer,) = backup["peers"]
    assert (peer["address"], peer["priority"], peer["interval"]) == ("192.0.2.11", 150, 0.1)
    assert peer["age"] < 1.0
    assert backup["priority"]["text"] == "100 = base 100"
    assert backup["vip_holders"] == ["no other host seen claiming our VIPs"] or all(
        "192.0.2.100: claimed by" in line for line in backup["vip_holders"])
    assert rule(r1).startswith("MASTER: no advert from a better router for ")
    print("\n" + explain(r2, text=True) + "\n" + explain(r1, text=True))

    st = status(r2)
    assert st["schema_version"] == 1
    inst = instance(r2)
    assert inst["preempt"] is True and inst["primary_ip"] == "192.0.2.12"
    assert inst["master_priority"] == 150 and inst["old_state"] == "INIT"
    assert inst["skew_time"] == round((256 - 100) * 0.1 / 256, 6)
    assert inst["master_down_interval"] == round(0.3 + (256 - 100) * 0.1 / 256, 6)

    lab_.port_down("r1")
    wait_state(r1, "FAULT")
    assert rule(r1) == "FAULT: eth0 down (the instance's own interface)"
    wait_state(r2, "MASTER")
    lab_.port_up("r1")
    wait_state(r1, "MASTER")


def test_preempt_delay_pending(lab):
    lab_ = lab()
    low = lab_.start_vrrpd("r2", vrrpd_conf(priority=50, router_id="r2"))
    wait_state(low, "MASTER")
    high = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, preempt_delay=3.0, router_id="r1"))
    wait_state(high, "BACKUP")
    text = rule_once(high, "pending", 5, "preempt_delay pending")
    assert text.startswith(
        "BACKUP: master 192.0.2.12 priority 50 < our 150; preempt_delay 3 s pending, "
        "taking over in ")
    wait_state(high, "MASTER", timeout=10)


def test_two_masters_when_vrrp_is_partitioned(lab):
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1"))
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2"))
    wait_state(r1, "MASTER")
    wait_state(r2, "BACKUP")
    lab_.partition_vrrp("r1", "r2")
    try:
        wait_state(r2, "MASTER")
        text = rule_once(r1, "also MASTER", 10, "r1 explains the second master")
        assert f"also MASTER: {lab_['r2'].mac} (claims our VIP by ARP/NA" in text
        assert "likely cause: " in text and "split brain since " in text
        # r2 heard r1 before the partition: it names it by address too
        other = rule_once(r2, "also MASTER", 10, "r2 explains the second master")
        assert (f"also MASTER: {lab_['r1'].mac} (claims our VIP by ARP/NA; probably "
                "192.0.2.11, whose adverts stopped ") in other
        claims = explain(r1)["vip_holders"]
        assert any(line.startswith(f"{VIP4}: claimed by {lab_['r2'].mac}") for line in claims)
        print("\n" + explain(r1, text=True) + "\n" + explain(r2, text=True))
    finally:
        lab_.heal_vrrp()
    wait_state(r2, "BACKUP")
