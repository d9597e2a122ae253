"""The Prometheus text rendering, checked with prometheus-client's own parser as the oracle."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from vrrpd.export.metrics import KNOWN_DROP_REASONS, family, render


def instance_status(name: str = "VI_1", state: str = "MASTER", **over) -> dict:
    status = {
        "name": name,
        "state": state,
        "priority": 150,
        "base_priority": 150,
        "since": 1700000000.25,
        "transitions": 2,
        "counters": {
            "adverts_sent": 40,
            "adverts_received": 3,
            "adverts_dropped": 2,
            "dropped": {"bad_ttl": 1, "bad_checksum": 1},
            "garp_sent": 6,
            "send_errors": 0,
            "vip_readded": 1,
        },
    }
    return {**status, **over}


def daemon_status(*instances: dict, mqtt: dict | None = None, socket_drops=None) -> dict:
    return {
        "version": "0.1.0",
        "router_id": "lb-a",
        "pid": 1,
        "started": 1699999999.0,
        "instances": list(instances),
        "socket_drops": socket_drops or {},
        "mqtt": mqtt,
    }


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value, every family parsed by prometheus-client."""
    found = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in found, f"duplicate sample {key}"
            found[key] = s.value
    return found


def value(parsed: dict, name: str, **labels) -> float:
    return parsed[(name, tuple(sorted(labels.items())))]


def test_per_instance_metrics():
    text = render(daemon_status(instance_status(), instance_status("VI_2", "BACKUP", priority=90)))
    parsed = samples(text)
    for state in ("INIT", "BACKUP", "MASTER", "FAULT"):
        assert value(parsed, "vrrpd_instance_state", vrrp_instance="VI_1", state=state) == (
            state == "MASTER"
        )
        assert value(parsed, "vrrpd_instance_state", vrrp_instance="VI_2", state=state) == (
            state == "BACKUP"
        )
    assert value(parsed, "vrrpd_instance_priority", vrrp_instance="VI_2") == 90
    assert value(parsed, "vrrpd_instance_base_priority", vrrp_instance="VI_2") == 150
    assert value(parsed, "vrrpd_instance_transitions_total", vrrp_instance="VI_1") == 2
    assert value(parsed, "vrrpd_adverts_sent_total", vrrp_instance="VI_1") == 40
    assert value(parsed, "vrrpd_adverts_received_total", vrrp_instance="VI_1") == 3
    assert value(parsed, "vrrpd_garp_sent_total", vrrp_instance="VI_1") == 6
    assert value(parsed, "vrrpd_vip_readded_total", vrrp_instance="VI_1") == 1
    assert value(parsed, "vrrpd_advert_send_errors_total", vrrp_instance="VI_1") == 0
    assert (
        value(parsed, "vrrpd_instance_last_transition_timestamp_seconds", vrrp_instance="VI_1")
        == 1700000000.25
    )
    assert value(parsed, "vrrpd_info", version="0.1.0", router_id="lb-a") == 1
    assert value(parsed, "vrrpd_start_time_seconds") == 1699999999.0


def test_drops_by_reason_known_ones_start_at_zero():
    parsed = samples(render(daemon_status(instance_status())))
    drops = "vrrpd_adverts_dropped_total"
    assert value(parsed, drops, vrrp_instance="VI_1", reason="bad_ttl") == 1
    assert value(parsed, drops, vrrp_instance="VI_1", reason="bad_checksum") == 1
    for reason in KNOWN_DROP_REASONS:
        assert (
            "vrrpd_adverts_dropped_total",
            tuple(sorted({"vrrp_instance": "VI_1", "reason": reason}.items())),
        ) in parsed
    assert value(parsed, "vrrpd_adverts_dropped_total", vrrp_instance="VI_1", reason="short") == 0


