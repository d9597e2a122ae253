"""What each keepalived construct becomes: the converted file loaded back by vrrpd's own config
loader, field by field, and a note (with its line) for everything left out."""

from __future__ import annotations

from ipaddress import ip_address, ip_interface, ip_network

import pytest
from ki_support import converted, from_text, notes_of

from vrrpd.config import ConfigError, parse_config
from vrrpd.config.model import TrackRef
from vrrpd.protocol.packet import AUTH_PASS


def instance_text(body: str, name: str = "VI_1", extra: str = "") -> str:
    return (
        f"{extra}vrrp_instance {name} {{\n interface eth0\n virtual_router_id 51\n"
        f" virtual_ipaddress {{\n  192.0.2.100/24\n }}\n{body}}}\n"
    )


def load(text: str):
    conversion = from_text(text)
    return conversion, parse_config(conversion.toml(), "converted.toml")


# -- the realistic configs ------------------------------------------------------------------


def test_web_lb_node_converts_with_every_field_in_place(fixture_copy, bin_dir):
    conversion, config = converted(fixture_copy("web-lb") / "keepalived.conf")
    assert config.global_.router_id == "lb-a"
    assert config.global_.startup_delay == 5.0
    web, web6 = config.instances
    assert (web.name, web.interface, web.virtual_router_id, web.priority) == (
        "VI_WEB",
        "eth0",
        51,
        150,
    )
    assert (web.version, web.advert_int, web.preempt, web.preempt_delay) == (3, 0.5, True, 10.0)
    assert [(str(v.interface), v.label) for v in web.vips] == [
        ("192.0.2.100/24", "eth0:web"),
        ("192.0.2.101/24", None),
    ]
    assert (web.garp_master_delay, web.garp_master_repeat) == (2.0, 4)  # from global_defs
    assert web.track_interface == (TrackRef("eth1", -30), TrackRef("eth2"))
    assert web.track_script == (TrackRef("chk_nginx"), TrackRef("chk_backend", -10))
    assert web.track_file == (TrackRef("maintenance", -60),)
    assert web.notify_master == (f"{bin_dir}/notify", "master")
    assert web.notify_backup == (f"{bin_dir}/notify",)
    assert web.notify == (f"{bin_dir}/notify-all",)
    default, other = web.virtual_routes
    assert (default.dst, default.via, default.dev, default.src) == (
        ip_network("0.0.0.0/0"),
        ip_address("192.0.2.1"),
        "eth0",
        ip_address("192.0.2.100"),
    )
    assert (default.metric, default.table) == (10, 100)
    assert (other.dst, other.via) == (ip_network("198.51.100.0/24"), ip_address("192.0.2.254"))
    (rule,) = web.virtual_rules
    assert (rule.src, rule.table, rule.priority) == (ip_network("192.0.2.100/32"), 100, 100)
    # the included IPv6 instance
    assert (web6.name, web6.version, web6.garp_interval) == ("VI_WEB6", 3, 0.01)
    assert [str(v.interface) for v in web6.vips] == ["2001:db8::100/64", "2001:db8::101/64"]
    scripts = {s.name: s for s in config.scripts}
    nginx = scripts["chk_nginx"]
    assert nginx.command == (f"{bin_dir}/check-nginx", "--port", "80")
    assert (nginx.interval, nginx.timeout, nginx.weight, nginx.rise, nginx.fall) == (
        2.0,
        3.0,
        -20,
        2,
        3,
    )
    assert scripts["chk_backend"].command == (f"{bin_dir}/check-backend", "pool a")
    (maintenance,) = config.track_files
    assert (maintenance.file, maintenance.weight) == ("/run/lb/maintenance", -60)
    (group,) = config.sync_groups
    assert group.instances == ("VI_WEB", "VI_WEB6")
    assert group.notify_master == (f"{bin_dir}/notify", "group-master")
    notes = notes_of(conversion)
    assert (
        "8: enable_script_security: not converted (vrrpd never uses a shell and checks every "
        "hook program when it loads the config)" in notes
    )
    assert (
        "32: state: not converted (vrrpd starts every instance as BACKUP and lets the "
        "election decide (priority 255 takes over at once))" in notes
    )
    assert any(
        n.startswith(
            "40: virtual_ipaddress: not converted (brd 192.0.2.255, scope global of 192.0.2.101/24"
        )
        for n in notes
    )
    assert any(n.startswith("58: virtual_routes: not converted (proto static") for n in notes)
    assert any(n.startswith("10: virtual_ipaddress: not converted (nodad") for n in notes)


