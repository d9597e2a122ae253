"""Virtual addresses, labels and unicast peers: parsing, families, repeats, Linux rules."""

from __future__ import annotations

from ipaddress import ip_address, ip_interface

import pytest

from tests.config.conftest import instance_toml

VIPS = "instances.VI_1.virtual_ipaddress"


def test_prefix_length_defaults_to_a_host_route(instance_of):
    v4 = instance_of(virtual_ipaddress=["192.0.2.1"])
    v6 = instance_of(virtual_ipaddress=["2001:db8::1"])
    assert v4.vips[0].interface == ip_interface("192.0.2.1/32")
    assert v6.vips[0].interface == ip_interface("2001:db8::1/128")
    assert (v4.family, v6.family) == (4, 6)


def test_string_and_table_forms_mix(instance_of):
    instance = instance_of(
        virtual_ipaddress=["192.0.2.1/24", {"address": "192.0.2.2/25", "label": "eth0:web"}]
    )
    assert [(vip.interface, vip.label) for vip in instance.vips] == [
        (ip_interface("192.0.2.1/24"), None),
        (ip_interface("192.0.2.2/25"), "eth0:web"),
    ]
    assert instance.vip_addresses == (ip_address("192.0.2.1"), ip_address("192.0.2.2"))
    assert instance.vips[1].address == ip_address("192.0.2.2")


def test_table_form_without_label(instance_of):
    instance = instance_of(virtual_ipaddress=[{"address": "2001:db8::5/64"}])
    assert instance.vips[0].label is None


def test_empty_list_is_rejected(only_problem, make_instance):
    assert only_problem(make_instance(virtual_ipaddress=[])) == (
        VIPS,
        "needs at least one address",
    )


def test_more_addresses_than_an_advert_carries(only_problem, make_instance):
    addresses = [f"2001:db8::{index:x}" for index in range(1, 257)]
    assert only_problem(make_instance(virtual_ipaddress=addresses)) == (
        VIPS,
        "has 256 addresses; an advert carries 255 (put the others in "
        "virtual_ipaddress_excluded; entries after [254] are not checked)",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("192.0.2.300", "'192.0.2.300' is not an address with an optional /prefix length"),
        ("192.0.2.1/33", "'192.0.2.1/33' is not an address with an optional /prefix length"),
        (" 192.0.2.1", "' 192.0.2.1' is not an address with an optional /prefix length"),
        ("eth0", "'eth0' is not an address with an optional /prefix length"),
        ("224.0.0.18", "224.0.0.18 is a multicast address"),
        ("ff02::12/128", "ff02::12 is a multicast address"),
        ("0.0.0.0/0", "0.0.0.0 is the unspecified address"),
        ("::", ":: is the unspecified address"),
        ("127.0.0.2/8", "127.0.0.2 is a loopback address"),
        ("::1", "::1 is a loopback address"),
        ("240.0.0.1", "240.0.0.1 is in the reserved range 240.0.0.0/4"),
        ("192.0.2.255/24", "192.0.2.255 is the broadcast address of 192.0.2.0/24"),
        (
            "fe80::1%eth0/64",
            "fe80::1%eth0/64 has a scope id; the instance's interface is the scope",
        ),
    ],
)
def test_bad_virtual_address(only_problem, make_instance, text, message):
    assert only_problem(make_instance(virtual_ipaddress=[text])) == (f"{VIPS}[0]", message)


def test_bad_address_in_table_form_is_reported_at_address(only_problem, make_instance):
    text = make_instance(virtual_ipaddress=[{"address": "nope", "label": "eth0:1"}])
    assert only_problem(text) == (
        f"{VIPS}[0].address",
        "'nope' is not an address with an optional /prefix length",
    )


@pytest.mark.parametrize(
    "text", ["192.0.2.255/31", "192.0.2.0/31", "192.0.2.0/32", "fe80::1/64", "2001:db8::/127"]
)
def test_addresses_linux_accepts(instance_of, text):
    assert str(instance_of(virtual_ipaddress=[text]).vips[0].interface) == text


def test_one_family_per_instance(problems_in, make_instance):
    text = make_instance(virtual_ipaddress=["192.0.2.1", "2001:db8::1", {"address": "2001:db8::2"}])
    assert problems_in(text) == [
        (
            f"{VIPS}[1]",
            "'2001:db8::1' is IPv6 but the first address is IPv4; use one instance per address "
            "family (or virtual_ipaddress_excluded for the other family)",
        ),
        (
            f"{VIPS}[2].address",
            "'2001:db8::2' is IPv6 but the first address is IPv4; use one instance per address "
            "family (or virtual_ipaddress_excluded for the other family)",
        ),
    ]


