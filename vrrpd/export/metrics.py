"""Prometheus text exposition format (version 0.0.4) rendered from the status JSON.

Hand-written rather than built with prometheus-client: a dozen families do not need a
library, and rendering the daemon's own `status()` snapshot on the event loop gives one
consistent view without a collector thread reading counters the loop is changing. The
tests check the output with prometheus-client's parser.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from vrrpd.protocol.vocabulary import RECEIVE_PATH_ONLY, DropReason, State

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# every reason the codec or the state machine can give, so the series exist (at 0) from start;
# reasons found only by the daemon (bad_ttl, unknown_peer) appear once seen
KNOWN_DROP_REASONS = tuple(sorted(r.value for r in DropReason if r not in RECEIVE_PATH_ONLY))

Labels = dict[str, str]
Sample = tuple[Labels, float | int | bool]


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float | int | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def family(name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> str:
    """One metric family: HELP, TYPE and its samples ("" when it has no samples)."""
    lines = []
    for labels, value in samples:
        inner = ",".join(f'{key}="{_escape_label(str(val))}"' for key, val in labels.items())
        lines.append(f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}")
    if not lines:
        return ""
    help_line = help_text.replace("\\", "\\\\").replace("\n", "\\n")
    return f"# HELP {name} {help_line}\n# TYPE {name} {kind}\n" + "\n".join(lines) + "\n"


def _per_instance(instances: list[dict], key: str) -> list[Sample]:
    return [({"instance": inst["name"]}, inst[key]) for inst in instances]


def _counter(instances: list[dict], key: str) -> list[Sample]:
    return [({"instance": inst["name"]}, inst["counters"].get(key, 0)) for inst in instances]


def render(status: dict[str, Any]) -> str:
    """The whole scrape for one daemon, from `Daemon.status()`."""
    instances = status.get("instances", [])
    parts = [
        family(
            "vrrpd_info",
            "gauge",
            "vrrpd version and router id (always 1).",
            [({"version": status.get("version", ""), "router_id": status.get("router_id", "")}, 1)],
        ),
        family(
            "vrrpd_start_time_seconds",
            "gauge",
            "Unix time the daemon started.",
            [({}, status["started"])] if "started" in status else [],
        ),
        family(
            "vrrpd_instance_state",
            "gauge",
            "1 for the state the instance is in, 0 for the others.",
            [
                ({"instance": inst["name"], "state": state.value}, inst["state"] == state.value)
                for inst in instances
                for state in State
            ],
        ),
        family(
            "vrrpd_instance_priority",
            "gauge",
            "Effective priority (0..255).",
            _per_instance(instances, "priority"),
        ),
        family(
            "vrrpd_instance_base_priority",
            "gauge",
            "Configured priority (1..255).",
            _per_instance(instances, "base_priority"),
        ),
        family(
            "vrrpd_instance_last_transition_timestamp_seconds",
            "gauge",
            "Unix time of the instance's last state change.",
            [({"instance": i["name"]}, i["since"]) for i in instances if i.get("since")],
        ),
        family(
            "vrrpd_instance_transitions_total",
            "counter",
            "State changes since start.",
            _per_instance(instances, "transitions"),
        ),
        family(
            "vrrpd_adverts_sent_total",
            "counter",
            "VRRP advertisements sent.",
            _counter(instances, "adverts_sent"),
        ),
        family(
            "vrrpd_adverts_received_total",
            "counter",
            "VRRP advertisements received and accepted for processing.",
            _counter(instances, "adverts_received"),
        ),
        family(
            "vrrpd_adverts_dropped_total",
            "counter",
            "VRRP advertisements received and dropped, by reason.",
            _drops(instances),
        ),
        family(
            "vrrpd_advert_send_errors_total",
            "counter",
            "Advertisements the kernel refused.",
            _counter(instances, "send_errors"),
        ),
        family(
            "vrrpd_garp_sent_total",
            "counter",
            "Gratuitous ARP / unsolicited NA frames sent.",
            _counter(instances, "garp_sent"),
        ),
        family(
            "vrrpd_vip_readded_total",
            "counter",
            "VIPs removed from outside while master and added back.",
            _counter(instances, "vip_readded"),
        ),
        family(
            "vrrpd_socket_dropped_total",
            "counter",
            "Packets dropped before reaching an instance (socket ifindex/family), by reason.",
            [
                ({"socket": sock, "reason": reason}, count)
                for sock, reasons in sorted(status.get("socket_drops", {}).items())
                for reason, count in sorted(reasons.items())
            ],
        ),
    ]
    mqtt = status.get("mqtt")
    if mqtt:
        parts += [
            family(
                "vrrpd_mqtt_connected",
                "gauge",
                "1 while connected to the MQTT broker.",
                [({}, bool(mqtt["connected"]))],
            ),
            family(
                "vrrpd_mqtt_published_total",
                "counter",
                "MQTT messages the broker acked.",
                [({}, mqtt["published"])],
            ),
            family(
                "vrrpd_mqtt_dropped_total",
                "counter",
                "MQTT messages dropped because the queue was full.",
                [({}, mqtt["dropped"])],
            ),
            family(
                "vrrpd_mqtt_reconnects_total",
                "counter",
                "MQTT reconnections after the first.",
                [({}, mqtt["reconnects"])],
            ),
        ]
    return "".join(parts)


def _drops(instances: list[dict]) -> list[Sample]:
    samples: list[Sample] = []
    for inst in instances:
        seen = inst["counters"].get("dropped", {})
        for reason in sorted(set(KNOWN_DROP_REASONS) | set(seen)):
            samples.append(({"instance": inst["name"], "reason": reason}, seen.get(reason, 0)))
    return samples
