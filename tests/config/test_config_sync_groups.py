"""[sync_groups.NAME]: members, one group per instance, notify hooks; every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.conftest import instance_toml, toml_value
from vrrpd.config import parse_config
from vrrpd.config.model import SyncGroupConfig

THREE = "".join(
    instance_toml(name, virtual_router_id=vrid, virtual_ipaddress=[f"192.0.2.{vrid + 50}/24"])
    for name, vrid in (("VI_1", 51), ("VI_2", 52), ("VI_3", 53))
)


def group(name: str = "G1", **keys) -> str:
    keys.setdefault("instances", ["VI_1", "VI_2"])
    lines = [f"[sync_groups.{name}]"] + [f"{k} = {toml_value(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def program(tmp_path: Path) -> str:
    path = tmp_path / "on-group.sh"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_a_group_with_defaults():
    config = parse_config(THREE + group(), "test.toml")
    assert config.sync_groups == (SyncGroupConfig(name="G1", instances=("VI_1", "VI_2")),)
    assert config.sync_group_of("VI_2") is config.sync_groups[0]
    assert config.sync_group_of("VI_3") is None


def test_no_groups_by_default():
    assert parse_config(THREE, "test.toml").sync_groups == ()


def test_group_hooks(program):
    config = parse_config(
        THREE
        + group(
            notify=[program, "arg"],
            notify_master=[program],
            notify_backup=[program],
            notify_fault=[program],
            notify_timeout=3.0,
        ),
        "test.toml",
    )
    (g1,) = config.sync_groups
    assert g1.notify == (program, "arg")
    assert (g1.notify_master, g1.notify_backup, g1.notify_fault) == ((program,),) * 3
    assert g1.notify_timeout == 3.0


@pytest.mark.parametrize("members", [[], ["VI_1"]])
def test_a_group_needs_two_members(only_problem, members):
    path, message = only_problem(THREE + group(instances=members))
    assert path == "sync_groups.G1.instances"
    assert f"needs at least two instances (a group of {len(members)}" in message


def test_unknown_member_gets_a_hint(only_problem):
    assert only_problem(THREE + group(instances=["VI_1", "VI-2"])) == (
        "sync_groups.G1.instances[1]",
        "'VI-2' is not an instance; add an [instances.VI-2] table (did you mean 'VI_2'?)",
    )


def test_a_member_listed_twice(only_problem):
    assert only_problem(THREE + group(instances=["VI_1", "VI_2", "VI_1"])) == (
        "sync_groups.G1.instances[2]",
        "'VI_1' is already listed at [0]",
    )


def test_an_instance_in_two_groups(only_problem):
    text = THREE + group() + group("G2", instances=["VI_3", "VI_2"])
    assert only_problem(text) == (
        "sync_groups.G2.instances[1]",
        "'VI_2' is already in sync group 'G1'; an instance belongs to one group at most",
    )


def test_a_broken_member_is_not_also_reported_as_unknown(only_problem):
    text = THREE.replace("virtual_router_id = 52", "virtual_router_id = 0") + group()
    path, _ = only_problem(text)
    assert path == "instances.VI_2.virtual_router_id"


@pytest.mark.parametrize("key", ["notify", "notify_master", "notify_backup", "notify_fault"])
def test_group_hook_programs_are_checked(only_problem, key):
    assert only_problem(THREE + group(**{key: ["on-group"]}))[0] == f"sync_groups.G1.{key}[0]"


def test_group_notify_timeout_is_checked(only_problem):
    path, message = only_problem(THREE + group(notify_timeout=0.0))
    assert path == "sync_groups.G1.notify_timeout"
    assert "more than 0" in message


def test_group_name_is_checked(only_problem):
    path, message = only_problem(THREE + group('"G 1"'))
    assert path == 'sync_groups."G 1"'
    assert "letters, digits" in message


def test_group_instances_key_is_required(only_problem):
    assert only_problem(THREE + "[sync_groups.G1]\nnotify_timeout = 2.0\n") == (
        "sync_groups.G1.instances",
        "required key is missing",
    )


def test_group_unknown_key(only_problem):
    assert only_problem(THREE + group() + "group = []\n")[1].startswith("unknown key 'group'")
