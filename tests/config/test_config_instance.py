"""Semantic checks of one instance: each rule names the exact key it is about."""

from __future__ import annotations

import pytest

from vrrpd.protocol.packet import AUTH_NONE, AUTH_PASS

PRIORITY_MESSAGE = "must be 1..255 (255 = address owner; 0 is reserved for resigning), got {}"


@pytest.mark.parametrize("vrid", [0, 256, -1, 2**70])
def test_virtual_router_id_out_of_range(only_problem, make_instance, vrid):
    assert only_problem(make_instance(virtual_router_id=vrid)) == (
        "instances.VI_1.virtual_router_id",
        f"must be 1..255, got {vrid}",
    )


@pytest.mark.parametrize("vrid", [1, 255])
def test_virtual_router_id_limits_are_accepted(instance_of, vrid):
    assert instance_of(virtual_router_id=vrid).virtual_router_id == vrid


@pytest.mark.parametrize("priority", [0, 256, -5])
def test_priority_out_of_range(only_problem, make_instance, priority):
    assert only_problem(make_instance(priority=priority)) == (
        "instances.VI_1.priority",
        PRIORITY_MESSAGE.format(priority),
    )


def test_priority_255_is_the_address_owner_and_allowed(instance_of):
    owner = instance_of(priority=255)
    assert owner.priority == 255
    assert owner.is_owner
    assert not instance_of(priority=254).is_owner


@pytest.mark.parametrize("version", [1, 4, 0])
def test_version_must_be_2_or_3(only_problem, make_instance, version):
    assert only_problem(make_instance(version=version)) == (
        "instances.VI_1.version",
        f"must be 2 or 3, got {version}",
    )


V3_INTERVAL = "must be a multiple of 0.01 from 0.01 to 40.95 seconds for VRRPv3, got {}"
V2_INTERVAL = "must be a whole number of seconds from 1 to 255 for VRRPv2, got {}"


@pytest.mark.parametrize(
    "seconds", [0.0, 0.005, 40.96, 41, 1.234, -1.0, float("nan"), float("inf")]
)
def test_v3_advert_int_must_be_centiseconds_in_range(only_problem, make_instance, seconds):
    path, message = only_problem(make_instance(advert_int=seconds))
    assert path == "instances.VI_1.advert_int"
    assert message == V3_INTERVAL.format(float(seconds))


@pytest.mark.parametrize(("seconds", "wire"), [(0.01, 1), (0.35, 35), (1, 100), (40.95, 4095)])
def test_v3_advert_int_accepts_centiseconds(instance_of, seconds, wire):
    instance = instance_of(advert_int=seconds)
    assert instance.advert_int == pytest.approx(seconds)
    assert instance.advert_int_wire == wire


@pytest.mark.parametrize("seconds", [1.5, 0.5, 0.0, 256, 300.0])
def test_v2_advert_int_must_be_whole_seconds(only_problem, make_instance, seconds):
    assert only_problem(make_instance(version=2, advert_int=seconds)) == (
        "instances.VI_1.advert_int",
        V2_INTERVAL.format(float(seconds)),
    )


@pytest.mark.parametrize("seconds", [1, 3.0, 255])
def test_v2_advert_int_accepts_whole_seconds(instance_of, seconds):
    instance = instance_of(version=2, advert_int=seconds)
    assert instance.advert_int == seconds
    assert instance.advert_int_wire == seconds


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("preempt_delay", -1, "must be 0 to 3600 seconds, got -1.0"),
        ("preempt_delay", 3601, "must be 0 to 3600 seconds, got 3601.0"),
        ("preempt_delay", float("nan"), "must be 0 to 3600 seconds, got nan"),
        ("garp_master_delay", -0.5, "must be 0 to 3600 seconds, got -0.5"),
        ("garp_master_delay", float("inf"), "must be 0 to 3600 seconds, got inf"),
        ("garp_interval", 1.5, "must be 0 to 1 seconds, got 1.5"),
        ("garp_interval", -0.1, "must be 0 to 1 seconds, got -0.1"),
        ("garp_master_refresh", 0.5, "must be 0 (off) or 1 to 86400 seconds, got 0.5"),
        ("garp_master_refresh", -1, "must be 0 (off) or 1 to 86400 seconds, got -1.0"),
        ("garp_master_refresh", 86401, "must be 0 (off) or 1 to 86400 seconds, got 86401.0"),
        ("garp_master_repeat", 0, "must be 1..100 frames, got 0"),
        ("garp_master_repeat", 101, "must be 1..100 frames, got 101"),
    ],
)
def test_timing_keys_out_of_range(only_problem, make_instance, key, value, message):
    assert only_problem(make_instance(**{key: value})) == (f"instances.VI_1.{key}", message)


def test_timing_limits_are_accepted(instance_of):
    instance = instance_of(
        preempt_delay=3600,
        garp_master_delay=0,
        garp_interval=1,
        garp_master_refresh=86400,
        garp_master_repeat=100,
    )
    assert (instance.preempt_delay, instance.garp_master_delay, instance.garp_interval) == (
        3600.0,
        0.0,
        1.0,
    )
    assert (instance.garp_master_refresh, instance.garp_master_repeat) == (86400.0, 100)


