"""Semantic checks of one `[instances.NAME]` table, turning it into an InstanceConfig.

Every check runs even after an earlier one failed (as long as it does not depend on the
failed value), so one run lists every mistake of the instance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address

from vrrpd.config.addresses import (
    check_interface_name,
    parse_excluded_vips,
    parse_unicast_address,
    parse_unicast_peers,
    parse_vips,
)
from vrrpd.config.errors import ConfigProblem
from vrrpd.config.hooks import instance_hooks
from vrrpd.config.model import InstanceConfig
from vrrpd.config.names import NAME_RULE, valid_name
from vrrpd.config.routed import instance_routed
from vrrpd.config.routes import instance_routing
from vrrpd.config.schema import RawAuthentication, RawInstance
from vrrpd.protocol.packet import (
    AUTH_DATA_LEN,
    AUTH_NONE,
    AUTH_PASS,
    V2_MAX_INTERVAL,
    V3_MAX_INTERVAL,
)

MAX_DELAY = 3600.0  # preempt_delay and garp_master_delay: an hour is already a typo
MAX_REFRESH = 86400.0
MAX_SPLIT_BRAIN_AFTER = 100

Report = Callable[[str, str], None]  # report(key under the instance, message)


def build_instance(
    name: str, raw: RawInstance, path: str, problems: list[ConfigProblem]
) -> InstanceConfig | None:
    """The checked instance, or None after appending its problems to `problems`."""
    already = len(problems)

    def report(key: str, message: str) -> None:
        problems.append(ConfigProblem(f"{path}.{key}" if key else path, message))

    if not valid_name(name):
        report("", f"instance names are {NAME_RULE} (they reach hooks, MQTT topics and metrics)")
    check_interface_name(raw.interface, f"{path}.interface", problems)
    if not 1 <= raw.virtual_router_id <= 255:
        report("virtual_router_id", f"must be 1..255, got {raw.virtual_router_id}")
    if not 1 <= raw.priority <= 255:
        report(
            "priority",
            f"must be 1..255 (255 = address owner; 0 is reserved for resigning), "
            f"got {raw.priority}",
        )
    if raw.version not in (2, 3):
        report("version", f"must be 2 or 3, got {raw.version}")
    else:
        _check_advert_int(raw.advert_int, raw.version, report)
    _check_seconds(raw.preempt_delay, "preempt_delay", 0.0, MAX_DELAY, report)
    _check_seconds(raw.garp_master_delay, "garp_master_delay", 0.0, MAX_DELAY, report)
    _check_seconds(raw.garp_interval, "garp_interval", 0.0, 1.0, report)
    _check_seconds(
        raw.garp_master_refresh, "garp_master_refresh", 1.0, MAX_REFRESH, report, zero_is_off=True
    )
    if not 1 <= raw.garp_master_repeat <= 100:
        report("garp_master_repeat", f"must be 1..100 frames, got {raw.garp_master_repeat}")
    if not 0 <= raw.split_brain_after <= MAX_SPLIT_BRAIN_AFTER:
        report(
            "split_brain_after",
            f"must be 0 (off) or 1..{MAX_SPLIT_BRAIN_AFTER} advert intervals, "
            f"got {raw.split_brain_after}",
        )

    vips = parse_vips(raw.virtual_ipaddress, raw.interface, f"{path}.virtual_ipaddress", problems)
    family = vips[0].interface.version if vips else None
    excluded = parse_excluded_vips(
        raw.virtual_ipaddress_excluded,
        vips,
        raw.interface,
        f"{path}.virtual_ipaddress_excluded",
        problems,
    )
    if raw.version == 2 and family == 6:
        report("version", "VRRPv2 is IPv4 only; IPv6 virtual addresses need version = 3")
    if not raw.checksum_pseudo_header and (raw.version == 2 or family == 6):
        report(
            "checksum_pseudo_header",
            "can only be false for VRRPv3 over IPv4 "
            "(VRRPv2 never uses the pseudo-header, IPv6 always does)",
        )
    source, peers = _unicast(raw, family, path, problems, report)
    auth_type, password = _authentication(raw.authentication, raw.version, report)
    routing = instance_routing(raw, vips, family, path, problems)
    routed = instance_routed(raw, vips, path, problems)
    hooks = instance_hooks(raw, path, problems)

    if len(problems) > already:
        return None
    return InstanceConfig(
        name=name,
        interface=raw.interface,
        virtual_router_id=raw.virtual_router_id,
        priority=raw.priority,
        advert_int=raw.advert_int,
        version=raw.version,
        preempt=raw.preempt,
        preempt_delay=raw.preempt_delay,
        vips=vips,
        vips_excluded=excluded,
        unicast_src_ip=source,
        unicast_peer=peers,
        auth_type=auth_type,
        auth_password=password,
        garp_master_delay=raw.garp_master_delay,
        garp_master_repeat=raw.garp_master_repeat,
        garp_interval=raw.garp_interval,
        garp_master_refresh=raw.garp_master_refresh,
        checksum_pseudo_header=raw.checksum_pseudo_header,
        split_brain_after=raw.split_brain_after,
        dont_track_primary=raw.dont_track_primary,
        mcast_src_ip=_mcast_source(raw, family, path, problems, report),
        **routing,
        **routed,
        **hooks,
    )


def _check_advert_int(seconds: float, version: int, report: Report) -> None:
    """v3 carries centiseconds in 12 bits, v2 whole seconds in 8 bits."""
    if version == 3:
        centis = seconds * 100  # 40.95 * 100 is 4095.0000000000005: compare rounded
        whole = math.isfinite(centis) and math.isclose(centis, round(centis), abs_tol=1e-6)
        if not (whole and 1 <= round(centis) <= V3_MAX_INTERVAL):
            report(
                "advert_int",
                f"must be a multiple of 0.01 from 0.01 to 40.95 seconds for VRRPv3, got {seconds}",
            )
    elif not (1 <= seconds <= V2_MAX_INTERVAL and float(seconds).is_integer()):
        report(
            "advert_int",
            f"must be a whole number of seconds from 1 to 255 for VRRPv2, got {seconds}",
        )


def _check_seconds(
    seconds: float, key: str, low: float, high: float, report: Report, *, zero_is_off: bool = False
) -> None:
    if zero_is_off and seconds == 0:
        return
    if not low <= seconds <= high:  # also true for nan
        lowest = f"0 (off) or {low:g}" if zero_is_off else f"{low:g}"
        report(key, f"must be {lowest} to {high:g} seconds, got {seconds}")


def _unicast(
    raw: RawInstance,
    family: int | None,
    path: str,
    problems: list[ConfigProblem],
    report: Report,
) -> tuple[IPv4Address | IPv6Address | None, tuple[IPv4Address | IPv6Address, ...]]:
    """unicast_src_ip and unicast_peer come together: both set means unicast adverts."""
    source = None
    if raw.unicast_src_ip is not None:
        source = parse_unicast_address(
            raw.unicast_src_ip, family, f"{path}.unicast_src_ip", problems
        )
        if not raw.unicast_peer:
            report("unicast_peer", "must list at least one peer when unicast_src_ip is set")
    elif raw.unicast_peer:
        report("unicast_src_ip", "is required when unicast_peer is set")
    peers = parse_unicast_peers(raw.unicast_peer, source, family, f"{path}.unicast_peer", problems)
    return source, peers


def _mcast_source(
    raw: RawInstance,
    family: int | None,
    path: str,
    problems: list[ConfigProblem],
    report: Report,
) -> IPv4Address | IPv6Address | None:
    """mcast_src_ip: a unicast address of the VIPs' family (IPv6: link-local, RFC 5798
    §5.1.2.1); meaningless for a unicast instance, which has unicast_src_ip."""
    if raw.mcast_src_ip is None:
        return None
    if raw.unicast_src_ip is not None:
        report("mcast_src_ip", "is for multicast adverts; a unicast instance sends from "
               "unicast_src_ip: remove one of them")
        return None
    where = f"{path}.mcast_src_ip"
    source = parse_unicast_address(raw.mcast_src_ip, family, where, problems)
    if isinstance(source, IPv6Address) and not source.is_link_local:
        report("mcast_src_ip", f"{source} is not link-local; IPv6 adverts are sent from the "
               "interface's link-local address (RFC 5798 §5.1.2.1)")
        return None
    return source


def _authentication(
    auth: RawAuthentication | None, version: int, report: Report
) -> tuple[int, bytes]:
    """RFC 3768 simple password for v2; v3 dropped authentication (RFC 5798 §9)."""
    if auth is None:
        return AUTH_NONE, b""
    if auth.type == "NONE":
        if auth.password is not None:
            report("authentication.password", "is set but type is 'NONE', so it is never checked")
        return AUTH_NONE, b""
    if auth.type != "PASS":
        report(
            "authentication.type",
            f"must be 'PASS' or 'NONE' (IPsec AH is not supported), got {auth.type!r}",
        )
        return AUTH_NONE, b""
    if version == 3:
        report(
            "authentication.type",
            "VRRPv3 has no authentication (RFC 5798 §9); use version = 2 or remove it",
        )
    if auth.password is None:
        report("authentication.password", "is required for type 'PASS'")
        return AUTH_PASS, b""
    password = auth.password.encode()
    if not 1 <= len(password) <= AUTH_DATA_LEN:
        report(
            "authentication.password",
            f"must be 1 to {AUTH_DATA_LEN} bytes (the v2 PASS field), got {len(password)}",
        )
    return AUTH_PASS, password