def test_unicast_v2_firewall_node(fixture_copy):
    conversion, config = converted(fixture_copy("unicast-v2.conf", local_bin=True))
    (fw,) = config.instances
    assert (fw.version, fw.advert_int, fw.preempt) == (2, 2.0, False)
    assert (fw.auth_type, fw.auth_password) == (AUTH_PASS, b"s3cr3tpa")
    assert fw.unicast_src_ip == ip_address("203.0.113.2")
    assert fw.unicast_peer == (ip_address("203.0.113.1"), ip_address("203.0.113.3"))
    assert [(str(v.interface), v.label) for v in fw.vips] == [
        ("203.0.113.10/24", None),
        ("203.0.113.11/24", "bond0:fw"),
    ]
    assert fw.garp_master_refresh == 60.0
    assert (fw.vmac, fw.vmac_xmit_base) == ("vrrp.10", False)
    assert fw.notify_stop[0].endswith("/fw-stop")
    assert fw.unicast_min_ttl == 254  # the peer's min_ttl
    assert notes_of(conversion) == [
        "4: notification_email: not converted (vrrpd sends no mail; use a notify hook or MQTT)",
        "7: smtp_server: not converted (vrrpd sends no mail; use a notify hook or MQTT)",
        "11: state: not converted (vrrpd starts every instance as BACKUP and lets the "
        "election decide (priority 255 takes over at once))",
        "15: advert_int: converted, but VRRPv2 advertises whole seconds: advert_int = 2",
        "18: smtp_alert: not converted (vrrpd sends no mail; use a notify hook or MQTT)",
        "19: authentication: converted, but keepalived uses only the first 8 bytes of auth_pass",
        "26: unicast_peer: converted, but vrrpd has one unicast_min_ttl for all peers: 254",
        "31: virtual_ipaddress: not converted (2001:db8::10/64 is IPv6, the instance's first VIP "
        "is IPv4: one family per vrrpd instance)",
        "34: garp_master_refresh_repeat: not converted (vrrpd refreshes with one frame per VIP)",
        "35: frobnicate_level: not converted (unknown keyword in vrrp_instance)",
        "39: vrrp_instance: not converted (instance VI_HALF has no usable virtual_router_id, "
        "virtual_ipaddress; vrrpd needs them)",
        "44: lvs_sync_daemon: not converted (unknown top-level keyword)",
    ]


# -- versions, intervals, authentication -------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "body", "version"),
    [
        ("", "", 2),  # keepalived's default
        ("global_defs {\n vrrp_version 3\n}\n", "", 3),
        ("global_defs {\n vrrp_version 3\n}\n", " version 2\n", 2),  # the instance wins
    ],
)
def test_version_comes_from_instance_then_global_then_keepalived_default(extra, body, version):
    _conversion, config = load(instance_text(body, extra=extra))
    assert config.instances[0].version == version


def test_ipv6_instances_use_vrrpv3_even_when_v2_is_asked_for():
    text = instance_text(" version 2\n").replace("192.0.2.100/24", "2001:db8::100/64")
    conversion, config = load(text)
    assert config.instances[0].version == 3
    assert notes_of(conversion) == ["7: version: converted, but IPv6 needs VRRPv3: version = 3"]


