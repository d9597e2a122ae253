"""Home Assistant MQTT discovery with a real mosquitto in the lab: the config topics a consumer
subscribes to appear (retained), the state they point at follows a failover, availability is
the Will, and an instance removed on reload has its configs emptied."""

from __future__ import annotations

import signal

import pytest
from mqtt_support import mqtt_section, retained, start_broker, wait_retained
from netns_lab import wait_until
from vrrpd_support import vrrpd_conf, wait_state

pytestmark = pytest.mark.lab

DISCOVERY = "discovery = true\n"


def configs(lab_) -> dict:
    return retained(lab_, "homeassistant/#")


def configs_once(lab_, accept, message: str) -> dict:
    def check() -> dict | None:
        found = configs(lab_)
        return found if accept(found) else None

    return wait_until(check, 10, 0.1, message=message)


def sensor(router: str, name: str = "VI_1") -> str:
    return f"homeassistant/sensor/vrrpd_{router}/{name}_state/config"


def binary(router: str, name: str = "VI_1") -> str:
    return f"homeassistant/binary_sensor/vrrpd_{router}/{name}_master/config"


def test_discovery_follows_failover_and_reload(lab):
    lab_ = lab()
    start_broker(lab_)
    extra = mqtt_section() + DISCOVERY
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1", extra=extra))
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2", extra=extra))
    wait_state(r1, "MASTER")
    wait_state(r2, "BACKUP")

    found = configs_once(lab_, lambda c: len(c) == 4, "four discovery configs")
    for router in ("r1", "r2"):
        state_cfg, master_cfg = found[sensor(router)], found[binary(router)]
        assert state_cfg["state_topic"] == master_cfg["state_topic"] == f"vrrpd/{router}/VI_1/state"
        assert state_cfg["availability_topic"] == f"vrrpd/{router}/availability"
        assert state_cfg["device"]["identifiers"] == [f"vrrpd_{router}"]
        assert state_cfg["value_template"] == "{{ value_json.state }}"
    # what Home Assistant renders from the state topic each config points at
    wait_retained(lab_, lambda m: m.get("vrrpd/r1/VI_1/state", {}).get("state") == "MASTER"
                  and m.get("vrrpd/r2/VI_1/state", {}).get("state") == "BACKUP",
                  what="r1 MASTER, r2 BACKUP")

    lab_.port_down("r1")  # failover (r1 is cut from the broker too): r2's entities follow
    wait_state(r2, "MASTER")
    kept = wait_retained(
        lab_,
        lambda m: m.get("vrrpd/r2/VI_1/state", {}).get("state") == "MASTER",
        what="r2 MASTER",
    )
    assert kept["vrrpd/r2/VI_1/state"]["old_state"] == "BACKUP"
    lab_.port_up("r1")
    wait_state(r1, "MASTER")

    # r2's instance is replaced on reload: VI_1's entities go, VI_2's appear (another VRID:
    # a reload adds new instances before it removes old ones, so one VRID cannot move names)
    r2.files["config"].write_text(
        vrrpd_conf(name="VI_2", vrid=52, priority=100, router_id="r2", extra=extra))
    r2.signal(signal.SIGHUP, group=False)
    wait_state(r2, "MASTER", name="VI_2")
    after = configs_once(
        lab_, lambda c: binary("r2", "VI_2") in c and sensor("r2") not in c, "VI_1 gone, VI_2 in")
    assert sorted(after) == sorted(
        [sensor("r1"), binary("r1"), sensor("r2", "VI_2"), binary("r2", "VI_2")])

    # the Will: a killed daemon's entities become unavailable
    lab_.kill(r1, signal.SIGKILL)
    wait_retained(lab_, lambda m: m.get("vrrpd/r1/availability") == "offline",
                  what="r1 offline by its Will")
