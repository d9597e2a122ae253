"""The chaos schedule and its invariants, without a lab."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

import pytest
from netns_lab import wait_until
from netns_lab.broker import mqtt_section
from netns_lab.chaos import ChaosReport, Outcome
from netns_lab.chaos_cluster import vrrpd_config
from netns_lab.chaos_hooks import Hooks, kill_hooks
from netns_lab.chaos_plan import (
    FAULTS,
    MASTER_DOWN_S,
    Settled,
    outage_bound,
    schedule,
    violations,
    window_outage,
)

from vrrpd.config.loader import parse_config


def test_same_seed_same_schedule_and_every_class_drawn():
    assert schedule(7, 50) == schedule(7, 50)
    assert schedule(7, 50) != schedule(8, 50)
    assert {f.kind for f in schedule(7, 400)} == set(FAULTS)
    assert all(0.3 <= f.hold <= 2.0 for f in schedule(7, 400))


def test_outage_bound_is_floor_plus_margin():
    assert outage_bound("kill", True, 1.0) == pytest.approx(MASTER_DOWN_S + 1.0)
    assert outage_bound("kill", False, 1.0) == 1.0
    assert outage_bound("partition", False, 1.0) == pytest.approx(2.1)
    assert pytest.approx(0.3609375) == MASTER_DOWN_S


@pytest.mark.parametrize("seen,expected", [
    (Settled(["r1"], ["r1"], [], []), []),
    (Settled(["r1", "r2"], ["r1", "r2"], [], []), ["2 VIP holders ['r1', 'r2']",
                                                   "2 masters ['r1', 'r2']"]),
    (Settled(["r1"], [], [], []), ["nobody holds the VIP"]),
    (Settled(["r1"], ["r2"], [], []), ["VIP left behind on ['r2']"]),
    (Settled(["r1"], ["r1"], ["r3"], ["r2"]), ["daemons dead ['r3']",
                                               "own address gone on ['r2']"]),
])
def test_invariants(seen, expected):
    assert violations(seen) == expected


def test_summary_names_seed_and_fault_of_each_violation():
    fault = schedule(3, 1)[0]
    report = ChaosReport("vrrpd", 3, 2.0, [
        Outcome(fault, "r1", True, 1.0, 0.5, 0.4, 1.36),
        Outcome(fault, "r1", True, 5.0, 0.5, float("inf"), 1.36, ["nobody holds the VIP"]),
    ])
    text = report.summary()
    assert f"VIOLATION seed 3 fault #{fault.index} {fault.kind} on r1: nobody holds" in text
    assert "worst outage       inf" in text and "1 with violations" in text


def test_window_outage_closed_gaps_and_a_trailing_one():
    answered = [(0.0, 0.001), (0.01, 0.011)]
    assert window_outage(answered) == 0.0
    gap = [(0.0, 0.001), (0.01, None), (0.02, None), (0.5, 0.501)]
    assert window_outage(gap) == pytest.approx(0.5)
    in_flight = [(0.0, 0.001), (0.01, None), (0.02, None)]  # replies not back yet
    assert window_outage(in_flight) == 0.0
    lost = [(0.0, 0.001), *[(0.01 * n, None) for n in range(1, 100)]]
    assert window_outage(lost) == float("inf")


def test_broker_and_hook_faults_are_scheduled_with_their_floors():
    assert FAULTS["broker"] == (1, 0.0) and FAULTS["hook"] == (1, MASTER_DOWN_S)
    assert outage_bound("broker", True, 1.0) == 1.0  # a broker outage costs the client nothing
    assert outage_bound("hook", True, 1.0) == pytest.approx(MASTER_DOWN_S + 1.0)
    assert outage_bound("hook", False, 1.0) == 1.0
    kinds = [f.kind for f in schedule(549762912, 400)]
    assert "broker" in kinds and "hook" in kinds


def test_chaos_vrrpd_config_has_hooks_and_mqtt(tmp_path):
    hooks = Hooks(tmp_path)
    text = vrrpd_config("r2", 100, 0.1, hooks=hooks.vrrpd_keys("r2"), mqtt=mqtt_section())
    config = parse_config(text)
    (inst,) = config.instances
    for state in ("master", "backup", "fault"):
        assert getattr(inst, f"notify_{state}") == (str(hooks.script), "r2", state)
    assert inst.notify_timeout == 2.0
    assert (config.mqtt.host, config.mqtt.port) == ("192.0.2.200", 1883)
    assert hooks.keepalived_notify("r2")["fault"] == f"{hooks.script} r2 fault"


def test_hook_returns_at_once_hangs_on_its_flag_and_is_killed_by_path(tmp_path):
    hooks = Hooks(tmp_path)
    mark = hooks.mark()
    quick = subprocess.run([str(hooks.script), "r1", "master"], timeout=5)
    assert quick.returncode == 0 and hooks.hung("r1", mark) == 0
    hooks.hang("r1", True)
    hung = subprocess.Popen([str(hooks.script), "r1", "fault", "VI_1"], start_new_session=True)
    try:
        wait_until(lambda: hooks.hung("r1", mark) == 1, 5, message="the hook hangs")
        other = subprocess.run([str(hooks.script), "r2", "backup"], timeout=5)  # not flagged
        assert other.returncode == 0 and hooks.hung("r2", mark) == 0
        killed, left = kill_hooks(hooks.script)
        assert killed == 1 and left == []  # the sleeper, found by its argv[0]
        assert hung.wait(5) == -signal.SIGKILL
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(hung.pid, signal.SIGKILL)
        hung.wait(5)
    hooks.hang("r1", False)
    assert subprocess.run([str(hooks.script), "r1", "master"], timeout=5).returncode == 0
    assert kill_hooks(hooks.script) == (0, [])