def test_types_and_help_lines():
    families = {
        f.name: f
        for f in text_string_to_metric_families(
            render(
                daemon_status(
                    instance_status(),
                    mqtt={"connected": True, "published": 5, "dropped": 0, "reconnects": 1},
                )
            )
        )
    }
    assert families["vrrpd_instance_state"].type == "gauge"
    assert families["vrrpd_adverts_sent"].type == "counter"
    assert families["vrrpd_mqtt_reconnects"].type == "counter"
    assert all(f.documentation for f in families.values())


def test_mqtt_metrics_only_with_mqtt():
    assert "vrrpd_mqtt" not in render(daemon_status(instance_status()))
    parsed = samples(
        render(
            daemon_status(mqtt={"connected": False, "published": 7, "dropped": 2, "reconnects": 3})
        )
    )
    assert value(parsed, "vrrpd_mqtt_connected") == 0
    assert value(parsed, "vrrpd_mqtt_published_total") == 7
    assert value(parsed, "vrrpd_mqtt_dropped_total") == 2
    assert value(parsed, "vrrpd_mqtt_reconnects_total") == 3


def test_socket_drops():
    parsed = samples(render(daemon_status(socket_drops={"2/4": {"unknown_vrid": 4}})))
    assert value(parsed, "vrrpd_socket_dropped_total", socket="2/4", reason="unknown_vrid") == 4


def test_no_instances_and_no_since():
    text = render(daemon_status(instance_status(since=None)))
    assert "vrrpd_instance_last_transition_timestamp_seconds" not in text
    assert "vrrpd_instance_state" not in render(daemon_status())
    assert render(daemon_status()).endswith("\n")


@pytest.mark.parametrize("name", ['we"ird', "back\\slash", "new\nline", "ünï"])
def test_label_values_are_escaped(name):
    parsed = samples(render(daemon_status(instance_status(name))))
    assert value(parsed, "vrrpd_instance_priority", vrrp_instance=name) == 150


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (True, "1"),
        (False, "0"),
        (7, "7"),
        (0.5, "0.5"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
        (float("nan"), "NaN"),
    ],
)
def test_number_formats(number, text):
    assert family("x", "gauge", "h", [({}, number)]).splitlines()[-1] == f"x {text}"


def test_help_text_is_escaped_and_empty_family_is_omitted():
    assert family("x", "gauge", "a\\b\nc", [({}, 1)]).splitlines()[0] == "# HELP x a\\\\b\\nc"
    assert family("x", "gauge", "h", []) == ""


FULL_INSTANCE = instance_status(
    virtual_router_id=51, interface="eth0", version=3, family=6, vips=["2001:db8::100/64"],
    advert_int=1.0, master_advert_int=0.5, master_down_interval=1.7, skew_time=0.2,
    preempt=True, split_brain={"since": 1.0, "other": {"ip": "192.0.2.12", "mac": None}},
    tracking=[{"name": "eth1", "kind": "interface", "state": "down", "weight": 0,
               "effect": 0, "fault": True},
              {"name": "chk", "kind": "script", "state": "up", "weight": -20,
               "effect": 0, "fault": False}],
    counters={**instance_status()["counters"], "routes_readded": 2, "route_errors": 1,
              "hooks_run": 5, "hooks_failed": 1, "hooks_timed_out": 1, "hooks_dropped": 3,
              "split_brain_events": 4, "checksum_forms": {"pseudo_header": 9},
              "noted": {"interval_changed": 2}},
)
FULL_DAEMON = {
    **daemon_status(FULL_INSTANCE, mqtt={"connected": True, "published": 1, "dropped": 2,
                                         "reconnects": 0, "queued": 7}),
    "scripts": [{"name": "chk", "state": "up", "runs": 10, "failures": 2, "timeouts": 1}],
    "sync_groups": [{"name": "G1", "state": "MASTER", "transitions": 3,
                     "counters": {"hooks_run": 1, "hooks_failed": 0, "hooks_timed_out": 0,
                                  "hooks_dropped": 0}}],
    "loop_lag": {"max_seconds": 0.012, "last_seconds": 0.001},
}