def test_v3_intervals_are_centiseconds():
    conversion, config = load(instance_text(" version 3\n advert_int 0.125\n"))
    assert config.instances[0].advert_int == 0.12
    assert notes_of(conversion) == [
        "8: advert_int: converted, but VRRPv3 advertises centiseconds (max 40.95): 0.12"
    ]


def test_v3_authentication_is_dropped_like_keepalived_does():
    body = " version 3\n authentication {\n  auth_type PASS\n  auth_pass abc\n }\n"
    conversion, config = load(instance_text(body))
    assert config.instances[0].auth_type == 0
    assert notes_of(conversion) == [
        "8: authentication: not converted (VRRPv3 has no authentication (keepalived ignores it "
        "too))"
    ]


@pytest.mark.parametrize(
    ("auth", "reason"),
    [
        ("auth_type AH\n  auth_pass x", "IPsec AH is not supported"),
        ("auth_type PASS", "PASS without auth_pass"),
    ],
)
def test_unusable_authentication_is_noted(auth, reason):
    conversion, _config = load(instance_text(f" authentication {{\n  {auth}\n }}\n"))
    assert notes_of(conversion) == [f"7: authentication: not converted ({reason})"]


# -- virtual addresses -----------------------------------------------------------------------


def test_a_repeated_vip_keeps_the_first_and_its_label_comes_along():
    body = " virtual_ipaddress {\n  192.0.2.100/24 label eth0:vip\n  192.0.2.101\n }\n"
    conversion, config = load(instance_text(body))
    assert [(str(v.interface), v.label) for v in config.instances[0].vips] == [
        ("192.0.2.100/24", "eth0:vip"),
        ("192.0.2.101/32", None),
    ]
    assert notes_of(conversion) == [
        "8: virtual_ipaddress: not converted (192.0.2.100 is already listed at line 5)"
    ]


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("192.0.2.300", "'192.0.2.300' is not an address"),
        ("192.0.2.7 frob 1", "unknown option 'frob' for 192.0.2.7/32"),
    ],
)
def test_vips_vrrpd_cannot_hold_are_noted(entry, reason):
    conversion, config = load(instance_text(f" virtual_ipaddress {{\n  {entry}\n }}\n"))
    assert len(config.instances[0].vips) == 1
    assert notes_of(conversion) == [f"8: virtual_ipaddress: not converted ({reason})"]


def test_vips_on_another_dev_and_excluded_addresses_are_converted():
    body = (
        " virtual_ipaddress {\n  192.0.2.7/24 dev eth1 label eth1:web\n"
        "  192.0.2.8/24 dev eth0\n }\n"
        " virtual_ipaddress_excluded {\n  2001:db8::9/64 dev eth1\n  192.0.2.10/24\n"
        "  192.0.2.7/24\n }\n"
    )
    conversion, config = load(instance_text(body))
    instance = config.instances[0]
    assert [(str(v.interface), v.dev, v.label) for v in instance.vips] == [
        ("192.0.2.100/24", None, None),
        ("192.0.2.7/24", "eth1", "eth1:web"),
        ("192.0.2.8/24", None, None),  # dev eth0 is the instance's own
    ]
    assert [(str(v.interface), v.dev) for v in instance.vips_excluded] == [
        ("2001:db8::9/64", "eth1"),
        ("192.0.2.10/24", None),
    ]
    assert notes_of(conversion) == [
        "14: virtual_ipaddress_excluded: not converted (192.0.2.7 is already listed at line 8)"
    ]
    assert conversion.failover_lost == []


def test_a_label_linux_would_refuse_is_dropped_but_the_vip_kept():
    body = " virtual_ipaddress {\n  192.0.2.7 label eth9:x\n }\n"
    conversion, config = load(instance_text(body))
    assert [v.label for v in config.instances[0].vips] == [None, None]
    assert notes_of(conversion) == [
        "8: label: not converted (label 'eth9:x' of 192.0.2.7/32: Linux labels are IPv4-only, "
        "'eth0:NAME', at most 15 bytes)"
    ]


