"""keepalived.conf text for the lab's reference VRRP speaker (keepalived 2.2.x vocabulary).

Bad parameters raise ValueError here rather than surfacing as a keepalived that silently
ignores a line and behaves differently from what the test meant.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

KEEPALIVED = "/usr/sbin/keepalived"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_IFACE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")
NOTIFY_STATES = ("master", "backup", "fault", "stop")


def state_pattern(instance: str, state: str) -> str:
    """Regex for keepalived's log line announcing a state, e.g. `(VI_1) Entering MASTER STATE`."""
    return rf"\({re.escape(instance)}\) Entering {re.escape(state.upper())} STATE"


def keepalived_global_defs(
    *,
    router_id: str = "lab",
    version: int = 3,
    garp_master_delay: int = 1,
    garp_master_repeat: int = 5,
) -> str:
    """global_defs: VRRP version, GARP schedule, and scripts as root (no script security)."""
    _check_version(version)
    _check_name("router_id", router_id)
    if not 0 <= garp_master_delay <= 255 or not 1 <= garp_master_repeat <= 255:
        raise ValueError(f"bad GARP schedule: {garp_master_delay=} {garp_master_repeat=}")
    return (
        "global_defs {\n"
        f"    router_id {router_id}\n"
        f"    vrrp_version {version}\n"
        "    script_user root\n"
        f"    vrrp_garp_master_delay {garp_master_delay}\n"
        f"    vrrp_garp_master_repeat {garp_master_repeat}\n"
        "}\n"
    )


def keepalived_instance(
    *,
    instance: str = "VI_1",
    interface: str = "eth0",
    vrid: int,
    priority: int,
    advert_int: float = 1.0,
    version: int = 3,
    vips: Sequence[str],
    unicast_src: str | None = None,
    peers: Sequence[str] = (),
    auth_pass: str | None = None,
    preempt: bool = True,
    state: str = "BACKUP",
    notify: Mapping[str, str] | None = None,
) -> str:
    """One vrrp_instance block; VIPs may carry a prefix length (keepalived defaults to /32).
    `notify` maps a state (master, backup, fault, stop) to the command line of its
    `notify_STATE` script (an absolute path, then arguments)."""
    _check_name("instance", instance)
    _check_version(version)
    if not isinstance(interface, str) or not _IFACE_RE.match(interface):
        raise ValueError(f"interface {interface!r} is not a valid interface name")
    if not 1 <= vrid <= 255:
        raise ValueError(f"vrid {vrid} outside 1..255")
    if not 1 <= priority <= 255:
        raise ValueError(f"priority {priority} outside 1..255")
    if state not in ("MASTER", "BACKUP"):
        raise ValueError(f"state {state!r} must be MASTER or BACKUP")
    if not preempt and state == "MASTER":
        raise ValueError("keepalived ignores nopreempt with initial state MASTER; use BACKUP")
    family = _check_addresses(vips, unicast_src, peers)
    if family == 6 and version == 2:
        raise ValueError("VRRPv2 carries IPv4 only; use version 3 for IPv6 VIPs")
    lines = [
        f"vrrp_instance {instance} {{",
        f"    state {state}",
        f"    interface {interface}",
        f"    virtual_router_id {vrid}",
        f"    priority {priority}",
        f"    advert_int {_advert_int_text(advert_int, version)}",
        f"    version {version}",
    ]
    if not preempt:
        lines.append("    nopreempt")
    if unicast_src is not None:
        lines.append(f"    unicast_src_ip {unicast_src}")
    if peers:
        lines += ["    unicast_peer {", *(f"        {p}" for p in peers), "    }"]
    if auth_pass is not None:
        if version != 2:
            raise ValueError("authentication exists only in VRRPv2")
        if not re.fullmatch(r"[!-~]{1,8}", auth_pass):
            raise ValueError("auth_pass must be 1-8 printable non-space characters")
        auth = ["auth_type PASS", f"auth_pass {auth_pass}"]
        lines += ["    authentication {", *(f"        {a}" for a in auth), "    }"]
    lines += _notify_lines(notify or {})
    lines += ["    virtual_ipaddress {", *(f"        {v} dev {interface}" for v in vips), "    }"]
    return "\n".join([*lines, "}", ""])


def keepalived_conf(*, router_id: str = "lab", garp_master_delay: int = 1, **instance) -> str:
    """A complete single-instance config; keyword arguments as keepalived_instance."""
    version = instance.get("version", 3)
    defs = keepalived_global_defs(
        router_id=router_id, version=version, garp_master_delay=garp_master_delay
    )
    return defs + keepalived_instance(**instance)


def _notify_lines(notify: Mapping[str, str]) -> list[str]:
    lines = []
    for state, command in notify.items():
        if state not in NOTIFY_STATES:
            raise ValueError(f"notify state {state!r} is not one of {NOTIFY_STATES}")
        if not command.startswith("/") or any(c in command for c in '"\n\\'):
            raise ValueError(f"notify_{state} {command!r}: an absolute path, no quotes/newlines")
        lines.append(f'    notify_{state} "{command}"')
    return lines


def _check_name(what: str, value: str) -> None:
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise ValueError(f"{what} {value!r} must be 1-64 chars of [A-Za-z0-9_.-]")


def _check_version(version: int) -> None:
    if version not in (2, 3):
        raise ValueError(f"VRRP version {version!r} must be 2 or 3")


def _advert_int_text(advert_int: float, version: int) -> str:
    if version == 2:
        if advert_int != int(advert_int) or not 1 <= advert_int <= 255:
            raise ValueError(f"VRRPv2 advert_int {advert_int} must be whole seconds 1..255")
        return str(int(advert_int))
    centis = round(advert_int * 100)
    if abs(centis - advert_int * 100) > 1e-6 or not 1 <= centis <= 4095:
        raise ValueError(f"VRRPv3 advert_int {advert_int} must be a 0.01 multiple in 0.01..40.95")
    return f"{centis / 100:g}"


def _check_addresses(vips: Sequence[str], src: str | None, peers: Sequence[str]) -> int:
    """Validate every address and return the instance's single address family."""
    if isinstance(vips, str) or isinstance(peers, str):
        raise ValueError("vips and peers must be sequences of addresses, not a string")
    if not vips:
        raise ValueError("an instance needs at least one VIP")
    try:
        families = {ipaddress.ip_interface(v).version for v in vips}
        families |= {ipaddress.ip_address(a).version for a in [*peers, *([src] if src else [])]}
    except ValueError as exc:
        raise ValueError(f"bad address: {exc}") from None
    if len(families) != 1:
        raise ValueError("VIPs, unicast_src and peers must all be one address family")
    return families.pop()
