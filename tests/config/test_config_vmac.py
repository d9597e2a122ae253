"""use_vmac / vmac_xmit_base: the macvlan's name, the virtual MAC, and the mistakes."""

from __future__ import annotations

import pytest

from vrrpd.config import ConfigError, parse_config


def load(extra: str, vips: str = '["192.0.2.100/24"]', more: str = ""):
    return parse_config(
        f'[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\n'
        f"virtual_ipaddress = {vips}\n{extra}\n{more}",
        "t.toml",
    )


def problems(extra: str, more: str = "") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(extra, more=more)
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_no_vmac_by_default():
    cfg = load("").instances[0]
    assert (cfg.vmac, cfg.vmac_xmit_base) == (None, False)


def test_true_names_it_like_keepalived_and_the_mac_is_the_rfc_one():
    cfg = load("use_vmac = true\nvmac_xmit_base = true").instances[0]
    assert (cfg.vmac, cfg.vmac_xmit_base, cfg.virtual_mac) == ("vrrp.51", True, "00:00:5e:00:01:33")


def test_ipv6_gets_its_own_name_and_mac():
    cfg = load("use_vmac = true", vips='["2001:db8::100/64"]').instances[0]
    assert (cfg.vmac, cfg.virtual_mac) == ("vrrp6.51", "00:00:5e:00:02:33")


def test_a_string_names_it():
    assert load('use_vmac = "vmac51"').instances[0].vmac == "vmac51"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("vmac_xmit_base = true", "instances.VI_1.vmac_xmit_base: needs use_vmac"),
        ('use_vmac = "eth0"', "instances.VI_1.use_vmac: 'eth0' is the instance's own interface"),
        ('use_vmac = "a-name-far-too-long"', "instances.VI_1.use_vmac:"),
        ("use_vmac = 1", "instances.VI_1.use_vmac: expected"),
    ],
)
def test_mistakes(extra, expected):
    assert any(line.startswith(expected) for line in problems(extra)), problems(extra)


def test_two_instances_may_not_share_a_vmac():
    more = ('[instances.VI_2]\ninterface = "eth1"\nvirtual_router_id = 52\n'
            'virtual_ipaddress = ["198.51.100.1/24"]\nuse_vmac = "vm"\n')  # fmt: skip
    found = problems('use_vmac = "vm"', more)
    assert found == ["instances.VI_2.use_vmac: vm is already the VMAC of instance 'VI_1'"]