# -- scripts, hooks, tracking -------------------------------------------------------------------


def test_a_script_with_shell_syntax_is_refused_with_the_references_to_it(bin_dir):
    text = (
        'vrrp_script chk_port {\n script "</dev/tcp/127.0.0.1/80"\n}\n'
        'vrrp_script chk_ok {\n script "killall -0 sshd"\n weight 2 reverse\n}\n'
        + instance_text(" track_script {\n  chk_port\n  chk_ok weight 5\n  chk_nope\n }\n")
    )
    conversion, config = load(text)
    assert [s.name for s in config.scripts] == ["chk_ok"]
    assert config.instances[0].track_script == (TrackRef("chk_ok", 5),)
    notes = notes_of(conversion)
    assert notes[:2] == [
        "1: vrrp_script: not converted (a line of it cannot be converted; instances tracking "
        "'chk_port' lose that check)",
        "2: script: not converted ('</dev/tcp/127.0.0.1/80' uses shell syntax ('<'); vrrpd runs "
        "commands without a shell: put the command in a script file and name that)",
    ]
    assert [n.split(":")[0] for n in notes if n.split(": ")[1] == "track_script"] == [
        "15",
        "17",
    ]


def test_reversed_weights_are_converted(bin_dir):
    text = (
        'vrrp_script chk_rev {\n script "killall -0 sshd"\n weight -20 reverse\n}\n'
        'vrrp_script chk {\n script "killall -0 sshd"\n weight 3\n}\n'
        + instance_text(
            " track_script {\n  chk_rev\n  chk weight 4 reverse\n }\n"
            " track_interface {\n  eth1 weight 10 reverse\n  eth2 weight 0 reverse\n"
            "  eth3 weight -5 noreverse\n }\n"
        )
    )
    conversion, config = load(text)
    rev, chk = config.scripts
    assert (rev.weight, rev.reverse, chk.weight, chk.reverse) == (-20, True, 3, False)
    instance = config.instances[0]
    assert instance.track_script == (TrackRef("chk_rev"), TrackRef("chk", 4, True))
    assert instance.track_interface == (
        TrackRef("eth1", 10, True),
        TrackRef("eth2", 0, True),
        TrackRef("eth3", -5, False),
    )
    assert conversion.lost == []


def test_dont_track_primary_is_converted():
    conversion, config = load(instance_text(" dont_track_primary\n"))
    assert config.instances[0].dont_track_primary is True
    assert conversion.notes == []


@pytest.mark.parametrize("keyword", ["mcast_src_ip", "unicast_src_ip"])
def test_a_source_without_peers_is_mcast_src_ip(keyword):
    conversion, config = load(instance_text(f" {keyword} 192.0.2.11\n"))
    instance = config.instances[0]
    assert (instance.mcast_src_ip, instance.unicast) == (ip_address("192.0.2.11"), False)
    assert conversion.notes == []


def test_mcast_src_ip_with_peers_is_the_unicast_source():
    body = " mcast_src_ip 192.0.2.11\n unicast_peer {\n  192.0.2.12\n }\n"
    conversion, config = load(instance_text(body))
    instance = config.instances[0]
    assert (instance.unicast_src_ip, instance.mcast_src_ip) == (ip_address("192.0.2.11"), None)
    assert conversion.notes == []


@pytest.mark.parametrize(
    ("vip", "source", "reason"),
    [
        ("192.0.2.100/24", "2001:db8::11", "2001:db8::11 is IPv6, the VIPs are IPv4"),
        (
            "2001:db8::100/64",
            "2001:db8::11",
            "2001:db8::11 is not link-local: vrrpd sends IPv6 adverts from a link-local "
            "address (RFC 5798), the interface's own when none is given",
        ),
    ],
)
def test_a_source_vrrpd_cannot_use_is_noted(vip, source, reason):
    text = instance_text(f" mcast_src_ip {source}\n").replace("192.0.2.100/24", vip)
    conversion, config = load(text)
    assert config.instances[0].mcast_src_ip is None
    assert notes_of(conversion) == [f"7: mcast_src_ip: not converted ({reason})"]


