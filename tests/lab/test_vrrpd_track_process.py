"""track_processes in the lab: killing the tracked process fails the instance over,
restarting it brings it back.

The tracked process is a `sleep` started in r1's namespace with a distinctive argv[0]
(`exec -a`): namespaces share the pid namespace, so every process of the host is visible
and only a unique command line singles it out. It is killed with SIGKILL and left unreaped
for a while (a zombie), which must not count as running.
"""

from __future__ import annotations

import signal
import time
import uuid

import pytest
from netns_lab import wait_until
from vrrpd_support import VIP4, instance, status, vrrpd_conf, wait_holder, wait_state

pytestmark = pytest.mark.lab


def tracked_sleep(lab_, tag: str):
    return lab_.start("r1", ["bash", "-c", f"exec -a {tag} sleep 600"], name=tag)


def start(lab_, tables: str, ref: str = 'track_process = ["svc"]'):
    conf = vrrpd_conf(priority=150, router_id="r1", extra=ref).replace(
        "[global]\n", "[global]\ntrack_process_interval = 0.2\n", 1
    )
    r1 = lab_.start_vrrpd("r1", conf + tables)
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2"))
    wait_state(r2, "BACKUP")
    return r1, r2


def test_killing_the_tracked_process_fails_over_and_restarting_it_brings_it_back(lab):
    lab_ = lab()
    tag = f"vrrpd-lab-{uuid.uuid4().hex[:8]}"
    service = tracked_sleep(lab_, tag)
    tables = f'[track_processes.svc]\nprocess = ["{tag}", "600"]\n'  # argv[0] + exact params
    r1, r2 = start(lab_, tables)
    assert instance(r1)["tracking"] == [
        {"name": "svc", "kind": "process", "state": "up", "weight": 0, "effect": 0,
         "fault": False}
    ]  # fmt: skip
    assert status(r1)["track_processes"][0]["count"] == 1
    t0 = time.monotonic()
    service.signal(signal.SIGKILL)  # not reaped yet: a zombie must not count
    wait_state(r2, "MASTER", timeout=5)
    took = time.monotonic() - t0
    inst = wait_state(r1, "FAULT")
    assert inst["last_reason"] == "tracked process svc is down"
    wait_holder(lab_, VIP4, "r2")
    service.wait(5)
    tracked_sleep(lab_, tag)
    wait_state(r1, "MASTER", timeout=5)  # quorum back: FAULT ends, 150 preempts
    wait_holder(lab_, VIP4, "r1")
    wait_state(r2, "BACKUP")
    # scan every 0.2 s + r1's priority-0 resignation (Skew_Time): generous bound
    assert took < 3.0, took


def test_weight_and_terminate_delay_debounce_a_restart(lab):
    lab_ = lab()
    tag = f"vrrpd-lab-{uuid.uuid4().hex[:8]}"
    service = tracked_sleep(lab_, tag)
    tables = (
        f'[track_processes.svc]\nprocess = ["{tag}"]\nfull_command = true\n'
        "weight = -60\nterminate_delay = 1.5\n"
    )
    r1, r2 = start(lab_, tables)
    service.signal(signal.SIGKILL)
    service.wait(5)
    again = tracked_sleep(lab_, tag)  # back within the delay: nothing happens
    time.sleep(2.0)
    assert instance(r1)["state"] == "MASTER" and instance(r1)["priority"] == 150
    again.signal(signal.SIGKILL)
    t0 = time.monotonic()
    wait_state(r2, "MASTER", timeout=6)  # 150 - 60 = 90 < 100 once the delay has passed
    assert time.monotonic() - t0 >= 1.4
    assert wait_state(r1, "BACKUP")["priority"] == 90
    wait_until(lambda: status(r1)["track_processes"][0]["state"] == "down", 3)
