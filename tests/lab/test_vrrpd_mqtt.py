"""vrrpd pairs publishing to a real mosquitto in the lab: retained state, ordered events,
the Will, re-publishing after a broker restart, and failover speed with the broker away."""

from __future__ import annotations

import signal
import time

import pytest
from mqtt_support import (
    availability,
    logged_transitions,
    mqtt_section,
    start_broker,
    start_watch,
    state_of,
    wait_retained,
    watched,
)
from netns_lab import wait_until
from vrrpd_support import instance, start_pair, status, stop, vrrpd_conf, wait_state

pytestmark = pytest.mark.lab

MARGIN = 1.0  # seconds a failover may take beyond the broker-up case (it should be ~0)


def events_of(watch, router: str) -> list[dict]:
    return [m["payload"] for m in watched(watch) if m["topic"] == f"vrrpd/{router}/VI_1/event"]


def wait_mqtt(proc, connected: bool, timeout: float = 10.0) -> None:
    def reached() -> bool:
        st = status(proc)
        return bool(st) and st["mqtt"]["connected"] is connected

    wait_until(reached, timeout, message=f"{proc.name} mqtt connected={connected}")


def assert_events_match_logs(watch, router: str, proc) -> None:
    """Every transition the daemon logged arrived as an event, in the same order."""
    expected = logged_transitions(proc)
    wait_until(
        lambda: len(events_of(watch, router)) >= len(expected),
        5,
        message=f"{router}: {len(expected)} events",
    )
    got = [(e["previous"], e["state"]) for e in events_of(watch, router)]
    assert got == expected, (router, got, expected)


def test_state_events_broker_restart_and_will(lab):
    lab_ = lab()
    broker = start_broker(lab_)
    watch = start_watch(lab_, "vrrpd/+/VI_1/event")
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2", extra=mqtt_section()))
    wait_state(r2, "MASTER")
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1", extra=mqtt_section()))
    wait_state(r1, "MASTER")  # r1 preempts: a failover with both routers still on the broker
    wait_state(r2, "BACKUP")

    kept = wait_retained(
        lab_,
        lambda m: state_of(m, "r1") == "MASTER" and state_of(m, "r2") == "BACKUP",
        what="r1 MASTER and r2 BACKUP retained",
    )
    for router, proc, previous in (("r1", r1, "BACKUP"), ("r2", r2, "MASTER")):
        now = instance(proc)
        retained_state = kept[f"vrrpd/{router}/VI_1/state"]
        assert retained_state["previous"] == previous
        assert retained_state["master_ip"] == now["master_ip"] == "192.0.2.11"
        assert retained_state["priority"] == now["priority"]
        assert retained_state["reason"] == now["last_reason"]
        assert abs(retained_state["timestamp"] - now["since"]) < 0.01
        assert availability(kept, router) == "online"
        assert_events_match_logs(watch, router, proc)
    assert logged_transitions(r1)[-1] == ("BACKUP", "MASTER")
    assert logged_transitions(r2)[-1] == ("MASTER", "BACKUP")

    # r1 crashes: its Will says offline, r2 takes over and says so
    lab_.kill(r1, signal.SIGKILL)
    wait_state(r2, "MASTER")
    kept = wait_retained(
        lab_,
        lambda m: availability(m, "r1") == "offline" and state_of(m, "r2") == "MASTER",
        what="r1 Will and r2 MASTER",
    )
    assert kept["vrrpd/r2/VI_1/state"]["master_ip"] == "192.0.2.12"
    assert kept["vrrpd/r2/VI_1/state"]["previous"] == "BACKUP"
    assert_events_match_logs(watch, "r2", r2)

    # a restarted broker (nothing persisted) gets r2's current state again, unasked
    broker.stop()
    start_broker(lab_)
    kept = wait_retained(
        lab_,
        lambda m: state_of(m, "r2") == "MASTER" and availability(m, "r2") == "online",
        what="r2 state re-published after the broker restart",
    )
    assert "vrrpd/r1/VI_1/state" not in kept  # the broker forgot it; nobody re-publishes it
    assert status(r2)["mqtt"]["reconnects"] == 1

    # a clean stop publishes the final state, then offline
    assert stop(r2) == 0
    kept = wait_retained(lab_, lambda m: availability(m, "r2") == "offline", what="r2 offline")
    assert kept["vrrpd/r2/VI_1/state"]["state"] == "INIT"
    assert kept["vrrpd/r2/VI_1/state"]["reason"] == "shutdown"


def _failover_seconds(lab_, r1, r2) -> float:
    """Fault (r1's switch port down) to r2 MASTER, from r2's own transition time; then heal.

    Only r2 is timed, so only r2's broker connection matters (r1 loses it with its port).
    """
    t0 = time.time()
    lab_.port_down("r1")
    took = wait_state(r2, "MASTER", timeout=5)["since"] - t0
    lab_.port_up("r1")
    wait_state(r1, "MASTER")
    wait_state(r2, "BACKUP")
    return took


def test_failover_is_as_fast_with_the_broker_down_or_hung(lab):
    lab_ = lab()
    broker = start_broker(lab_)
    r1, r2 = start_pair(lab_, extra=mqtt_section())
    wait_mqtt(r2, True)
    with_broker = _failover_seconds(lab_, r1, r2)

    broker.stop()
    wait_mqtt(r2, False)
    broker_down = _failover_seconds(lab_, r1, r2)

    hung = start_broker(lab_)
    wait_mqtt(r2, True)
    hung.signal(signal.SIGSTOP)  # connections stay up, nothing is ever acknowledged
    try:
        broker_hung = _failover_seconds(lab_, r1, r2)
    finally:
        hung.signal(signal.SIGCONT)
    timings = (with_broker, broker_down, broker_hung)
    assert 0 < with_broker < 2.0, timings
    assert broker_down <= with_broker + MARGIN, timings
    assert broker_hung <= with_broker + MARGIN, timings


def test_unreachable_broker_never_delays_reaching_a_state(lab):
    lab_ = lab(hosts=("r1",), client=False)

    def time_to_master(conf: str) -> tuple[float, dict]:
        started = time.monotonic()
        proc = lab_.start_vrrpd("r1", conf)
        wait_state(proc, "MASTER", timeout=10)
        took = time.monotonic() - started
        st = status(proc)
        assert stop(proc) == 0
        return took, st

    plain, _ = time_to_master(vrrpd_conf(router_id="r1"))
    # 192.0.2.250 is on the lab LAN but nobody has it: connects hang until ARP gives up
    blackholed, st = time_to_master(
        vrrpd_conf(router_id="r1", extra=mqtt_section(host="192.0.2.250"))
    )
    assert st["mqtt"]["connected"] is False
    assert blackholed <= plain + MARGIN, (plain, blackholed)