def test_a_reversed_track_file_weight_is_noted():
    text = 'vrrp_track_file adj {\n file "/run/adj"\n}\n' + instance_text(
        " track_file {\n  adj weight 2 reverse\n }\n"
    )
    conversion, config = load(text)
    assert config.instances[0].track_file == ()
    assert notes_of(conversion) == [
        "11: track_file: not converted ('weight 2 reverse': vrrpd takes `weight N` (a file "
        "cannot be reversed), so 'adj' is not tracked)"
    ]


def test_bare_program_names_are_resolved_through_path(bin_dir):
    text = 'vrrp_script chk {\n script "killall -0 sshd"\n}\n' + instance_text(
        ' notify_fault "vrrp.fault now"\n'
    )
    conversion, config = load(text)
    assert config.scripts[0].command == (f"{bin_dir}/killall", "-0", "sshd")
    assert config.instances[0].notify_fault == (f"{bin_dir}/vrrp.fault", "now")
    assert (
        f"2: script: converted, but 'killall' found in PATH as {bin_dir}/killall "
        "(vrrpd does no PATH search)" in notes_of(conversion)
    )


def test_a_hook_run_as_another_user_keeps_the_command_and_notes_the_user(bin_dir):
    conversion, config = load(instance_text(f' notify_master "{bin_dir}/notify x" nobody\n'))
    assert config.instances[0].notify_master == (f"{bin_dir}/notify", "x")
    assert (
        "7: notify_master user: not converted (runs as user 'nobody': vrrpd runs hooks as "
        "its own user)" in notes_of(conversion)
    )


def test_a_sync_group_needs_two_converted_members(bin_dir):
    text = instance_text("") + "vrrp_sync_group G {\n group {\n  VI_1 VI_GONE\n }\n}\n"
    conversion, config = load(text)
    assert config.sync_groups == ()
    assert notes_of(conversion) == [
        "8: vrrp_sync_group: not converted (a vrrpd sync group needs two converted instances, "
        "got ['VI_1'])",
        "10: group: not converted (member 'VI_GONE' is not a converted instance)",
    ]


# -- routes and rules --------------------------------------------------------------------------


def test_multipath_routes_become_nexthops():
    body = (
        " virtual_routes {\n"
        "  198.51.100.0/24 via 192.0.2.1 or 192.0.2.2 dev eth0\n"
        "  203.0.113.0/24 nexthop via 192.0.2.3 weight 2 nexthop via 192.0.2.4 dev eth1\n"
        " }\n"
    )
    _conversion, config = load(instance_text(body))
    first, second = config.instances[0].virtual_routes
    assert [(str(h.via), h.dev, h.weight) for h in first.nexthops] == [
        ("192.0.2.1", "eth0", 1),
        ("192.0.2.2", "eth0", 1),
    ]
    assert [(str(h.via), h.dev, h.weight) for h in second.nexthops] == [
        ("192.0.2.3", None, 2),
        ("192.0.2.4", "eth1", 1),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("blackhole 198.51.100.1", "route type 'blackhole': vrrpd installs unicast routes only"),
        (
            "src 192.0.2.9 198.51.100.0/24 dev eth0",
            "src 192.0.2.9 is not a virtual address of "
            "the instance; vrrpd routes take their source "
            "from a VIP",
        ),
        ("198.51.100.0/24 via nowhere", "via 'nowhere' is not an IP address"),
        (
            "198.51.100.0/24 via 192.0.2.1 scope 7",
            "scope '7': vrrpd knows global, universe, site, link, host",
        ),
        ("via 192.0.2.1", "no destination"),
    ],
)
def test_routes_that_would_change_meaning_are_not_converted(line, reason):
    conversion, config = load(instance_text(f" virtual_routes {{\n  {line}\n }}\n"))
    assert config.instances[0].virtual_routes == ()
    assert notes_of(conversion) == [f"8: virtual_routes: not converted ({reason})"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            "from 192.0.2.0/24 fwmark 3 table 5",
            "'fwmark': vrrpd rules match from/to and look up a table only",
        ),
        ("from 192.0.2.0/24", "no table to look up"),
        ("to 192.0.2./24 table 2", "'192.0.2./24' is not an address or network"),
    ],
)
def test_rules_with_selectors_vrrpd_lacks_are_not_converted(line, reason):
    conversion, _config = load(instance_text(f" virtual_rules {{\n  {line}\n }}\n"))
    assert notes_of(conversion) == [f"8: virtual_rules: not converted ({reason})"]