def test_repeated_address_is_rejected_whatever_its_prefix(only_problem, make_instance):
    text = make_instance(virtual_ipaddress=["192.0.2.1/24", "192.0.2.2", "192.0.2.1/32"])
    assert only_problem(text) == (f"{VIPS}[2]", "192.0.2.1 is already listed at [0]")


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("eth1:1", "'eth1:1' must start with the interface name and a colon, like 'eth0:1'"),
        ("eth0", "'eth0' must start with the interface name and a colon, like 'eth0:1'"),
        ("eth0:", "'eth0:' must start with the interface name and a colon, like 'eth0:1'"),
        ("eth01", "'eth01' must start with the interface name and a colon, like 'eth0:1'"),
        ("eth0:0123456789a", "'eth0:0123456789a' is longer than 15 bytes"),
        ("eth0:a b", "'eth0:a b' may not contain '/' or spaces"),
        ("eth0:a/b", "'eth0:a/b' may not contain '/' or spaces"),
    ],
)
def test_label_rules(only_problem, make_instance, label, message):
    text = make_instance(virtual_ipaddress=[{"address": "192.0.2.1/24", "label": label}])
    assert only_problem(text) == (f"{VIPS}[0].label", message)


def test_fifteen_byte_label_is_accepted(instance_of):
    label = "eth0:0123456789"
    instance = instance_of(virtual_ipaddress=[{"address": "192.0.2.1/24", "label": label}])
    assert instance.vips[0].label == label


def test_label_on_ipv6_is_rejected(only_problem, make_instance):
    text = make_instance(virtual_ipaddress=[{"address": "2001:db8::1/64", "label": "eth0:1"}])
    assert only_problem(text) == (f"{VIPS}[0].label", "only IPv4 addresses have labels on Linux")


def test_unicast_pair(instance_of):
    instance = instance_of(unicast_src_ip="192.0.2.11", unicast_peer=["192.0.2.12", "192.0.2.13"])
    assert instance.unicast
    assert instance.unicast_src_ip == ip_address("192.0.2.11")
    assert instance.unicast_peer == (ip_address("192.0.2.12"), ip_address("192.0.2.13"))


def test_multicast_by_default(instance_of):
    instance = instance_of()
    assert not instance.unicast
    assert (instance.unicast_src_ip, instance.unicast_peer) == (None, ())


def test_unicast_ipv6_link_local_peers(instance_of):
    instance = instance_of(
        virtual_ipaddress=["2001:db8::100/64"], unicast_src_ip="fe80::1", unicast_peer=["fe80::2"]
    )
    assert instance.unicast_peer == (ip_address("fe80::2"),)


def test_peers_require_a_source(only_problem, make_instance):
    assert only_problem(make_instance(unicast_peer=["192.0.2.12"])) == (
        "instances.VI_1.unicast_src_ip",
        "is required when unicast_peer is set",
    )


@pytest.mark.parametrize("peers", [None, []])
def test_source_requires_peers(only_problem, make_instance, peers):
    assert only_problem(make_instance(unicast_src_ip="192.0.2.11", unicast_peer=peers)) == (
        "instances.VI_1.unicast_peer",
        "must list at least one peer when unicast_src_ip is set",
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("192.0.2.11/24", "'192.0.2.11/24' is not an IP address"),
        ("2001:db8::1", "2001:db8::1 is IPv6 but the virtual addresses are IPv4"),
        ("224.0.0.18", "224.0.0.18 is a multicast address"),
        ("0.0.0.0", "0.0.0.0 is the unspecified address"),
    ],
)
def test_bad_unicast_source(only_problem, make_instance, source, message):
    text = make_instance(unicast_src_ip=source, unicast_peer=["192.0.2.12"])
    assert only_problem(text) == ("instances.VI_1.unicast_src_ip", message)


def test_every_bad_peer_is_reported(problems_in, make_instance):
    text = make_instance(
        unicast_src_ip="192.0.2.11",
        unicast_peer=["192.0.2.12", "192.0.2.11", "192.0.2.12", "2001:db8::2", "x", "ff02::1"],
    )
    assert problems_in(text) == [
        ("instances.VI_1.unicast_peer[1]", "192.0.2.11 is unicast_src_ip itself"),
        ("instances.VI_1.unicast_peer[2]", "192.0.2.12 is already listed at [0]"),
        (
            "instances.VI_1.unicast_peer[3]",
            "2001:db8::2 is IPv6 but the virtual addresses are IPv4",
        ),
        ("instances.VI_1.unicast_peer[4]", "'x' is not an IP address"),
        ("instances.VI_1.unicast_peer[5]", "ff02::1 is a multicast address"),
    ]


def test_peer_family_is_checked_against_ipv6_vips(only_problem, make_instance):
    text = make_instance(
        virtual_ipaddress=["2001:db8::100/64"],
        unicast_src_ip="2001:db8::1",
        unicast_peer=["192.0.2.2"],
    )
    assert only_problem(text) == (
        "instances.VI_1.unicast_peer[0]",
        "192.0.2.2 is IPv4 but the virtual addresses are IPv6",
    )


# -- mcast_src_ip ----------------------------------------------------------------------------


