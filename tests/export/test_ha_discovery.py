"""Home Assistant MQTT discovery: the config payloads, and their life on a real mosquitto
(announced, re-announced after a broker restart, emptied when the instance goes)."""

from __future__ import annotations

import asyncio

import aiomqtt

from tests.export.test_mqtt import (  # the private-broker helpers
    FAST,
    TEST_TIMEOUT,
    aio,
    broker,  # noqa: F401 - pytest fixture
    mqtt_config,
    retained,
    settled,
    state,
    until,
)
from vrrpd.export.ha_discovery import Discovery, object_id
from vrrpd.export.mqtt import MqttPublisher

SENSOR = "homeassistant/sensor/vrrpd_r1/VI_1_state/config"
BINARY = "homeassistant/binary_sensor/vrrpd_r1/VI_1_master/config"


def test_payloads():
    d = Discovery("homeassistant", "r1", "t/r1/availability")
    (sensor_topic, sensor), (binary_topic, binary) = d.configs("VI_1", "t/r1/VI_1/state")
    assert (sensor_topic, binary_topic) == (SENSOR, BINARY)
    for payload in (sensor, binary):
        assert payload["state_topic"] == "t/r1/VI_1/state"
        assert payload["availability_topic"] == "t/r1/availability"
        assert payload["device"]["identifiers"] == ["vrrpd_r1"]
    assert sensor["value_template"] == "{{ value_json.state }}"
    assert sensor["options"] == ["INIT", "BACKUP", "MASTER", "FAULT"]
    assert sensor["unique_id"] == "vrrpd_r1_VI_1_state" != binary["unique_id"]
    assert (binary["payload_on"], binary["payload_off"]) == ("ON", "OFF")


def test_ids_are_topic_safe():
    assert object_id("lb-a.example/x y") == "lb-a_example_x_y"
    d = Discovery("ha", "lb.a", "a")
    assert d.topics("web vip") == ("ha/sensor/vrrpd_lb_a/web_vip_state/config",
                                   "ha/binary_sensor/vrrpd_lb_a/web_vip_master/config")


@aio(TEST_TIMEOUT)
async def test_off_by_default(broker):  # noqa: F811
    publisher = MqttPublisher(mqtt_config(broker.port), "r1", **FAST)
    publisher.start()
    publisher.publish_discovery("VI_1")
    publisher.publish_transition("VI_1", state("MASTER", "BACKUP"))
    await until(lambda: settled(publisher), what="sent")
    assert not [t for t in await retained(broker.port, "homeassistant/#", wait=1.0)]
    await publisher.close()


@aio(TEST_TIMEOUT)
async def test_announced_kept_after_broker_restart_and_removed(broker):  # noqa: F811
    cfg = mqtt_config(broker.port, discovery=True)
    publisher = MqttPublisher(cfg, "r1", **FAST)
    publisher.start()
    publisher.publish_discovery("VI_1")
    publisher.publish_discovery("VI_2")
    publisher.publish_transition("VI_1", state("MASTER", "BACKUP"))
    await until(lambda: settled(publisher), what="sent")
    kept = await retained(broker.port, "homeassistant/#", wait=1.0)
    assert kept[SENSOR]["state_topic"] == "t/r1/VI_1/state" and BINARY in kept
    assert len(kept) == 4
    broker.stop()  # no persistence: every retained message is gone
    await until(lambda: not publisher.connected, what="disconnect")
    broker.start()
    # connected is not enough: the re-publish of everything retained follows the connect
    await until(lambda: settled(publisher),
                what="again")
    assert len(await retained(broker.port, "homeassistant/#", wait=1.0)) == 4
    publisher.remove_discovery("VI_2")
    publisher.remove_discovery("VI_3")  # never announced: nothing to remove
    await until(lambda: publisher.stats()["queued"] == 0, what="removal sent")
    await asyncio.sleep(0.1)
    kept = await retained(broker.port, "homeassistant/#", wait=1.0)
    assert sorted(kept) == sorted([SENSOR, BINARY])
    await publisher.close()
    assert (await retained(broker.port))["t/r1/availability"] == "offline"  # the entities' Will


@aio(TEST_TIMEOUT)
async def test_empty_retained_payload_is_what_removes(broker):  # noqa: F811
    publisher = MqttPublisher(mqtt_config(broker.port, discovery=True), "r1", **FAST)
    got = []
    async with aiomqtt.Client("127.0.0.1", broker.port, timeout=2) as sub:
        await sub.subscribe("homeassistant/#", qos=1)
        publisher.start()
        publisher.publish_discovery("VI_1")
        publisher.remove_discovery("VI_1")
        async with asyncio.timeout(5):
            async for msg in sub.messages:
                got.append((str(msg.topic), bytes(msg.payload)))
                if len(got) == 4:
                    break
    assert [payload for _, payload in got[2:]] == [b"", b""]
    assert {topic for topic, _ in got} == {SENSOR, BINARY}
    await publisher.close()