def test_v2_with_ipv6_addresses_is_rejected_at_version(only_problem, make_instance):
    text = make_instance(version=2, virtual_ipaddress=["2001:db8::1/64"])
    assert only_problem(text) == (
        "instances.VI_1.version",
        "VRRPv2 is IPv4 only; IPv6 virtual addresses need version = 3",
    )


@pytest.mark.parametrize(
    "keys",
    [{"version": 2}, {"virtual_ipaddress": ["2001:db8::1"]}],
    ids=["v2", "ipv6"],
)
def test_checksum_pseudo_header_false_only_for_v3_ipv4(only_problem, make_instance, keys):
    path, message = only_problem(make_instance(checksum_pseudo_header=False, **keys))
    assert path == "instances.VI_1.checksum_pseudo_header"
    assert message.startswith("can only be false for VRRPv3 over IPv4")


def test_checksum_pseudo_header_false_for_v3_ipv4(instance_of):
    assert instance_of(checksum_pseudo_header=False).checksum_pseudo_header is False


def test_pass_authentication_on_v2(instance_of):
    instance = instance_of(version=2, authentication={"type": "PASS", "password": "secret12"})
    assert (instance.auth_type, instance.auth_password) == (AUTH_PASS, b"secret12")


def test_none_authentication_means_none(instance_of):
    instance = instance_of(version=2, authentication={"type": "NONE"})
    assert (instance.auth_type, instance.auth_password) == (AUTH_NONE, b"")
    assert instance == instance_of(version=2)


def test_pass_authentication_on_v3_is_rejected(only_problem, make_instance):
    text = make_instance(authentication={"type": "PASS", "password": "secret"})
    assert only_problem(text) == (
        "instances.VI_1.authentication.type",
        "VRRPv3 has no authentication (RFC 5798 §9); use version = 2 or remove it",
    )


def test_unsupported_authentication_type(only_problem, make_instance):
    text = make_instance(version=2, authentication={"type": "AH", "password": "x"})
    assert only_problem(text) == (
        "instances.VI_1.authentication.type",
        "must be 'PASS' or 'NONE' (IPsec AH is not supported), got 'AH'",
    )


@pytest.mark.parametrize(("password", "length"), [("", 0), ("123456789", 9), ("pässwört", 10)])
def test_pass_password_must_be_1_to_8_bytes(only_problem, make_instance, password, length):
    text = make_instance(version=2, authentication={"type": "PASS", "password": password})
    assert only_problem(text) == (
        "instances.VI_1.authentication.password",
        f"must be 1 to 8 bytes (the v2 PASS field), got {length}",
    )


def test_pass_without_password(only_problem, make_instance):
    text = make_instance(version=2, authentication={"type": "PASS"})
    assert only_problem(text) == (
        "instances.VI_1.authentication.password",
        "is required for type 'PASS'",
    )


def test_password_with_type_none_would_be_ignored(only_problem, make_instance):
    text = make_instance(version=2, authentication={"type": "NONE", "password": "x"})
    assert only_problem(text) == (
        "instances.VI_1.authentication.password",
        "is set but type is 'NONE', so it is never checked",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "must not be empty"),
        ("a-very-long-name", "'a-very-long-name' is longer than 15 bytes"),
        ("eth0:1", "'eth0:1' is not a Linux interface name (no '/', ':', spaces)"),
        ("eth/0", "'eth/0' is not a Linux interface name (no '/', ':', spaces)"),
        ("eth 0", "'eth 0' is not a Linux interface name (no '/', ':', spaces)"),
        ("..", "'..' is not a Linux interface name (no '/', ':', spaces)"),
    ],
)
def test_interface_name_follows_linux_rules(only_problem, make_instance, name, message):
    # a label must start with the interface name, so keep the VIP unlabelled
    assert only_problem(make_instance(interface=name)) == ("instances.VI_1.interface", message)


def test_fifteen_byte_interface_name_is_fine(instance_of):
    assert instance_of(interface="enp0s31f6.4000").interface == "enp0s31f6.4000"


@pytest.mark.parametrize("name", ['"a b"', '"a/b"', '"#"', "x" * 65])
def test_instance_name_must_be_topic_safe(only_problem, make_instance, name):
    path, message = only_problem(make_instance(name=name))
    assert path.startswith("instances.")
    assert message.startswith("instance names are 1 to 64 letters, digits")


def test_every_semantic_problem_of_one_instance_is_reported(problems_in, make_instance):
    text = make_instance(
        virtual_router_id=0,
        priority=0,
        advert_int=0.001,
        garp_master_repeat=0,
        virtual_ipaddress=["192.0.2.1/24", "2001:db8::1"],
    )
    assert [path for path, _ in problems_in(text)] == [
        "instances.VI_1.virtual_router_id",
        "instances.VI_1.priority",
        "instances.VI_1.advert_int",
        "instances.VI_1.garp_master_repeat",
        "instances.VI_1.virtual_ipaddress[1]",
    ]
