"""A vrrpd router exporting Prometheus metrics in the lab: the HTTP endpoint (scraped from the
client) and the node_exporter textfile follow the instance's state."""

from __future__ import annotations

import sys

import pytest
from netns_lab import wait_until
from prometheus_client.parser import text_string_to_metric_families
from vrrpd_support import instance, stop, vrrpd_conf, wait_state

from vrrpd.export.metrics_families import INSTANCE_COUNTERS

pytestmark = pytest.mark.lab

SCRAPE = (
    "import sys, urllib.request;"
    "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())"
)


def parsed(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def current_state(metrics: dict) -> str:
    (state,) = [
        dict(labels)["state"]
        for (name, labels), value in metrics.items()
        if name == "vrrpd_instance_state" and value == 1
    ]
    return state


def scrape(lab_, url: str) -> dict:
    return parsed(lab_.client.run([sys.executable, "-c", SCRAPE, url], timeout=10).stdout)


def test_endpoint_and_textfile_follow_the_state(lab):
    lab_ = lab()
    textfile = lab_.dir / "r1.prom"
    metrics = (
        f'\n[metrics]\nlisten = "192.0.2.11"\ntextfile = "{textfile}"\n'
        "textfile_interval = 600\n"  # so only a transition can explain a rewrite below
    )
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1", extra=metrics))
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2"))
    wait_state(r1, "MASTER")
    wait_state(r2, "BACKUP")

    seen = scrape(lab_, "http://192.0.2.11:10112/metrics")
    now = instance(r1)
    assert current_state(seen) == "MASTER"
    one = (("vrrp_instance", "VI_1"),)
    labels = {label for _name, sample_labels in seen for label, _value in sample_labels}
    assert "instance" not in labels and not any(lb.startswith("exported_") for lb in labels)
    names = {name for name, _labels in seen}
    by_reason = {"dropped", "adverts_dropped", "checksum_forms", "noted"}  # labelled families
    assert set(now["counters"]) - by_reason <= set(INSTANCE_COUNTERS)  # every status counter
    assert {name for name, _help in INSTANCE_COUNTERS.values()} <= names
    assert ("vrrpd_instance_info", (("family", "ipv4"), ("interface", "eth0"),
            ("version", "3"), ("vrid", "51"), ("vrrp_instance", "VI_1"))) in seen
    assert seen[("vrrpd_instance_transitions_total", one)] == now["transitions"]
    assert seen[("vrrpd_instance_priority", one)] == 150
    assert seen[("vrrpd_adverts_sent_total", one)] > 0
    assert seen[("vrrpd_garp_sent_total", one)] >= 0
    wait_until(
        lambda: textfile.exists() and current_state(parsed(textfile.read_text())) == "MASTER",
        5,
        message="textfile shows MASTER",
    )

    lab_.port_down("r1")
    wait_state(r1, "FAULT")
    wait_until(
        lambda: current_state(parsed(textfile.read_text())) == "FAULT",
        3,
        message="textfile rewritten on the transition",
    )
    lab_.port_up("r1")
    wait_state(r1, "MASTER")
    assert current_state(scrape(lab_, "http://192.0.2.11:10112/metrics")) == "MASTER"

    assert stop(r1) == 0
    assert not textfile.exists()  # a stopped daemon leaves no stale metrics behind