def test_rule_from_all_to_a_network_keeps_only_the_destination():
    body = " virtual_rules {\n  from all to 198.51.100.0/24 lookup 7 pref 30 no_track\n }\n"
    conversion, config = load(instance_text(body))
    (rule,) = config.instances[0].virtual_rules
    assert (rule.src, rule.dst, rule.table, rule.priority) == (
        None,
        ip_network("198.51.100.0/24"),
        7,
        30,
    )
    assert notes_of(conversion) == [
        "8: virtual_rules: not converted (no_track: vrrpd installs the rule without it)"
    ]


# -- unknown keywords everywhere are reported with their line ------------------------------------


def test_unknown_keywords_are_reported_in_every_block(bin_dir):
    text = (
        "global_defs {\n  frob_global 1\n}\n"  # lines 1-3
        f'vrrp_script s {{\n  script "{bin_dir}/notify"\n  frob_script 1\n}}\n'  # 4-7
        "vrrp_track_file f {\n  file /run/x\n  frob_file 1\n}\n"  # 8-11
        + instance_text(
            " frob_instance 1\n authentication {\n  auth_type PASS\n  auth_pass x\n"
            "  frob_auth 1\n }\n"
        )  # 12-24
        + "vrrp_sync_group G {\n  group {\n   VI_1\n  }\n  frob_group 1\n}\n"  # 25-30
        + "frob_top {\n  anything 1\n}\n"  # 31-33
    )
    conversion = from_text(text)
    unknown = [n for n in notes_of(conversion) if "unknown" in n or "no vrrpd equivalent" in n]
    assert unknown == [
        "2: frob_global: not converted (unknown keyword in global_defs)",
        "6: frob_script: not converted (unknown keyword in vrrp_script)",
        "10: frob_file: not converted (unknown keyword in vrrp_track_file)",
        "18: frob_instance: not converted (unknown keyword in vrrp_instance)",
        "22: frob_auth: not converted (unknown keyword in authentication)",
        "29: frob_group: not converted (unknown keyword in vrrp_sync_group)",
        "31: frob_top: not converted (unknown top-level keyword)",
    ]


def test_a_vip_without_prefix_is_a_host_address_as_in_keepalived():
    _conversion, config = load(instance_text("").replace("192.0.2.100/24", "192.0.2.100"))
    assert config.instances[0].vips[0].interface == ip_interface("192.0.2.100/32")


