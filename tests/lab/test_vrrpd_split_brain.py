"""Split-brain diagnosis in the lab: VRRP cut between the routers while ARP/ND still flows.

Each side must report exactly one `split_brain` event (log record, MQTT message, status field)
naming the other router, and one `split_brain_healed` once VRRP is back; the client then
reaches the one master. Normal failovers must report nothing.
"""

from __future__ import annotations

import json
import time

import pytest
from mqtt_support import mqtt_section, start_broker, start_watch, watched
from netns_lab import wait_until
from vrrpd_support import VIP4, VIP6, instance, start_pair, stop, wait_holder, wait_state

pytestmark = pytest.mark.lab

EVENTS = ("split_brain", "split_brain_healed")


def logged(proc, name: str = "VI_1") -> list[dict]:
    """The split-brain records vrrpd logged for instance `name`, in order."""
    found = []
    for line in proc.log_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") in EVENTS and record.get("instance") == name:
            found.append(record)
    return found


def published(watch, router: str) -> list[dict]:
    topic = f"vrrpd/{router}/VI_1/split_brain"
    return [m for m in watched(watch) if m["topic"] == topic]


def in_split_brain(proc) -> dict | None:
    inst = instance(proc)
    return inst["split_brain"] if inst else None


def partition_and_heal(lab_, r1, r2, vip: str) -> None:
    lab_.partition_vrrp("r1", "r2")
    wait_state(r2, "MASTER")  # it cannot hear r1 any more
    wait_until(lambda: in_split_brain(r1) and in_split_brain(r2), 5, message="both see it")
    time.sleep(1.5)  # r2's second GARP burst (1.1 s) and many probe rounds: still one event
    assert instance(r1)["state"] == "MASTER"
    lab_.heal_vrrp()
    wait_state(r2, "BACKUP")
    wait_until(
        lambda: in_split_brain(r1) is None and in_split_brain(r2) is None, 5, message="both healed"
    )
    wait_holder(lab_, vip, "r1")


def assert_one_episode_each(lab_, r1, r2, vip: str) -> None:
    for proc, other in ((r1, "r2"), (r2, "r1")):
        records = logged(proc)
        assert [r["event"] for r in records] == list(EVENTS), (proc.name, records)
        started, healed = records
        assert started["other_mac"] == lab_[other].mac
        assert started["vip"] == vip and started["level"] == "warning"
        assert "filtered" in started["cause"]
        assert healed["other_mac"] == lab_[other].mac
        assert instance(proc)["counters"]["split_brain_events"] == 1
    # r2 left MASTER when it heard r1 again; r1 stayed master and saw r2's claims stop
    assert logged(r2)[1]["reason"].startswith("we left MASTER (higher priority 150")
    assert "stopped claiming" in logged(r1)[1]["reason"]


def assert_client_reaches(lab_, vip: str, host: str) -> None:
    prober = lab_.probe(vip).start()
    time.sleep(0.5)
    result = prober.stop()
    assert result.received > 0 and result.last_mac == lab_[host].mac, result


def test_vrrp_partition_gives_one_event_per_side_and_one_heal(lab):
    lab_ = lab()
    start_broker(lab_)
    watch = start_watch(lab_, "vrrpd/+/+/split_brain")
    r1, r2 = start_pair(lab_, extra=mqtt_section())
    partition_and_heal(lab_, r1, r2, VIP4)
    assert_one_episode_each(lab_, r1, r2, VIP4)
    assert "224.0.0.18" in logged(r1)[0]["cause"]
    assert_client_reaches(lab_, VIP4, "r1")
    for router, other in (("r1", "r2"), ("r2", "r1")):
        wait_until(
            lambda router=router: len(published(watch, router)) >= 2,
            5,
            message=f"{router}: two MQTT messages",
        )
        messages = published(watch, router)
        assert [m["payload"]["event"] for m in messages] == list(EVENTS)
        assert not any(m["retain"] for m in messages)
        assert messages[0]["payload"]["other"]["mac"] == lab_[other].mac
        assert messages[0]["payload"]["instance"] == "VI_1"


def test_ipv6_partition_is_seen_through_neighbour_advertisements(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_, vips=(f"{VIP6}/64",))
    partition_and_heal(lab_, r1, r2, VIP6)
    assert_one_episode_each(lab_, r1, r2, VIP6)
    assert "ff02::12" in logged(r1)[0]["cause"]
    assert_client_reaches(lab_, VIP6, "r1")


def test_failover_and_preemption_report_no_split_brain(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    assert stop(r1) == 0  # a clean stop: priority 0, VIPs released
    wait_state(r2, "MASTER")
    time.sleep(0.5)  # r2's takeover probe finds nobody holding the VIP
    r1 = lab_.start_vrrpd("r1", r1.files["config"].read_text())
    wait_state(r1, "MASTER")  # preempts r2 back
    wait_state(r2, "BACKUP")
    time.sleep(1.5)  # the whole GARP schedule of both, and many probe intervals
    assert logged(r1) == [] and logged(r2) == []
    assert instance(r1)["split_brain"] is None and instance(r2)["split_brain"] is None
    assert instance(r2)["counters"]["split_brain_events"] == 0
