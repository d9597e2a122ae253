"""`vrrpd status` rendering."""

from __future__ import annotations

import json

from vrrpd.control.status import format_duration, render_json, render_table

STATUS = {
    "version": "0.1.0",
    "router_id": "lb-a",
    "instances": [
        {"name": "VI_1", "state": "MASTER", "priority": 150, "base_priority": 150,
         "master_ip": "192.0.2.11", "vips": ["192.0.2.100/24"], "since": 1000.0,
         "transitions": 2},
        {"name": "VI_6", "state": "BACKUP", "priority": 90, "base_priority": 100,
         "master_ip": None, "vips": ["2001:db8::100/64"], "since": None, "transitions": 0},
    ],
}


def test_durations():
    assert format_duration(5.9) == "5s"
    assert format_duration(75) == "1m15s"
    assert format_duration(3 * 3600 + 120) == "3h02m"
    assert format_duration(2 * 86400 + 3600) == "2d01h"
    assert format_duration(-3) == "0s"


def test_table_has_one_row_per_instance_with_the_promised_columns():
    out = render_table(STATUS, now=1090.0).splitlines()
    assert out[0] == "vrrpd 0.1.0 router_id=lb-a"
    assert out[1].split() == ["INSTANCE", "STATE", "PRIO", "MASTER", "VIPS", "SINCE", "TRANS"]
    assert out[2].split() == ["VI_1", "MASTER", "150/150", "192.0.2.11", "192.0.2.100/24",
                              "1m30s", "2"]
    assert out[3].split() == ["VI_6", "BACKUP", "90/100", "-", "2001:db8::100/64", "-", "0"]


def test_json_is_the_status_object():
    assert json.loads(render_json(STATUS)) == STATUS