def test_no_label_is_named_instance():
    for fam in text_string_to_metric_families(render(FULL_DAEMON)):
        for s in fam.samples:
            assert "instance" not in s.labels, s


def test_info_metric_and_every_status_counter():
    parsed = samples(render(FULL_DAEMON))
    one = {"vrrp_instance": "VI_1"}
    assert value(parsed, "vrrpd_instance_info", vrrp_instance="VI_1", vrid="51",
                 interface="eth0", family="ipv6", version="3") == 1
    for name, expected in [
        ("vrrpd_routes_readded_total", 2), ("vrrpd_route_errors_total", 1),
        ("vrrpd_hooks_run_total", 5), ("vrrpd_hooks_failed_total", 1),
        ("vrrpd_hooks_timed_out_total", 1), ("vrrpd_hooks_dropped_total", 3),
        ("vrrpd_split_brain_events_total", 4), ("vrrpd_split_brain_active", 1),
        ("vrrpd_instance_preempt", 1), ("vrrpd_instance_master_down_interval_seconds", 1.7),
        ("vrrpd_instance_skew_time_seconds", 0.2),
        ("vrrpd_instance_master_advert_interval_seconds", 0.5),
    ]:
        assert value(parsed, name, **one) == expected, name
    assert value(parsed, "vrrpd_adverts_checksum_form_total", form="pseudo_header", **one) == 9
    assert value(parsed, "vrrpd_adverts_noted_total", reason="interval_changed", **one) == 2
    eth1 = {"vrrp_instance": "VI_1", "kind": "interface", "tracked": "eth1"}
    assert value(parsed, "vrrpd_tracked_object_up", **eth1) == 0
    assert value(parsed, "vrrpd_tracked_object_fault", **eth1) == 1
    assert value(parsed, "vrrpd_script_up", script="chk") == 1
    assert value(parsed, "vrrpd_script_runs_total", script="chk") == 10
    assert value(parsed, "vrrpd_script_failures_total", script="chk") == 2
    assert value(parsed, "vrrpd_script_timeouts_total", script="chk") == 1
    assert value(parsed, "vrrpd_sync_group_state", sync_group="G1", state="MASTER") == 1
    assert value(parsed, "vrrpd_sync_group_state", sync_group="G1", state="BACKUP") == 0
    assert value(parsed, "vrrpd_sync_group_transitions_total", sync_group="G1") == 3
    assert value(parsed, "vrrpd_mqtt_queue_length") == 7
    assert value(parsed, "vrrpd_loop_lag_max_seconds") == 0.012


def test_split_brain_inactive_is_zero():
    parsed = samples(render(daemon_status(instance_status(split_brain=None))))
    assert value(parsed, "vrrpd_split_brain_active", vrrp_instance="VI_1") == 0


def test_loop_lag_is_exported_as_max_and_recent():
    from vrrpd.runtime.loop_lag import LoopLag

    lag = LoopLag(lambda: 0.09)
    lag.record(0.25)
    text = render({"instances": [], "loop_lag": lag.status()})
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["vrrpd_loop_lag_max_seconds"].samples[0].value == 0.25
    assert families["vrrpd_loop_lag_recent_seconds"].samples[0].value == 0.25
    assert families["vrrpd_loop_lag_threshold_seconds"].samples[0].value == 0.09


def test_notify_fifo_lines_written_and_dropped():
    status = daemon_status(instance_status())
    assert "vrrpd_notify_fifo" not in render(status)  # no FIFO configured
    status["notify_fifo"] = {"path": "/run/k.fifo", "written": 7, "dropped": 2}
    parsed = samples(render(status))
    assert value(parsed, "vrrpd_notify_fifo_lines_total", outcome="written") == 7
    assert value(parsed, "vrrpd_notify_fifo_lines_total", outcome="dropped") == 2