def test_a_realistic_migration_converts_vmac_and_track_process_and_keeps_hooks_and_fifo(
    fixture_copy,
):
    conversion, config = converted(fixture_copy("migration.conf"))
    assert config.global_.notify_fifo == "/run/keepalived.fifo"
    assert config.global_.notify_convention == "keepalived"
    edge = config.instance("VI_EDGE")
    assert edge.notify_stop[1:] == ("stop",)
    assert (edge.vmac, edge.vmac_xmit_base) == ("vrrp.60", True)
    assert edge.track_process == (TrackRef("haproxy"),)
    (haproxy,) = config.track_processes
    assert (haproxy.name, haproxy.process, haproxy.weight, haproxy.quorum) == (
        "haproxy", ("haproxy",), -40, 1,
    )
    # only what vrrpd does its own way is noted, nothing that changes failover: exit 0
    lost = {(n.line, n.keyword): n.failover for n in conversion.notes if n.lost}
    assert lost == {(7, "script_user"): False, (8, "enable_script_security"): False}
    assert conversion.failover_lost == []
    assert [(str(v.interface), v.dev) for v in edge.vips] == [
        ("192.0.2.60/24", None),
        ("198.51.100.60/24", "eth1"),
    ]
    assert [str(v.interface) for v in edge.vips_excluded] == ["2001:db8::60/64"]


def test_routed_unicast_ttl_knobs_convert():
    body = """ unicast_src_ip 198.51.100.2
 unicast_ttl 64
 check_unicast_src
 unicast_peer {
  198.51.100.6 min_ttl 253
  198.51.100.10 max_ttl 255
 }
"""
    conversion, config = load(instance_text(body))
    cfg = config.instances[0]
    assert (cfg.unicast_ttl, cfg.unicast_min_ttl) == (64, 253)
    notes = notes_of(conversion)
    assert any("max_ttl 255 of peer 198.51.100.10: vrrpd knows only min_ttl" in n for n in notes)


# -- VMAC and track_process ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "vmac", "xmit_base"),
    [
        (" use_vmac\n", "vrrp.51", False),
        (" use_vmac vrrp51\n vmac_xmit_base\n", "vrrp51", True),
        (" vmac_xmit_base\n use_vmac\n", "vrrp.51", True),
    ],
)
def test_use_vmac_and_vmac_xmit_base_are_converted(lines, vmac, xmit_base):
    conversion, config = load(instance_text(lines))
    instance = config.instances[0]
    assert (instance.vmac, instance.vmac_xmit_base) == (vmac, xmit_base)
    assert conversion.notes == []


def test_vmac_xmit_base_without_use_vmac_is_noted_as_keepalived_ignores_it():
    conversion, config = load(instance_text(" vmac_xmit_base\n"))
    assert config.instances[0].vmac_xmit_base is False
    assert notes_of(conversion) == [
        "7: vmac_xmit_base: not converted (it needs use_vmac, which this instance lacks)"
    ]
    assert conversion.failover_lost == []


def test_use_vmac_with_two_names_is_noted():
    conversion, config = load(instance_text(" use_vmac a b\n"))
    assert config.instances[0].vmac is None
    assert notes_of(conversion) == [
        "7: use_vmac: not converted (expects at most one interface name, got 2)"
    ]


def test_a_vmac_name_linux_refuses_fails_check_config_not_the_import():
    conversion = from_text(instance_text(" use_vmac " + "v" * 16 + "\n"))
    assert conversion.document["instances"]["VI_1"]["use_vmac"] == "v" * 16
    with pytest.raises(ConfigError, match="use_vmac"):
        parse_config(conversion.toml(), "converted.toml")


PROCESSES = (
    "vrrp_track_process nginx {\n process nginx\n weight 20 reverse\n quorum 2\n"
    " quorum_max 4\n delay 1.5\n fork_delay 3\n}\n"
    "vrrp_track_process worker {\n process /usr/bin/python3 -m app.worker\n"
    " param_match partial\n full_command\n weight -30\n terminate_delay 0.5\n}\n"
    "vrrp_track_process none_left {\n process old-daemon\n quorum_max 0\n}\n"
)


