"""What the importer does with each keepalived keyword: the one table behind both the
conversion notes and the coverage table in conf/README.md (vrrpd.keepalived_import.coverage).

The keyword lists are keepalived 2.2.7's (Debian's version): every keyword its parser
(keepalived/vrrp/vrrp_parser.c) installs inside `vrrp_instance`, and the `global_defs`
keywords of keepalived/core/global_parser.c that concern VRRP (those built only with VRRP,
plus router_id, notify_fifo, notify_fifo_script, script_user, enable_script_security).

Each Keyword says how it converts: SUPPORTED (same key, same meaning), CONVERTED (carried
over as something else, `text` says as what) or LOST (not converted, `text` says why), and
for LOST whether losing it changes failover (`failover`: a health check, VIP, route, tracked
thing or hook), which makes `vrrpd import-keepalived` exit 3.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED = "supported"
CONVERTED = "converted"
LOST = "not converted"


@dataclass(frozen=True, slots=True)
class Keyword:
    status: str
    text: str = ""  # CONVERTED: as what; LOST: why
    failover: bool = True  # LOST only: does losing it change how failover behaves?


def _s(text: str = "") -> Keyword:
    return Keyword(SUPPORTED, text)


def _c(text: str) -> Keyword:
    return Keyword(CONVERTED, text)


def _lost(text: str, failover: bool = True) -> Keyword:
    return Keyword(LOST, text, failover)


_NO_FIREWALL = "vrrpd adds no firewall rules"
_SCHED = "set it in vrrpd.service (Nice=, CPUSchedulingPolicy=, CPUAffinity=, LimitRTTIME=)"
_BUFS = "vrrpd sizes its netlink and raw sockets itself"
_VMAC_NAME = (
    "vrrpd names the macvlan vrrp.VRID (vrrp6.VRID for IPv6); name it per instance with "
    "use_vmac NAME"
)
_PROC_BUFS = "vrrpd scans /proc; no netlink receive buffer"
_ONE_BURST = (
    "vrrpd answers a lower-priority master with one advert and one GARP burst, at most once "
    "per advert interval"
)

INSTANCE: dict[str, Keyword] = {
    "use_vmac": _s("`use_vmac` as true, `use_vmac NAME` as the name"),
    "use_vmac_addr": _lost(
        "vrrpd puts the virtual MAC only on the instance's own macvlan; VIPs on other "
        "interfaces are announced with those interfaces' MACs",
        failover=False,
    ),
    "vmac_xmit_base": _s("needs use_vmac, as in keepalived"),
    "use_ipvlan": _lost("vrrpd has no ipvlan interfaces (this kernel has no ipvlan either)"),
    "unicast_peer": _s("per-peer min_ttl becomes unicast_min_ttl (the lowest of them); "
                       "max_ttl is not converted"),
    "unicast_fault_no_peer": _lost("vrrpd needs at least one peer for a unicast instance"),
    "check_unicast_src": _c("always on: a unicast instance accepts adverts only from its peers"),
    "old_unicast_checksum": _lost("vrrpd computes the RFC checksum for unicast adverts"),
    "native_ipv6": _c("implied: an instance with IPv6 VIPs runs VRRPv3 over IPv6"),
    "state": _lost(
        "vrrpd starts every instance as BACKUP and lets the election decide (priority 255 "
        "takes over at once)",
        failover=False,
    ),
    "interface": _s(),
    "vrf": _lost("vrrpd has no VRF support (run it inside the VRF's context instead)"),
    "dont_track_primary": _s(),
    "track_interface": _s("with `weight W [reverse]`"),
    "track_script": _s("with `weight W [reverse|noreverse]`"),
    "track_file": _s("`weight W reverse` is not converted"),
    "track_process": _s("with `weight W [reverse]`"),
    "track_bfd": _lost("vrrpd has no BFD"),
    "mcast_src_ip": _s("as unicast_src_ip when the instance has unicast peers"),
    "unicast_src_ip": _s("as mcast_src_ip when the instance has no unicast peers"),
    "mcast_dst_ip": _lost("vrrpd uses the RFC group (224.0.0.18, ff02::12)"),
    "track_src_ip": _lost("vrrpd does not track its source address"),
    "virtual_router_id": _s(),
    "unicast_ttl": _s(),
    "version": _s("IPv6 forces version 3, as keepalived does"),
    "priority": _s(),
    "advert_int": _s("rounded to what the version can carry, noted"),
    "virtual_ipaddress": _s("address, prefix, label and dev; brd/scope/flags are noted"),
    "virtual_ipaddress_excluded": _s("address, prefix, label and dev, either family"),
    "promote_secondaries": _lost(
        "set net.ipv4.conf.IF.promote_secondaries = 1 with sysctl", failover=False
    ),
    "linkbeat_use_polling": _lost("vrrpd watches links through netlink", failover=False),
    "virtual_routes": _s("unicast routes; other route types are noted"),
    "virtual_rules": _s("from/to/table/priority; other selectors are noted"),
    "accept": _c("always: the VIPs are local addresses"),
    "no_accept": _lost(_NO_FIREWALL, failover=False),
    "skip_check_adv_addr": _c("always: vrrpd does not compare the advert's address list"),
    "strict_mode": _lost("vrrpd follows the RFC on the wire; " + _NO_FIREWALL, failover=False),
    "preempt": _s(),
    "nopreempt": _c("preempt = false"),
    "preempt_delay": _s(),
    "debug": _lost("use global.log_level = \"debug\"", failover=False),
    "notify_backup": _s(),
    "notify_master": _s(),
    "notify_fault": _s(),
    "notify_stop": _s(),
    "notify_deleted": _lost("vrrpd runs notify_stop for an instance removed at reload"),
    "notify": _s("with notify_convention = \"keepalived\""),
    "notify_master_rx_lower_pri": _s(),
    "smtp_alert": _lost("vrrpd sends no mail; use a notify hook or MQTT", failover=False),
    "notify_priority_changes": _lost(
        "vrrpd publishes priority changes in its status and over MQTT", failover=False
    ),
    "lvs_sync_daemon_interface": _lost("vrrpd does not drive LVS", failover=False),
    "garp_master_delay": _s(),
    "garp_master_refresh": _s(),
    "garp_master_repeat": _s(),
    "garp_master_refresh_repeat": _lost(
        "vrrpd refreshes with one frame per VIP", failover=False
    ),
    "garp_lower_prio_delay": _lost(_ONE_BURST, failover=False),
    "garp_lower_prio_repeat": _lost(_ONE_BURST, failover=False),
    "down_timer_adverts": _lost("vrrpd uses the RFC Master_Down_Interval (3 adverts + skew)"),
    "garp_extra_if": _lost("vrrpd sends GARPs on the instance's interface only", False),
    "vmac_garp_intvl": _lost("vrrpd sends GARPs on the instance's interface only", False),
    "lower_prio_no_advert": _lost("vrrpd answers a lower-priority master with an advert"),
    "higher_prio_send_advert": _lost("vrrpd backs off silently when it hears a higher master"),
    "kernel_rx_buf_size": _lost(_BUFS, failover=False),
    "authentication": _s("PASS only (v2); AH is noted"),
}
INSTANCE_EXTRA: dict[str, Keyword] = {  # accepted by the importer, not in 2.2.7's list
    "gna_interval": _c("garp_interval of an IPv6 instance"),
    "no_virtual_ipaddress": _lost("a vrrpd instance needs at least one VIP"),
}

GLOBAL: dict[str, Keyword] = {
    "router_id": _s(),
    "vrrp_process_name": _lost("vrrpd runs as one process", failover=False),
    "smtp_alert_vrrp": _lost("vrrpd sends no mail; use a notify hook or MQTT", False),
    "dynamic_interfaces": _lost("vrrpd needs the instance's interface at start"),
    "no_email_faults": _lost("vrrpd sends no mail", failover=False),
    "default_interface": _c("the interface of each instance that names none"),
    "disable_local_igmp": _lost("vrrpd does not change IGMP sysctls", failover=False),
    "vrrp_mcast_group4": _c("nothing, when it is the RFC group 224.0.0.18; other groups are "
                            "not converted (vrrpd uses the RFC group)"),
    "vrrp_mcast_group6": _c("nothing, when it is the RFC group ff02::12; other groups are "
                            "not converted (vrrpd uses the RFC group)"),
    "vrrp_garp_master_delay": _c("garp_master_delay of each instance"),
    "vrrp_garp_master_repeat": _c("garp_master_repeat of each instance"),
    "vrrp_garp_master_refresh": _c("garp_master_refresh of each instance"),
    "vrrp_garp_master_refresh_repeat": _lost("vrrpd refreshes with one frame per VIP", False),
    "vrrp_garp_lower_prio_delay": _lost(_ONE_BURST, failover=False),
    "vrrp_garp_lower_prio_repeat": _lost(_ONE_BURST, failover=False),
    "vrrp_down_timer_adverts": _lost("vrrpd uses the RFC Master_Down_Interval"),
    "vrrp_garp_interval": _c("garp_interval of each instance"),
    "vrrp_gna_interval": _c("garp_interval of each IPv6 instance"),
    "vrrp_min_garp": _lost("vrrpd sends its configured GARP bursts", failover=False),
    "vrrp_garp_extra_if": _lost("vrrpd sends GARPs on the instance's interface only", False),
    "vrrp_vmac_garp_intvl": _lost("vrrpd sends GARPs on the instance's interface only", False),
    "vrrp_lower_prio_no_advert": _lost("vrrpd answers a lower-priority master with an advert"),
    "vrrp_higher_prio_send_advert": _lost("vrrpd backs off silently from a higher master"),
    "vrrp_version": _c("version of each instance that names none"),
    "vrrp_iptables": _lost(_NO_FIREWALL, failover=False),
    "vrrp_ipsets": _lost(_NO_FIREWALL, failover=False),
    "nftables": _lost(_NO_FIREWALL, failover=False),
    "nftables_priority": _lost(_NO_FIREWALL, failover=False),
    "nftables_ifindex": _lost(_NO_FIREWALL, failover=False),
    "nftables_counters": _lost(_NO_FIREWALL, failover=False),
    "vrrp_check_unicast_src": _c("always on: unicast instances accept only their peers"),
    "vrrp_skip_check_adv_addr": _c("always: vrrpd does not compare the advert's address list"),
    "vrrp_strict": _lost("vrrpd follows the RFC on the wire; " + _NO_FIREWALL, False),
    "vrrp_priority": _lost(_SCHED, failover=False),
    "vrrp_no_swap": _lost("set MemoryLock/LockPersonality in vrrpd.service", failover=False),
    "vrrp_rt_priority": _lost(_SCHED, failover=False),
    "vrrp_cpu_affinity": _lost(_SCHED, failover=False),
    "vrrp_rlimit_rttime": _lost(_SCHED, failover=False),
    "vrrp_rlimit_rtime": _lost(_SCHED, failover=False),
    "vrrp_notify_fifo": _c("global.notify_fifo"),
    "vrrp_notify_fifo_script": _lost("start the FIFO reader yourself (e.g. a systemd unit)"),
    "vrrp_notify_priority_changes": _lost(
        "vrrpd publishes priority changes in its status and over MQTT", failover=False
    ),
    "fifo_write_vrrp_states_on_reload": _lost("vrrpd writes transitions only", False),
    "vrrp_netlink_cmd_rcv_bufs": _lost(_BUFS, failover=False),
    "vrrp_netlink_cmd_rcv_bufs_force": _lost(_BUFS, failover=False),
    "vrrp_netlink_monitor_rcv_bufs": _lost(_BUFS, failover=False),
    "vrrp_netlink_monitor_rcv_bufs_force": _lost(_BUFS, failover=False),
    "process_monitor_rcv_bufs": _lost(_PROC_BUFS, failover=False),
    "process_monitor_rcv_bufs_force": _lost(_PROC_BUFS, failover=False),
    "vrrp_rx_bufs_policy": _lost(_BUFS, failover=False),
    "vrrp_rx_bufs_multiplier": _lost(_BUFS, failover=False),
    "vrrp_startup_delay": _c("global.startup_delay"),
    "log_unknown_vrids": _lost("vrrpd counts adverts for unknown VRIDs", failover=False),
    "vmac_prefix": _lost(_VMAC_NAME, failover=False),
    "vmac_addr_prefix": _lost(_VMAC_NAME, failover=False),
    "notify_fifo": _c("global.notify_fifo"),
    "notify_fifo_script": _lost("start the FIFO reader yourself (e.g. a systemd unit)"),
    "script_user": _lost(
        "vrrpd runs hooks and scripts as its own user (the user vrrpd.service sets)", False
    ),
    "enable_script_security": _lost(
        "vrrpd never uses a shell and checks every hook program when it loads the config",
        failover=False,
    ),
}
_MAIL = _lost("vrrpd sends no mail; use a notify hook or MQTT", failover=False)
_SNMP = _lost("vrrpd has no SNMP; use the Prometheus endpoint or MQTT", failover=False)
_NOT_VRRP = _lost("not a VRRP setting (keepalived's checker, LVS or BFD)", failover=False)
GLOBAL_NON_VRRP: dict[str, Keyword] = {  # keepalived 2.2.7's other global_defs keywords
    **dict.fromkeys(
        ("notification_email_from", "smtp_server", "smtp_helo_name", "smtp_connect_timeout",
         "notification_email", "smtp_alert", "smtp_alert_checker", "no_checker_emails"), _MAIL),
    **dict.fromkeys(
        ("snmp_socket", "enable_traps", "enable_snmp_vrrp", "enable_snmp_keepalived",
         "enable_snmp_rfc", "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_snmp_checker"),
        _SNMP),
    "enable_dbus": _lost("vrrpd has no D-Bus; use the control socket or MQTT", False),
    "dbus_service_name": _lost("vrrpd has no D-Bus; use the control socket or MQTT", False),
    "startup_script": _lost("use ExecStartPre= in vrrpd.service", failover=False),
    "startup_script_timeout": _lost("use ExecStartPre= in vrrpd.service", failover=False),
    "shutdown_script": _lost("use ExecStopPost= in vrrpd.service", failover=False),
    "shutdown_script_timeout": _lost("use ExecStopPost= in vrrpd.service", failover=False),
    "max_auto_priority": _lost(_SCHED, failover=False),
    "min_auto_priority_delay": _lost(_SCHED, failover=False),
    **dict.fromkeys(
        ("process_names", "process_name", "umask", "random_seed", "reload_check_config",
         "reload_time_file", "reload_repeat", "reload_file", "include_check",
         "config_save_dir", "tmp_config_directory", "data_use_instance"),
        _lost("keepalived process setting; vrrpd runs as one process", failover=False)),
    **dict.fromkeys(
        ("checker_process_name", "lvs_process_name", "bfd_process_name",
         "checker_log_all_failures", "lvs_timeouts", "lvs_flush", "lvs_flush_on_stop",
         "lvs_flush_onstop", "lvs_sync_daemon", "nftables_ipvs", "nftables_ipvs_priority",
         "nftables_ipvs_start_fwmark", "lvs_notify_fifo", "lvs_notify_fifo_script",
         "checker_priority", "checker_no_swap", "checker_rt_priority", "checker_cpu_affinity",
         "checker_rlimit_rttime", "checker_rlimit_rtime", "bfd_priority", "bfd_no_swap",
         "bfd_rt_priority", "bfd_cpu_affinity", "bfd_rlimit_rttime", "bfd_rlimit_rtime",
         "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_cmd_rcv_bufs_force",
         "lvs_netlink_monitor_rcv_bufs", "lvs_netlink_monitor_rcv_bufs_force",
         "rs_init_notifies"),
        _NOT_VRRP),
}

TOP_LEVEL: dict[str, Keyword] = {  # blocks other than global_defs and the converted ones
    # (vrrp_script, vrrp_track_file, vrrp_track_process, vrrp_instance, vrrp_sync_group)
    "virtual_server": _lost("LVS virtual servers are not part of vrrpd", False),
    "virtual_server_group": _lost("LVS virtual servers are not part of vrrpd", False),
    "static_ipaddress": _lost("vrrpd manages only the VIPs of its instances"),
    "static_routes": _lost("vrrpd manages only the virtual routes of its instances"),
    "static_rules": _lost("vrrpd manages only the virtual rules of its instances"),
    "linkbeat_interfaces": _lost("vrrpd watches links through netlink", False),
    "bfd_instance": _lost("vrrpd has no BFD"),
    "garp_group": _lost("vrrpd sends GARPs on the instance's interface only", False),
    "net_namespace": _lost("run vrrpd inside the namespace instead (ip netns exec)"),
    "net_namespace_ipvs": _lost("vrrpd does not drive LVS", False),
    "instance": _lost("run one vrrpd per node", False),
    "use_pid_dir": _lost("vrrpd keeps no pid files", False),
    "child_wait_time": _lost("vrrpd runs as one process", False),
    "track_group": _lost("vrrpd has no track groups; track in each instance"),
    "interface_up_down_delays": _lost("vrrpd reacts to link changes at once"),
}
UNKNOWN = _lost("unknown keyword")

SCRIPT: dict[str, Keyword] = {  # inside vrrp_script
    "script": _c("command (an argv list; shell syntax is refused)"),
    "interval": _s(),
    "timeout": _s(),
    "weight": _s("with `reverse`"),
    "rise": _s(),
    "fall": _s(),
    "user": _lost("vrrpd runs scripts as its own user", failover=False),
    "init_fail": _c(
        "nothing: vrrpd runs every script at start and its first result counts at once"
    ),
}


def lookup(table: dict[str, Keyword], keyword: str, default: Keyword = UNKNOWN) -> Keyword:
    return table.get(keyword, default)
