"""The shipped Grafana dashboard and Prometheus alert rules (conf/monitoring/) use only metric
and label names that a real scrape has. A small PromQL reader stands in for `promtool check
rules` (Debian's prometheus package is ~96 MB installed and brings a service)."""

from __future__ import annotations

import asyncio
import json
import re
from ipaddress import ip_address
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.runtime.test_explain_facts import Link, World
from vrrpd.config import parse_config
from vrrpd.export.metrics import render
from vrrpd.runtime.instance import InstanceRunner
from vrrpd.runtime.status import instance_status

MONITORING = Path(__file__).resolve().parents[2] / "conf" / "monitoring"
TARGET_LABELS = {"instance", "job"}  # set by Prometheus on every scraped series
CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 100
virtual_ipaddress = ["192.0.2.100/24"]
"""


def real_status() -> dict:
    """What Daemon.status() holds: a real InstanceRunner's status plus the daemon's sections
    (each with the keys its producer writes)."""

    async def runner_status() -> dict:
        cfg = parse_config(CONFIG, "t.toml").instances[0]
        world = World()
        runner = InstanceRunner(cfg, link=Link(), primary_ip=ip_address("192.0.2.12"),
                                sock=world, netlink=world, garp_factory=lambda c: world)
        try:
            runner.start()
            return instance_status(runner)
        finally:
            runner._cancel_timers()
            await runner.close()

    inst = asyncio.run(asyncio.wait_for(runner_status(), 5))
    inst |= {"sync_group": "G1", "tracking": [
        {"name": "eth1", "kind": "interface", "state": "up", "weight": 0, "effect": 0,
         "fault": False}]}
    return {
        "version": "0.1.0", "router_id": "lb-a", "started": 1.0, "instances": [inst],
        "scripts": [{"name": "chk", "state": "up", "runs": 1, "failures": 0, "timeouts": 0,
                     "last_result": None}],
        "sync_groups": [{"name": "G1", "state": "BACKUP", "transitions": 1,
                         "counters": {"hooks_run": 0, "hooks_failed": 0,
                                      "hooks_timed_out": 0, "hooks_dropped": 0}}],
        "socket_drops": {},
        "mqtt": {"connected": True, "published": 0, "dropped": 0, "reconnects": 0,
                 "queued": 0, "last_error": None},
    }


@pytest.fixture(scope="module")
def scrape() -> dict[str, set[str]]:
    """sample name -> label names seen on it."""
    names: dict[str, set[str]] = {}
    for fam in text_string_to_metric_families(render(real_status())):
        for sample in fam.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SELECTOR = re.compile(r"\b(vrrpd_[A-Za-z0-9_:]*)\s*(\{[^}]*\})?")
_MATCHER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def references(expr: str) -> tuple[list[tuple[str, set[str]]], set[str]]:
    """(metric, matcher labels) per selector, and the labels named in by/on/group_left..."""
    bare = _STRING.sub('""', expr)
    selectors = [(m.group(1), set(_MATCHER.findall(m.group(2) or ""))) for m in
                 _SELECTOR.finditer(bare)]
    grouping = {label.strip() for g in _GROUPING.findall(bare) for label in g.split(",")
                if label.strip()}
    return selectors, grouping


def check(expr: str, scrape: dict[str, set[str]], where: str) -> list[str]:
    every_label = set().union(*scrape.values()) | TARGET_LABELS
    selectors, grouping = references(expr)
    problems = []
    if not selectors:
        problems.append(f"{where}: uses no vrrpd metric: {expr}")
    for metric, labels in selectors:
        if metric not in scrape:
            problems.append(f"{where}: {metric} is not in the scrape")
        elif labels - scrape[metric] - TARGET_LABELS:
            problems.append(f"{where}: {metric} has no label {labels - scrape[metric]}")
    if grouping - every_label:
        problems.append(f"{where}: unknown grouping labels {grouping - every_label}")
    return problems


def test_the_reader_catches_wrong_names(scrape):
    assert check("vrrpd_instance_state", scrape, "x") == []
    assert check("vrrpd_split_brain_active == 1", scrape, "x") == []
    assert check("vrrpd_split_brain_events", scrape, "x")  # a counter's family name
    assert check('vrrpd_instance_state{instance_name="VI_1"}', scrape, "x")
    assert check("sum by (vrid) (vrrpd_instance_state)", scrape, "x") == []
    assert check("sum by (lan) (vrrpd_instance_state)", scrape, "x")
    assert check("up", scrape, "x")


def test_alert_rules(scrape):
    doc = yaml.safe_load((MONITORING / "vrrpd-alerts.yml").read_text())
    rules = [rule for group in doc["groups"] for rule in group["rules"]]
    alerts = {rule["alert"] for rule in rules}
    assert {"VrrpdTwoMasters", "VrrpdSplitBrain", "VrrpdNoMaster", "VrrpdFlapping",
            "VrrpdHookFailures"} <= alerts
    problems = []
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
        assert rule["annotations"]["summary"]
        assert rule["expr"].count("(") == rule["expr"].count(")")
        problems += check(rule["expr"], scrape, rule["alert"])
    assert problems == []


def test_dashboard(scrape):
    dash = json.loads((MONITORING / "vrrpd-dashboard.json").read_text())
    every_label = set().union(*scrape.values()) | TARGET_LABELS
    problems = []
    ids = [panel["id"] for panel in dash["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dash["panels"]:
        for target in panel["targets"]:
            where = f"panel {panel['title']!r} {target['refId']}"
            problems += check(target["expr"], scrape, where)
            legend = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")))
            if legend - every_label:
                problems.append(f"{where}: legend uses unknown labels {legend - every_label}")
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", var["query"]["query"])
            assert m, var["name"]
            problems += check(m.group(1), scrape, f"variable {var['name']}")
            if m.group(2) not in every_label:
                problems.append(f"variable {var['name']}: unknown label {m.group(2)}")
    assert problems == []
