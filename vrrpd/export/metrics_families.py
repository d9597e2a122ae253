"""Which metric families a scrape has, from the status JSON: name, type, help, samples.

One table per scope (daemon, instance counters, instance gauges) so adding a status counter
is adding a line. Names follow Prometheus conventions: `_total` counters, `_seconds` units,
0/1 gauges for states, `vrrp_instance` as the instance label (vrrpd.export.metrics).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from vrrpd.protocol.vocabulary import RECEIVE_PATH_ONLY, DropReason, State

# every reason the codec or the state machine can give, so the series exist (at 0) from start;
# reasons found only by the daemon (bad_ttl, unknown_peer) appear once seen
KNOWN_DROP_REASONS = tuple(sorted(r.value for r in DropReason if r not in RECEIVE_PATH_ONLY))
LABEL = "vrrp_instance"

Labels = dict[str, str]
Sample = tuple[Labels, float | int | bool]
Family = tuple[str, str, str, list[Sample]]

# status counter key -> (metric name, help)
INSTANCE_COUNTERS = {
    "adverts_sent": ("vrrpd_adverts_sent_total", "VRRP advertisements sent."),
    "adverts_received": (
        "vrrpd_adverts_received_total",
        "VRRP advertisements received and accepted for processing.",
    ),
    "send_errors": ("vrrpd_advert_send_errors_total", "Advertisements the kernel refused."),
    "garp_sent": ("vrrpd_garp_sent_total", "Gratuitous ARP / unsolicited NA frames sent."),
    "vip_readded": (
        "vrrpd_vip_readded_total",
        "VIPs removed from outside while master and added back.",
    ),
    "routes_readded": (
        "vrrpd_routes_readded_total",
        "Virtual routes and rules removed from outside while master and restored.",
    ),
    "route_errors": ("vrrpd_route_errors_total", "Route or rule installs the kernel refused."),
    "hooks_run": ("vrrpd_hooks_run_total", "Notify hook programs started."),
    "hooks_failed": (
        "vrrpd_hooks_failed_total",
        "Notify hooks that exited non-zero, were killed by a signal or could not start.",
    ),
    "hooks_timed_out": (
        "vrrpd_hooks_timed_out_total",
        "Notify hooks killed at notify_timeout.",
    ),
    "hooks_dropped": (
        "vrrpd_hooks_dropped_total",
        "Transitions whose hooks never ran (queue full, or at stop).",
    ),
    "split_brain_events": (
        "vrrpd_split_brain_events_total",
        "Split-brain episodes detected (another master claiming our VIPs or advertising).",
    ),
}
# status key -> (metric name, type, help)
INSTANCE_GAUGES = {
    "priority": ("vrrpd_instance_priority", "gauge", "Effective priority (0..255)."),
    "base_priority": ("vrrpd_instance_base_priority", "gauge", "Configured priority (1..255)."),
    "transitions": ("vrrpd_instance_transitions_total", "counter", "State changes since start."),
    "advert_int": (
        "vrrpd_instance_advert_interval_seconds", "gauge", "Configured advertisement interval.",
    ),
    "master_advert_int": (
        "vrrpd_instance_master_advert_interval_seconds",
        "gauge",
        "Master_Adver_Interval: the master's advertised interval (v3), else ours.",
    ),
    "master_down_interval": (
        "vrrpd_instance_master_down_interval_seconds",
        "gauge",
        "Master_Down_Interval: silence after which a backup takes over.",
    ),
    "skew_time": ("vrrpd_instance_skew_time_seconds", "gauge", "Skew_Time (RFC 5798 6.1)."),
}
SCRIPT_COUNTERS = {
    "runs": ("vrrpd_script_runs_total", "Tracking script runs."),
    "failures": ("vrrpd_script_failures_total", "Tracking script runs that failed."),
    "timeouts": ("vrrpd_script_timeouts_total", "Tracking script runs killed at their timeout."),
}
GROUP_COUNTERS = {
    "hooks_run": ("vrrpd_sync_group_hooks_run_total", "Sync-group notify hooks started."),
    "hooks_failed": ("vrrpd_sync_group_hooks_failed_total", "Sync-group notify hooks failed."),
    "hooks_timed_out": (
        "vrrpd_sync_group_hooks_timed_out_total",
        "Sync-group notify hooks killed at their timeout.",
    ),
    "hooks_dropped": (
        "vrrpd_sync_group_hooks_dropped_total",
        "Sync-group transitions whose hooks never ran.",
    ),
}


def _family_label(inst: Mapping[str, Any]) -> str:
    family = inst.get("family")
    if family in (4, 6):
        return f"ipv{family}"
    vips = inst.get("vips") or [""]
    return "ipv6" if ":" in str(vips[0]) else "ipv4"


def instance_families(instances: Sequence[Mapping[str, Any]]) -> Iterator[Family]:
    def each(key: str) -> list[Sample]:
        return [({LABEL: i["name"]}, i[key]) for i in instances if i.get(key) is not None]

    def counter(key: str) -> list[Sample]:
        return [({LABEL: i["name"]}, i.get("counters", {}).get(key, 0)) for i in instances]

    yield (
        "vrrpd_instance_info",
        "gauge",
        "One series per instance (always 1) with its VRID, interface, family and version.",
        [
            (
                {
                    LABEL: i["name"],
                    "vrid": str(i.get("virtual_router_id", "")),
                    "interface": str(i.get("interface", "")),
                    "family": _family_label(i),
                    "version": str(i.get("version", "")),
                },
                1,
            )
            for i in instances
        ],
    )
    yield (
        "vrrpd_instance_state",
        "gauge",
        "1 for the state the instance is in, 0 for the others.",
        [({LABEL: i["name"], "state": s.value}, i["state"] == s.value) for i in instances
         for s in State],
    )
    for key, (name, kind, help_text) in INSTANCE_GAUGES.items():
        yield name, kind, help_text, each(key)
    yield (
        "vrrpd_instance_last_transition_timestamp_seconds",
        "gauge",
        "Unix time of the instance's last state change.",
        [({LABEL: i["name"]}, i["since"]) for i in instances if i.get("since")],
    )
    yield (
        "vrrpd_instance_preempt",
        "gauge",
        "1 when the instance preempts a lower-priority master.",
        [({LABEL: i["name"]}, bool(i["preempt"])) for i in instances if "preempt" in i],
    )
    for key, (name, help_text) in INSTANCE_COUNTERS.items():
        yield name, "counter", help_text, counter(key)
    yield (
        "vrrpd_adverts_dropped_total",
        "counter",
        "VRRP advertisements received and dropped, by reason.",
        [
            ({LABEL: i["name"], "reason": reason}, seen.get(reason, 0))
            for i in instances
            for seen in [i.get("counters", {}).get("dropped", {})]
            for reason in sorted(set(KNOWN_DROP_REASONS) | set(seen))
        ],
    )
    yield (
        "vrrpd_adverts_checksum_form_total",
        "counter",
        "Accepted v3 IPv4 adverts by checksum form (with or without the pseudo-header).",
        [
            ({LABEL: i["name"], "form": form}, n)
            for i in instances
            for form, n in sorted(i.get("counters", {}).get("checksum_forms", {}).items())
        ],
    )
    yield (
        "vrrpd_adverts_noted_total",
        "counter",
        "Adverts acted on but worth a look (e.g. a v3 master changing its interval), by reason.",
        [
            ({LABEL: i["name"], "reason": reason}, n)
            for i in instances
            for reason, n in sorted(i.get("counters", {}).get("noted", {}).items())
        ],
    )
    yield (
        "vrrpd_split_brain_active",
        "gauge",
        "1 while a split-brain episode is open (another master for this instance).",
        [({LABEL: i["name"]}, i.get("split_brain") is not None) for i in instances],
    )
    yield from _tracking_families(instances)


def _tracking_families(instances: Sequence[Mapping[str, Any]]) -> Iterator[Family]:
    tracked = [(i["name"], t) for i in instances for t in i.get("tracking") or []]

    def labels(instance: str, t: Mapping[str, Any]) -> Labels:
        return {LABEL: instance, "kind": str(t["kind"]), "tracked": str(t["name"])}

    yield (
        "vrrpd_tracked_object_up",
        "gauge",
        "1 when a tracked interface/script is up or a tracked file is ok; 0 otherwise.",
        [(labels(n, t), t["state"] in ("up", "ok")) for n, t in tracked],
    )
    yield (
        "vrrpd_tracked_object_priority_effect",
        "gauge",
        "What the tracked object adds to the instance's base priority now.",
        [(labels(n, t), int(t.get("effect", 0))) for n, t in tracked],
    )
    yield (
        "vrrpd_tracked_object_fault",
        "gauge",
        "1 when the tracked object holds the instance in FAULT.",
        [(labels(n, t), bool(t.get("fault"))) for n, t in tracked],
    )


def daemon_families(status: Mapping[str, Any]) -> Iterator[Family]:
    yield (
        "vrrpd_info",
        "gauge",
        "vrrpd version and router id (always 1).",
        [({"version": status.get("version", ""), "router_id": status.get("router_id", "")}, 1)],
    )
    yield (
        "vrrpd_start_time_seconds",
        "gauge",
        "Unix time the daemon started.",
        [({}, status["started"])] if "started" in status else [],
    )
    yield (
        "vrrpd_socket_dropped_total",
        "counter",
        "Packets dropped before reaching an instance (socket ifindex/family), by reason.",
        [
            ({"socket": sock, "reason": reason}, count)
            for sock, reasons in sorted(status.get("socket_drops", {}).items())
            for reason, count in sorted(reasons.items())
        ],
    )
    lag = status.get("loop_lag")
    if isinstance(lag, Mapping):
        for key, value in sorted(lag.items()):
            if isinstance(value, int | float) and not isinstance(value, bool):
                name = f"vrrpd_loop_lag_{key}" if key.endswith("seconds") else f"vrrpd_loop_{key}"
                yield name, "gauge", f"Event-loop lag: {key}.", [({}, value)]
    scripts = status.get("scripts") or []
    yield (
        "vrrpd_script_up",
        "gauge",
        "1 while a tracking script's last verdict is up (0 down or not yet known).",
        [({"script": s["name"]}, s.get("state") == "up") for s in scripts],
    )
    for key, (name, help_text) in SCRIPT_COUNTERS.items():
        yield name, "counter", help_text, [({"script": s["name"]}, s.get(key, 0)) for s in scripts]
    groups = status.get("sync_groups") or []
    yield (
        "vrrpd_sync_group_state",
        "gauge",
        "1 for the state the sync group is in, 0 for the others.",
        [({"sync_group": g["name"], "state": s.value}, g.get("state") == s.value)
         for g in groups for s in State],
    )
    yield (
        "vrrpd_sync_group_transitions_total",
        "counter",
        "Sync-group state changes since start.",
        [({"sync_group": g["name"]}, g.get("transitions", 0)) for g in groups],
    )
    for key, (name, help_text) in GROUP_COUNTERS.items():
        yield name, "counter", help_text, [
            ({"sync_group": g["name"]}, (g.get("counters") or {}).get(key, 0)) for g in groups
        ]
    yield from _mqtt_families(status.get("mqtt"))
    fifo = status.get("notify_fifo")
    if fifo:
        yield "vrrpd_notify_fifo_lines_total", "counter", (
            "Lines for the notify FIFO, by outcome (dropped: nobody read and the pipe was full)."
        ), [({"outcome": "written"}, fifo["written"]), ({"outcome": "dropped"}, fifo["dropped"])]


def _mqtt_families(mqtt: Mapping[str, Any] | None) -> Iterator[Family]:
    if not mqtt:
        return
    yield "vrrpd_mqtt_connected", "gauge", "1 while connected to the MQTT broker.", [
        ({}, bool(mqtt["connected"]))
    ]
    yield "vrrpd_mqtt_published_total", "counter", "MQTT messages the broker acked.", [
        ({}, mqtt["published"])
    ]
    yield "vrrpd_mqtt_dropped_total", "counter", (
        "MQTT messages dropped because the queue was full."
    ), [({}, mqtt["dropped"])]
    yield "vrrpd_mqtt_reconnects_total", "counter", "MQTT reconnections after the first.", [
        ({}, mqtt["reconnects"])
    ]
    if "queued" in mqtt:
        yield "vrrpd_mqtt_queue_length", "gauge", "MQTT messages waiting to be sent.", [
            ({}, mqtt["queued"])
        ]