def test_mcast_src_ip(instance_of):
    assert instance_of().mcast_src_ip is None
    instance = instance_of(mcast_src_ip="192.0.2.11")
    assert instance.mcast_src_ip == ip_address("192.0.2.11")
    assert not instance.unicast  # still multicast adverts


def test_mcast_src_ip_ipv6_link_local(instance_of):
    instance = instance_of(virtual_ipaddress=["2001:db8::100/64"], mcast_src_ip="fe80::11")
    assert instance.mcast_src_ip == ip_address("fe80::11")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"mcast_src_ip": "192.0.2.300"}, "'192.0.2.300' is not an IP address"),
        ({"mcast_src_ip": "224.0.0.18"}, "224.0.0.18 is a multicast address"),
        (
            {"mcast_src_ip": "2001:db8::11"},
            "2001:db8::11 is IPv6 but the virtual addresses are IPv4",
        ),
        (
            {"virtual_ipaddress": ["2001:db8::100/64"], "mcast_src_ip": "2001:db8::11"},
            "2001:db8::11 is not link-local; IPv6 adverts are sent from the interface's "
            "link-local address (RFC 5798 §5.1.2.1)",
        ),
        (
            {"mcast_src_ip": "192.0.2.11", "unicast_src_ip": "192.0.2.11",
             "unicast_peer": ["192.0.2.12"]},
            "is for multicast adverts; a unicast instance sends from unicast_src_ip: remove "
            "one of them",
        ),
    ],
)
def test_mcast_src_ip_mistakes(only_problem, make_instance, keys, message):
    assert only_problem(make_instance(**keys)) == ("instances.VI_1.mcast_src_ip", message)


# -- virtual_ipaddress_excluded and dev -------------------------------------------------------

EXCLUDED = "instances.VI_1.virtual_ipaddress_excluded"


def test_excluded_addresses_of_both_families(instance_of):
    instance = instance_of(
        virtual_ipaddress_excluded=["192.0.2.50/24", {"address": "2001:db8::50/64", "dev": "eth1"}]
    )
    assert instance.vip_addresses == (ip_address("192.0.2.100"),)  # adverts list only these
    assert [(str(v.interface), v.dev) for v in instance.vips_excluded] == [
        ("192.0.2.50/24", None),
        ("2001:db8::50/64", "eth1"),
    ]
    assert [str(v.address) for v in instance.managed_vips] == [
        "192.0.2.100", "192.0.2.50", "2001:db8::50"
    ]
    assert instance.vip_devs == frozenset({"eth1"})


def test_a_vip_on_another_dev_with_its_label(instance_of):
    instance = instance_of(
        virtual_ipaddress=["192.0.2.1/24",
                           {"address": "198.51.100.1/24", "dev": "eth1", "label": "eth1:vip"}]
    )
    assert [(v.dev, v.label) for v in instance.vips] == [(None, None), ("eth1", "eth1:vip")]


def test_dev_naming_the_instance_interface_is_the_same_as_none(instance_of):
    instance = instance_of(virtual_ipaddress=[{"address": "192.0.2.1/24", "dev": "eth0"}])
    assert instance.vips[0].dev is None and instance.vip_devs == frozenset()


@pytest.mark.parametrize(
    ("keys", "path", "message"),
    [
        (
            {"virtual_ipaddress_excluded": ["192.0.2.100/24"]},
            f"{EXCLUDED}[0]",
            "192.0.2.100 is already listed at virtual_ipaddress[0]",
        ),
        (
            {"virtual_ipaddress_excluded": ["192.0.2.9/24", "192.0.2.9/32"]},
            f"{EXCLUDED}[1]",
            "192.0.2.9 is already listed at virtual_ipaddress_excluded[0]",
        ),
        (
            {"virtual_ipaddress_excluded": ["224.0.0.1"]},
            f"{EXCLUDED}[0]",
            "224.0.0.1 is a multicast address",
        ),
        (
            {"virtual_ipaddress": [{"address": "192.0.2.1/24", "dev": "eth/1"}]},
            f"{VIPS}[0].dev",
            "'eth/1' is not a Linux interface name (no '/', ':', spaces)",
        ),
        (
            {"virtual_ipaddress_excluded": [{"address": "192.0.2.9/24", "dev": "eth1",
                                             "label": "eth0:x"}]},
            f"{EXCLUDED}[0].label",
            "'eth0:x' must start with the interface name and a colon, like 'eth1:1'",
        ),
    ],
)
def test_excluded_and_dev_mistakes(only_problem, make_instance, keys, path, message):
    assert only_problem(make_instance(**keys)) == (path, message)


def test_an_excluded_address_of_another_instance(problems_in):
    text = instance_toml() + instance_toml(
        "VI_2", virtual_router_id=52, virtual_ipaddress=["192.0.2.2/24"],
        virtual_ipaddress_excluded=["192.0.2.100/24"],
    )
    assert problems_in(text) == [
        ("instances.VI_2.virtual_ipaddress_excluded[0]",
         "192.0.2.100 is already a virtual address of instance 'VI_1'"),
    ]