def test_track_processes_convert_key_by_key():
    conversion, config = load(
        instance_text(
            " track_process {\n  nginx\n  worker weight -10 reverse\n  none_left weight 0\n"
            "  other weight 5 noreverse\n }\n",
            extra=PROCESSES + "vrrp_track_process other {\n process other\n}\n",
        )
    )
    assert conversion.notes == []
    nginx, worker, none_left, other = config.track_processes
    assert (nginx.process, nginx.weight, nginx.reverse, nginx.quorum, nginx.quorum_max) == (
        ("nginx",), 20, True, 2, 4,
    )
    assert (nginx.fork_delay, nginx.terminate_delay, nginx.full_command) == (3, 1.5, False)
    assert worker.process == ("/usr/bin/python3", "-m", "app.worker")
    assert (worker.param_match, worker.full_command, worker.weight, worker.reverse) == (
        "partial", True, -30, False,
    )
    assert (worker.fork_delay, worker.terminate_delay) == (0, 0.5)
    assert (none_left.quorum, none_left.quorum_max) == (0, 0)
    assert other.process == ("other",)
    assert config.instances[0].track_process == (
        TrackRef("nginx"),
        TrackRef("worker", -10, True),
        TrackRef("none_left", 0),
        TrackRef("other", 5, False),
    )
    text = conversion.toml()
    assert '[track_processes.nginx]\nprocess = ["nginx"]\nweight = 20\nreverse = true\n' in text


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("param_match fuzzy", "'fuzzy': vrrpd matches exact, partial, initial"),
        ("quorum 0", "0 is outside 1..65535"),
        ("quorum_max 70000", "70000 is outside 0..65535"),
        ("delay soon", "'soon' is not a number of seconds in 0..3600"),
        ("weight 300", "300 is outside -254..254"),
        ("weight -5 sideways", "expects one value, got 2"),
        ("process_count 3", "unknown keyword in vrrp_track_process"),
    ],
)
def test_track_process_lines_vrrpd_cannot_take_are_noted(line, reason):
    text = f"vrrp_track_process p {{\n process p\n {line}\n}}\n"
    conversion, config = load(instance_text(" track_process {\n  p\n }\n", extra=text))
    assert config.track_processes[0].process == ("p",)
    keyword = line.split()[0]
    assert notes_of(conversion) == [f"3: {keyword}: not converted ({reason})"]
    assert conversion.failover_lost != []


def test_a_track_process_without_a_process_drops_it_and_the_references_to_it():
    text = "vrrp_track_process p {\n weight -10\n}\n"
    conversion, config = load(instance_text(" track_process {\n  p weight 5\n }\n", extra=text))
    assert config.track_processes == ()
    assert config.instances[0].track_process == ()
    assert notes_of(conversion) == [
        "1: vrrp_track_process: not converted (it has no process line; instances tracking 'p' "
        "lose that check)",
        "11: track_process: not converted ('p' is not defined or was not converted; see its "
        "definition)",
    ]
    assert all(note.failover for note in conversion.notes)


def test_an_ipv6_vmac_gets_vrrpd_s_name_and_a_remark():
    text = instance_text(" use_vmac\n").replace("192.0.2.100/24", "2001:db8::1/64")
    conversion, config = load(text)
    assert config.instances[0].vmac == "vrrp6.51"
    assert notes_of(conversion) == [
        "7: use_vmac: converted, but vrrpd names an IPv6 instance's macvlan vrrp6.51 "
        "(keepalived: vrrp.VRID); write use_vmac NAME to keep keepalived's name"
    ]
    assert conversion.lost == []


def test_a_sync_groups_notify_stop_is_carried_over(bin_dir):
    text = (
        instance_text("")
        + instance_text("", name="VI_2").replace("51", "52").replace(".100/", ".101/")
        + "vrrp_sync_group G {\n group {\n  VI_1 VI_2\n }\n"
        + f' notify_stop "{bin_dir}/notify"\n}}\n'
    )
    conversion, config = load(text)
    (group,) = config.sync_groups
    assert group.notify_stop == (f"{bin_dir}/notify",)
    assert group.notify_convention == "keepalived"
    assert not [n for n in notes_of(conversion) if "notify_stop" in n]
