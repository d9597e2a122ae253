"""The sample configs Debian's keepalived ships convert into configs vrrpd accepts."""

from __future__ import annotations

import pytest
from ki_support import FIXTURES, converted, notes_of

from vrrpd.config import ConfigError, parse_config
from vrrpd.keepalived_import import convert_file

SAMPLES = FIXTURES / "debian"


@pytest.mark.parametrize(
    ("sample", "instances"),
    [
        ("keepalived.conf.vrrp", ["VI_1", "VI_2", "VI_3", "VI_4"]),
        ("keepalived.conf.sample", ["VI_1"]),
        ("keepalived.conf.vrrp.sync", [f"VI_{n}" for n in range(1, 10)]),
        ("keepalived.conf.vrrp.scripts", ["VI_1", "VI_2", "VI_3"]),
        ("keepalived.conf.vrrp.routes", ["VI_1"]),
        ("keepalived.conf.vrrp.rules", ["VI_1"]),
        ("keepalived.conf.vrrp.localcheck", [f"VI_{n}" for n in range(1, 10)]),
        ("keepalived.conf.track_interface", ["VI_1"]),
        ("keepalived.conf.conditional_conf", ["VI_0"]),
    ],
)
def test_sample_converts_to_a_valid_config(fixture_copy, sample, instances):
    # /usr/local/bin/vrrp.* exist on the target host; here they are stand-ins in bin_dir
    _conversion, config = converted(fixture_copy(f"debian/{sample}", local_bin=True))
    assert [i.name for i in config.instances] == instances


def test_the_vrrp_sample_maps_field_by_field(fixture_copy):
    conversion, config = converted(fixture_copy("debian/keepalived.conf.vrrp"))
    assert config.global_.router_id == "LVS_DEVEL"
    vi1 = config.instance("VI_1")
    assert (vi1.interface, vi1.virtual_router_id, vi1.priority, vi1.advert_int) == (
        "eth0",
        51,
        100,
        1.0,
    )
    assert vi1.version == 2  # keepalived's default
    assert (vi1.auth_type, vi1.auth_password) == (1, b"1111")
    assert vi1.garp_master_delay == 10.0
    assert [(str(v.interface), v.label) for v in vi1.vips] == [
        ("192.168.200.16/32", None),
        ("192.168.200.17/32", None),
        ("192.168.200.18/32", "eth0:1"),
    ]  # the repeated .18 lends its label to the first
    assert config.instance("VI_2").auth_type == 0
    assert config.instance("VI_4").interface == "eth1"
    assert (
        "32: virtual_ipaddress: not converted (192.168.200.18 is already listed at line 28)"
        in notes_of(conversion)
    )
    assert sum("smtp_alert" in n for n in notes_of(conversion)) == 4


def test_the_sync_sample_keeps_both_groups_and_their_hooks(fixture_copy, bin_dir):
    _conversion, config = converted(
        fixture_copy("debian/keepalived.conf.vrrp.sync", local_bin=True)
    )
    g1, g2 = config.sync_groups
    assert g1.instances == ("VI_1", "VI_2", "VI_5", "VI_6", "VI_7", "VI_8", "VI_9")
    assert g1.notify_master == (f"{bin_dir}/vrrp.mast", "arg1", "arg2")
    assert g2.instances == ("VI_3", "VI_4")


def test_the_localcheck_sample_keeps_the_scripts_it_can(fixture_copy, bin_dir):
    conversion, config = converted(fixture_copy("debian/keepalived.conf.vrrp.localcheck"))
    assert {s.name: s.command for s in config.scripts} == {
        "chk_sshd": (f"{bin_dir}/killall", "-0", "sshd"),
        "chk_haproxy": (f"{bin_dir}/killall", "-0", "haproxy"),
    }
    vi1 = config.instance("VI_1")
    assert [(t.name, t.weight) for t in vi1.track_script] == [
        ("chk_sshd", None),
        ("chk_haproxy", 2),
    ]
    assert [(t.name, t.weight) for t in vi1.track_interface] == [
        ("eth1", 2),
        ("eth2", -2),
        ("eth3", None),
    ]
    refused = [n for n in notes_of(conversion) if "uses shell syntax" in n]
    assert [n.split(":")[0] for n in refused] == ["25", "31", "37"]


def test_the_routes_sample_keeps_routes_with_a_meaning_vrrpd_has(fixture_copy):
    conversion, config = converted(fixture_copy("debian/keepalived.conf.vrrp.routes"))
    routes = config.instance("VI_1").virtual_routes
    assert [str(r.dst) for r in routes] == [
        "192.168.110.0/24",
        "192.168.111.0/24",
        "192.168.112.0/24",
        "192.168.113.0/24",
        "0.0.0.0/0",
    ]
    assert [str(h.via) for h in routes[3].nexthops] == ["192.168.100.252", "192.168.100.253"]
    assert routes[4].table == 100
    notes = notes_of(conversion)
    assert any(n.startswith("26: virtual_routes: not converted (src 192.168.100.1") for n in notes)
    assert any(
        n.startswith("31: virtual_routes: not converted (route type 'blackhole'") for n in notes
    )
    assert (
        "7: static_routes: not converted (vrrpd manages only the virtual routes of its "
        "instances)" in notes
    )


def test_a_sample_without_vrrp_instances_gives_a_config_without_instances():
    conversion = convert_file(str(SAMPLES / "keepalived.conf.IPv6"))
    assert "instances" not in conversion.document
    assert [n.split(": ")[1] for n in notes_of(conversion)] == [
        "virtual_server_group",
        "virtual_server",
    ]
    with pytest.raises(ConfigError, match="no instance is configured"):
        parse_config(conversion.toml())


# The 12 Debian samples with VRRP parts: nothing is lost silently. Every note is also a
# comment in the output, and every use of a keyword the table marks as lost has a note.
VRRP_SAMPLES = [
    "keepalived.conf.SSL_GET",
    "keepalived.conf.conditional_conf",
    "keepalived.conf.sample",
    "keepalived.conf.track_interface",
    "keepalived.conf.vrrp",
    "keepalived.conf.vrrp.localcheck",
    "keepalived.conf.vrrp.lvs_syncd",
    "keepalived.conf.vrrp.routes",
    "keepalived.conf.vrrp.rules",
    "keepalived.conf.vrrp.scripts",
    "keepalived.conf.vrrp.static_ipaddress",
    "keepalived.conf.vrrp.sync",
]


@pytest.mark.parametrize("sample", VRRP_SAMPLES)
def test_no_sample_loses_anything_silently(sample):
    from vrrpd.keepalived_import.keywords import INSTANCE, LOST
    from vrrpd.keepalived_import.parser import parse_file

    path = str(SAMPLES / sample)
    conversion = convert_file(path)
    text = conversion.toml()
    for note in conversion.notes:
        assert f"# {note.render()}\n" in text
    noted = {(n.file, n.line) for n in conversion.notes}
    for node in parse_file(path).nodes:
        if node.keyword != "vrrp_instance":
            continue
        for child in node.children or []:
            if INSTANCE.get(child.keyword) is not None and INSTANCE[child.keyword].status == LOST:
                assert (child.file, child.line) in noted, child
