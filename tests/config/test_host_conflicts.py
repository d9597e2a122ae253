"""A VIP equal to an address the interface already has (not added by vrrpd) is a problem
with its key path; our own leftovers, other interfaces and absent interfaces are not."""

from __future__ import annotations

from ipaddress import ip_interface

from tests.config.conftest import instance_toml
from vrrpd.config import parse_config
from vrrpd.config.host_conflicts import vip_conflicts


def _instances(**keys):
    return parse_config(instance_toml(**keys)).instances


def test_primary_address_as_vip_is_a_problem_with_the_key_path():
    instances = _instances(virtual_ipaddress=["192.0.2.100/24", "192.0.2.12/24"])
    held = {"eth0": [(ip_interface("192.0.2.12/24"), False)]}
    (problem,) = vip_conflicts(instances, held.get)
    assert problem.path == "instances.VI_1.virtual_ipaddress[1]"
    assert problem.message.startswith("192.0.2.12 is already an address of eth0 (192.0.2.12/24)")


def test_same_address_with_another_prefix_length_is_the_same_address():
    instances = _instances(virtual_ipaddress=["192.0.2.12/32"])
    held = {"eth0": [(ip_interface("192.0.2.12/24"), False)]}
    assert len(vip_conflicts(instances, held.get)) == 1


def test_ipv6():
    instances = _instances(virtual_ipaddress=["2001:db8::12/64"])
    held = {"eth0": [(ip_interface("2001:db8::12/128"), False)]}
    assert vip_conflicts(instances, held.get)[0].path == "instances.VI_1.virtual_ipaddress[0]"


def test_our_own_leftover_another_interface_or_a_missing_one_is_fine():
    instances = _instances(virtual_ipaddress=["192.0.2.100/24"])
    assert vip_conflicts(instances, {"eth0": [(ip_interface("192.0.2.100/24"), True)]}.get) == []
    assert vip_conflicts(instances, {"eth1": [(ip_interface("192.0.2.100/24"), False)]}.get) == []
    assert vip_conflicts(instances, {}.get) == []
    held = {"eth0": [(ip_interface("192.0.2.12/24"), False)]}  # same subnet, other address
    assert vip_conflicts(instances, held.get) == []
