"""Home Assistant MQTT discovery: the retained config messages that make each instance appear.

Opt-in (`[mqtt] discovery = true`). One device per router (daemon); per instance a `sensor`
(its state, from the retained `<instance>/state` topic, which it also uses for attributes) and
a `binary_sensor` (on while MASTER). Both take availability from the router's `availability`
topic, whose Will says "offline" when the daemon dies. Topics follow HA's
`<discovery_prefix>/<component>/<node_id>/<object_id>/config`; an instance that is no longer
configured gets an empty retained payload on each, which removes the entity.
Pure: builds (topic, payload) pairs; vrrpd.export.mqtt publishes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vrrpd import __version__

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
STATES = ("INIT", "BACKUP", "MASTER", "FAULT")


def object_id(text: str) -> str:
    """HA node/object ids may only hold [A-Za-z0-9_-]."""
    return _UNSAFE.sub("_", text)


@dataclass(frozen=True, slots=True)
class Discovery:
    prefix: str  # discovery_prefix, e.g. "homeassistant"
    router_id: str
    availability_topic: str

    @property
    def node(self) -> str:
        return f"vrrpd_{object_id(self.router_id)}"

    def device(self) -> dict[str, Any]:
        return {
            "identifiers": [self.node],
            "name": f"vrrpd {self.router_id}",
            "manufacturer": "vrrpd",
            "model": "VRRP router",
            "sw_version": __version__,
        }

    def topics(self, instance: str) -> tuple[str, str]:
        """The (sensor, binary_sensor) config topics of `instance`."""
        obj = object_id(instance)
        return (
            f"{self.prefix}/sensor/{self.node}/{obj}_state/config",
            f"{self.prefix}/binary_sensor/{self.node}/{obj}_master/config",
        )

    def configs(self, instance: str, state_topic: str) -> list[tuple[str, dict[str, Any]]]:
        """The retained config messages announcing `instance` (state in `state_topic`)."""
        sensor_topic, binary_topic = self.topics(instance)
        common = {
            "state_topic": state_topic,
            "json_attributes_topic": state_topic,
            "availability_topic": self.availability_topic,
            "payload_available": "online",
            "payload_not_available": "offline",
            "device": self.device(),
        }
        uid = f"{self.node}_{object_id(instance)}"
        return [
            (
                sensor_topic,
                {
                    "name": f"{instance} state",
                    "unique_id": f"{uid}_state",
                    "object_id": f"{uid}_state",
                    "value_template": "{{ value_json.state }}",
                    "device_class": "enum",
                    "options": list(STATES),
                    "icon": "mdi:router-network",
                    **common,
                },
            ),
            (
                binary_topic,
                {
                    "name": f"{instance} master",
                    "unique_id": f"{uid}_master",
                    "object_id": f"{uid}_master",
                    "value_template": "{{ 'ON' if value_json.state == 'MASTER' else 'OFF' }}",
                    "payload_on": "ON",
                    "payload_off": "OFF",
                    "icon": "mdi:crown",
                    **common,
                },
            ),
        ]
