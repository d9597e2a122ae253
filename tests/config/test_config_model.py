"""The validated objects: frozen, compared by value (what SIGHUP reload relies on)."""

from __future__ import annotations

import msgspec
import pytest

from vrrpd.config import parse_config

TWO_INSTANCES = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]

[instances.VI_2]
interface = "eth1"
virtual_router_id = 52
priority = 120
virtual_ipaddress = ["198.51.100.100/24"]
"""


def test_same_settings_compare_equal_and_hash_equal(instance_of):
    first = instance_of(priority=150, advert_int=1)
    second = instance_of(priority=150, advert_int=1.0)
    assert first == second
    assert hash(first) == hash(second)


def test_writing_a_default_explicitly_changes_nothing(instance_of):
    assert instance_of() == instance_of(priority=100, version=3, preempt=True, advert_int=1.0)


def test_string_and_table_vip_forms_compare_equal(instance_of):
    assert instance_of(virtual_ipaddress=["192.0.2.1/24"]) == instance_of(
        virtual_ipaddress=[{"address": "192.0.2.1/24"}]
    )


@pytest.mark.parametrize(
    "keys",
    [
        {"priority": 101},
        {"advert_int": 1.01},
        {"preempt": False},
        {"virtual_ipaddress": ["192.0.2.100/25"]},
        {"virtual_ipaddress": [{"address": "192.0.2.100/24", "label": "eth0:1"}]},
        {"garp_master_delay": 2},
        {"unicast_src_ip": "192.0.2.1", "unicast_peer": ["192.0.2.2"]},
        {"name": "VI_2"},
    ],
)
def test_any_changed_setting_compares_unequal(instance_of, keys):
    assert instance_of() != instance_of(**keys)


def test_vip_order_is_a_setting(instance_of):
    # the advert lists addresses in config order, and peers compare the list
    assert instance_of(virtual_ipaddress=["192.0.2.1", "192.0.2.2"]) != instance_of(
        virtual_ipaddress=["192.0.2.2", "192.0.2.1"]
    )


def test_unchanged_instances_survive_a_reload_comparison():
    before = parse_config(TWO_INSTANCES, "a.toml")
    after = parse_config(TWO_INSTANCES.replace("priority = 120", "priority = 130"), "a.toml")
    assert before.instance("VI_1") == after.instance("VI_1")
    assert before.instance("VI_2") != after.instance("VI_2")
    assert before != after


def test_instances_keep_file_order_and_are_found_by_name():
    config = parse_config(TWO_INSTANCES, "a.toml")
    assert [instance.name for instance in config.instances] == ["VI_1", "VI_2"]
    assert config.instance("VI_2").priority == 120
    with pytest.raises(KeyError):
        config.instance("VI_3")


def test_objects_are_frozen():
    config = parse_config(TWO_INSTANCES, "a.toml")
    with pytest.raises(AttributeError):
        config.instances[0].priority = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        config.global_.router_id = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        config.instances[0].vips[0].label = "eth0:1"  # type: ignore[misc]
    assert isinstance(config.instances, tuple)
    assert isinstance(config.instances[0].vips, tuple)


def test_model_is_plain_msgspec_structs_for_the_daemon():
    config = parse_config(TWO_INSTANCES, "a.toml")
    replaced = msgspec.structs.replace(config.instances[0], priority=200)
    assert replaced.priority == 200
    assert replaced != config.instances[0]
