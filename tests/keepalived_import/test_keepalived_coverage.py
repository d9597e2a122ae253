"""The keyword tables cover keepalived 2.2.7's lists, drive the importer's notes, and the
coverage table in conf/README.md is exactly what they generate."""

from __future__ import annotations

import pytest
from ki_support import from_text

from vrrpd.keepalived_import import coverage
from vrrpd.keepalived_import.keywords import GLOBAL, INSTANCE, LOST


def words(text: str) -> list[str]:
    return text.split()


# keepalived 2.2.7 (Debian), keepalived/vrrp/vrrp_parser.c: keywords inside vrrp_instance
KEEPALIVED_INSTANCE = words("""
    use_vmac use_vmac_addr vmac_xmit_base use_ipvlan unicast_peer unicast_fault_no_peer
    check_unicast_src old_unicast_checksum native_ipv6 state interface vrf
    dont_track_primary track_interface track_script track_file track_process track_bfd
    mcast_src_ip unicast_src_ip mcast_dst_ip track_src_ip virtual_router_id unicast_ttl
    version priority advert_int virtual_ipaddress virtual_ipaddress_excluded
    promote_secondaries linkbeat_use_polling virtual_routes virtual_rules accept no_accept
    skip_check_adv_addr strict_mode preempt nopreempt preempt_delay debug notify_backup
    notify_master notify_fault notify_stop notify_deleted notify notify_master_rx_lower_pri
    smtp_alert notify_priority_changes lvs_sync_daemon_interface garp_master_delay
    garp_master_refresh garp_master_repeat garp_master_refresh_repeat garp_lower_prio_delay
    garp_lower_prio_repeat down_timer_adverts garp_extra_if vmac_garp_intvl
    lower_prio_no_advert higher_prio_send_advert kernel_rx_buf_size authentication
""")
# keepalived/core/global_parser.c: global_defs keywords built only with VRRP, plus the
# VRRP-relevant ones built always
KEEPALIVED_GLOBAL_VRRP = words("""
    vrrp_process_name smtp_alert_vrrp dynamic_interfaces no_email_faults default_interface
    disable_local_igmp vrrp_mcast_group4 vrrp_mcast_group6 vrrp_garp_master_delay
    vrrp_garp_master_repeat vrrp_garp_master_refresh vrrp_garp_master_refresh_repeat
    vrrp_garp_lower_prio_delay vrrp_garp_lower_prio_repeat vrrp_down_timer_adverts
    vrrp_garp_interval vrrp_gna_interval vrrp_min_garp vrrp_garp_extra_if
    vrrp_vmac_garp_intvl vrrp_lower_prio_no_advert vrrp_higher_prio_send_advert vrrp_version
    vrrp_iptables vrrp_ipsets nftables nftables_priority nftables_ifindex nftables_counters
    vrrp_check_unicast_src vrrp_skip_check_adv_addr vrrp_strict vrrp_priority vrrp_no_swap
    vrrp_rt_priority vrrp_cpu_affinity vrrp_rlimit_rttime vrrp_rlimit_rtime vrrp_notify_fifo
    vrrp_notify_fifo_script vrrp_notify_priority_changes fifo_write_vrrp_states_on_reload
    vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs
    vrrp_netlink_monitor_rcv_bufs_force process_monitor_rcv_bufs
    process_monitor_rcv_bufs_force vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier
    vrrp_startup_delay log_unknown_vrids vmac_prefix vmac_addr_prefix router_id notify_fifo
    notify_fifo_script script_user enable_script_security
""")

BASE = (
    "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n"
    " virtual_ipaddress {{\n  192.0.2.10/24\n }}\n {line}\n}}\n"
)


def test_the_tables_cover_keepalived_s_lists_exactly():
    assert sorted(INSTANCE) == sorted(KEEPALIVED_INSTANCE)
    assert sorted(GLOBAL) == sorted(KEEPALIVED_GLOBAL_VRRP)


def test_the_readme_section_is_what_the_tables_generate():
    text = coverage.README.read_text(encoding="utf-8")
    assert coverage.updated(text) == text, (
        "conf/README.md is out of date: run python -m vrrpd.keepalived_import.coverage"
    )
    assert coverage.main(["--check"]) == 0


@pytest.mark.parametrize("keyword", sorted(k for k, e in INSTANCE.items() if e.status == LOST))
def test_every_lost_instance_keyword_is_noted_with_the_table_s_reason(keyword):
    conversion = from_text(BASE.format(line=f"{keyword} 1"))
    entry = INSTANCE[keyword]
    (note,) = [n for n in conversion.notes if n.keyword == keyword]
    assert note.message == f"not converted ({entry.text})"
    assert note.failover == entry.failover
    assert note.section == "instances.VI_1"


@pytest.mark.parametrize("keyword", sorted(k for k, e in GLOBAL.items() if e.status == LOST))
def test_every_lost_global_keyword_is_noted_with_the_table_s_reason(keyword):
    conversion = from_text(f"global_defs {{\n {keyword} 1\n}}\n" + BASE.format(line=""))
    entry = GLOBAL[keyword]
    (note,) = [n for n in conversion.notes if n.keyword == keyword]
    assert (note.message, note.failover) == (f"not converted ({entry.text})", entry.failover)


def test_the_counts_grew():
    # before this change the importer carried over 24 of these 64 instance keywords and
    # 8 of the 59 global ones; 30 and 15 once the honest importer landed; then
    # dont_track_primary, mcast_src_ip, virtual_ipaddress_excluded; then use_vmac,
    # vmac_xmit_base, track_process; unicast_ttl (issue 14)
    assert coverage.counts(INSTANCE) == (37, 64)
    assert coverage.counts(GLOBAL) == (15, 59)
