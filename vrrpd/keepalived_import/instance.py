"""One keepalived `vrrp_instance` block as an `[instances.NAME]` table.

The block is read in one pass into an _Instance, then finished: the address family comes from
the first valid VIP, the version from the instance, else `global_defs vrrp_version`, else
keepalived's default 2 (3 for IPv6, as keepalived forces), and what depends on them (advert_int
rounding, authentication, gna_interval) is decided last.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field
from typing import Any

from vrrpd.keepalived_import.addresses import Vip, check_vips, read_peers, read_vip, vip_entry
from vrrpd.keepalived_import.keywords import INSTANCE, INSTANCE_EXTRA
from vrrpd.keepalived_import.notes import (
    Notes,
    Table,
    hook,
    integer,
    one_value,
    plain,
    seconds,
)
from vrrpd.keepalived_import.parser import Node
from vrrpd.keepalived_import.routes import Unconvertible, convert_route, convert_rule

NOTIFY_KEYS = (
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_master_rx_lower_pri",
    "notify",
)
GARP_KEYS = {  # keepalived instance keyword -> (vrrpd key, low, high)
    "garp_master_delay": ("garp_master_delay", 0.0, 3600.0),
    "garp_master_refresh": ("garp_master_refresh", 0.0, 86400.0),
    "garp_interval": ("garp_interval", 0.0, 1.0),
}


@dataclass
class Defaults:
    """What `global_defs` sets for every instance."""

    version: int | None = None
    garp: dict[str, Any] = field(default_factory=dict)  # vrrpd key -> value
    gna_interval: float | None = None
    interface: str | None = None  # default_interface


@dataclass
class _Instance:
    node: Node
    table: Table = field(default_factory=dict)
    vips: list[Vip] = field(default_factory=list)
    excluded: list[Vip] = field(default_factory=list)
    version: tuple[int, Node] | None = None
    advert_int: tuple[float, Node] | None = None
    auth: tuple[dict[str, str], Node] | None = None
    gna_interval: tuple[float, Node] | None = None
    routes: list[Node] = field(default_factory=list)
    rules: list[Node] = field(default_factory=list)
    source: tuple[str, Node] | None = None  # unicast_src_ip / mcast_src_ip, the last one
    xmit_base: Node | None = None  # vmac_xmit_base: kept only with use_vmac
    vmac: Node | None = None  # the use_vmac line that was converted


def convert_instance(
    node: Node, defaults: Defaults, known: dict[str, set[str]], notes: Notes
) -> tuple[str, Table] | None:
    """`(name, table)`, or None (noted) when the instance cannot be converted at all.

    `known` names the converted scripts, track files and processes (`{"scripts": ...,
    "files": ..., "processes": ...}`).
    """
    if len(node.args) != 1 or node.children is None:
        notes.drop(node, "needs one name and a { } block")
        return None
    name = node.args[0]
    inst = _Instance(node)
    if defaults.interface is not None:
        inst.table["interface"] = defaults.interface
    for child in node.children:
        _read(child, inst, known, notes)
    missing = [key for key in ("interface", "virtual_router_id") if key not in inst.table]
    taken: dict = {}
    inst.vips = check_vips(inst.vips, inst.table.get("interface", ""), notes, taken=taken)
    inst.excluded = check_vips(
        inst.excluded, inst.table.get("interface", ""), notes, one_family=False, taken=taken
    )
    if not inst.vips:
        missing.append("virtual_ipaddress")
    if missing:
        notes.drop(node, f"instance {name} has no usable {', '.join(missing)}; vrrpd needs them")
        return None
    return name, _finish(inst, defaults, notes)


def _read(child: Node, inst: _Instance, known: dict[str, set[str]], notes: Notes) -> None:
    key, table = child.keyword, inst.table
    if key == "interface":
        if (value := one_value(child, notes)) is not None:
            table["interface"] = value
    elif key == "virtual_router_id":
        if (vrid := integer(child, notes, 1, 255)) is not None:
            table["virtual_router_id"] = vrid
    elif key == "priority":
        if (priority := integer(child, notes, 1, 255)) is not None:
            table["priority"] = priority
    elif key == "advert_int":
        if (interval := seconds(child, notes, 0.01, 255.0)) is not None:
            inst.advert_int = (interval, child)
    elif key == "version":
        if (version := integer(child, notes, 2, 3)) is not None:
            inst.version = (version, child)
    elif key == "nopreempt":
        table["preempt"] = False
    elif key == "dont_track_primary":
        table["dont_track_primary"] = True
    elif key == "preempt":
        table["preempt"] = True
    elif key == "preempt_delay":
        if (delay := seconds(child, notes, 0.0, 3600.0)) is not None:
            table["preempt_delay"] = plain(delay)
    elif key in ("virtual_ipaddress", "virtual_ipaddress_excluded"):
        into = inst.vips if key == "virtual_ipaddress" else inst.excluded
        for entry in child.children or []:
            if (vip := read_vip(entry, notes, key)) is not None:
                into.append(vip)
    elif key == "authentication":
        _authentication(child, inst, notes)
    elif key in ("unicast_src_ip", "mcast_src_ip"):  # one setting in keepalived: the source
        if (address := _address(child, notes)) is not None:
            inst.source = (address, child)
    elif key == "unicast_peer":
        read_peers(child, table, notes)
    elif key == "unicast_ttl":
        if (ttl := integer(child, notes, 1, 255)) is not None:
            table["unicast_ttl"] = ttl
    elif key in ("track_interface", "track_script", "track_file", "track_process"):
        _tracks(child, table, known, notes)
    elif key == "use_vmac":  # `use_vmac [NAME]`: keepalived's default name is vrrp.VRID too
        if len(child.args) > 1:
            notes.drop(child, f"expects at most one interface name, got {len(child.args)}")
        else:
            table["use_vmac"] = child.args[0] if child.args else True
            inst.vmac = child
    elif key == "vmac_xmit_base":
        inst.xmit_base = child
    elif key in NOTIFY_KEYS:
        if (argv := hook(child, notes)) is not None:
            table[key] = list(argv)
    elif key in GARP_KEYS:
        vrrpd_key, low, high = GARP_KEYS[key]
        if (value := seconds(child, notes, low, high)) is not None:
            table[vrrpd_key] = plain(value)
    elif key == "garp_master_repeat":
        if (repeat := integer(child, notes, 1, 100)) is not None:
            table["garp_master_repeat"] = repeat
    elif key == "gna_interval":
        if (value := seconds(child, notes, 0.0, 1.0)) is not None:
            inst.gna_interval = (value, child)
    elif key == "virtual_routes":
        inst.routes += child.children or []
    elif key == "virtual_rules":
        inst.rules += child.children or []
    elif key in INSTANCE or key in INSTANCE_EXTRA:
        # lost, or converted to nothing (vrrpd always behaves so)
        notes.keyword(child, INSTANCE.get(key) or INSTANCE_EXTRA[key])
    else:
        notes.unknown(child, "vrrp_instance")


def _address(node: Node, notes: Notes) -> str | None:
    text = one_value(node, notes)
    if text is None:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        notes.drop(node, f"{text!r} is not an IP address")
        return None


def _authentication(node: Node, inst: _Instance, notes: Notes) -> None:
    values: dict[str, str] = {}
    for child in node.children or []:
        if child.keyword in ("auth_type", "auth_pass") and len(child.args) == 1:
            values[child.keyword] = child.args[0]
        else:
            notes.unknown(child, "authentication")
    kind = values.get("auth_type")
    if kind != "PASS":
        why = "IPsec AH is not supported" if kind == "AH" else f"auth_type {kind!r}"
        notes.drop(node, why)
        return
    if "auth_pass" not in values:
        notes.drop(node, "PASS without auth_pass")
        return
    inst.auth = ({"type": "PASS", "password": values["auth_pass"]}, node)


def _tracks(node: Node, table: Table, known: dict[str, set[str]], notes: Notes) -> None:
    """`NAME [weight W [reverse|noreverse]]` entries as "NAME" or {name, weight, reverse}
    (track_file has no reverse in vrrpd)."""
    kind = node.keyword
    defined = {
        "track_script": known["scripts"],
        "track_file": known["files"],
        "track_process": known["processes"],
    }.get(kind)
    refs = table.setdefault(kind, [])
    for entry in node.children or []:
        words = entry.words()
        name = words[0]
        if defined is not None and name not in defined:
            notes.drop(
                entry,
                f"{name!r} is not defined or was not converted; see its definition",
                keyword=kind,
            )
            continue
        if len(words) == 1:
            refs.append(name)
            continue
        parsed = _weight(words[1:], reversible=kind != "track_file")
        if parsed is None:
            notes.drop(
                entry,
                f"{' '.join(words[1:])!r}: vrrpd takes `weight N`"
                + (" [reverse]" if kind != "track_file" else " (a file cannot be reversed)")
                + f", so {name!r} is not tracked",
                keyword=kind,
            )
            continue
        weight, reverse = parsed
        ref: Table = {"name": name, "weight": weight}
        if reverse is not None:
            ref["reverse"] = reverse
        refs.append(ref)
    if not refs:
        del table[kind]


def _weight(words: list[str], *, reversible: bool) -> tuple[int, bool | None] | None:
    """`weight W [reverse|noreverse]` as (W, reverse or None when not written)."""
    if len(words) not in (2, 3) or words[0] != "weight":
        return None
    reverse = None
    if len(words) == 3:
        if not reversible or words[2] not in ("reverse", "noreverse", "no_reverse"):
            return None
        reverse = words[2] == "reverse"
    try:
        return int(words[1], 10), reverse
    except ValueError:
        return None


def _finish(inst: _Instance, defaults: Defaults, notes: Notes) -> Table:
    table = inst.table
    family = inst.vips[0].address.version
    version = inst.version[0] if inst.version else defaults.version or 2
    if family == 6 and version == 2:
        if inst.version:
            notes.remark(inst.version[1], "IPv6 needs VRRPv3: version = 3", keyword="version")
        version = 3
    ordered: Table = {
        key: table.pop(key)
        for key in ("interface", "virtual_router_id", "priority")
        if key in table
    }
    ordered["version"] = version
    if inst.advert_int is not None:
        ordered["advert_int"] = _advert_int(*inst.advert_int, version, notes)
    ordered["virtual_ipaddress"] = [vip_entry(vip) for vip in inst.vips]
    if inst.excluded:
        ordered["virtual_ipaddress_excluded"] = [vip_entry(vip) for vip in inst.excluded]
    if inst.auth is not None:
        auth, node = inst.auth
        if version == 3:
            notes.drop(node, "VRRPv3 has no authentication (keepalived ignores it too)")
        else:
            if len(auth["password"].encode()) > 8:
                auth = {**auth, "password": auth["password"].encode()[:8].decode(errors="ignore")}
                notes.remark(node, "keepalived uses only the first 8 bytes of auth_pass")
            ordered["authentication"] = auth
    for key, value in defaults.garp.items():
        table.setdefault(key, value)
    gna = inst.gna_interval or (
        (defaults.gna_interval, inst.node) if defaults.gna_interval is not None else None
    )
    if gna is not None and family == 6:
        table["garp_interval"] = plain(gna[0])
    elif inst.gna_interval is not None:
        notes.drop(inst.gna_interval[1], "the instance has no IPv6 addresses")
    if table.get("use_vmac") is True and family == 6 and inst.vmac is not None:
        vrid = ordered["virtual_router_id"]
        notes.remark(inst.vmac, f"vrrpd names an IPv6 instance's macvlan vrrp6.{vrid} "
                     "(keepalived: vrrp.VRID); write use_vmac NAME to keep keepalived's name")
    if inst.xmit_base is not None:
        if "use_vmac" in table:
            table["vmac_xmit_base"] = True
        else:  # keepalived ignores it too
            notes.drop(inst.xmit_base, "it needs use_vmac, which this instance lacks",
                       failover=False)
    ordered.update(table)
    _source(inst, ordered, family, notes)
    _routing(inst, ordered, notes)
    return ordered


def _source(inst: _Instance, table: Table, family: int, notes: Notes) -> None:
    """keepalived's unicast_src_ip and mcast_src_ip both set the advert source: with
    unicast peers it is vrrpd's unicast_src_ip, without them its mcast_src_ip."""
    if inst.source is None:
        return
    text, node = inst.source
    address = ipaddress.ip_address(text)
    if address.version != family:
        notes.drop(node, f"{address} is IPv{address.version}, the VIPs are IPv{family}")
    elif "unicast_peer" in table:
        table["unicast_src_ip"] = text
    elif address.version == 6 and not address.is_link_local:
        notes.drop(node, f"{address} is not link-local: vrrpd sends IPv6 adverts from a "
                   "link-local address (RFC 5798), the interface's own when none is given")
    else:
        table["mcast_src_ip"] = text


def _advert_int(interval: float, node: Node, version: int, notes: Notes) -> int | float:
    if version == 2:
        whole = max(1, math.ceil(interval))
        if whole != interval:
            notes.remark(node, f"VRRPv2 advertises whole seconds: advert_int = {whole}")
        return whole
    centis = min(max(round(interval * 100), 1), 4095)
    if not math.isclose(centis / 100, interval):
        notes.remark(node, f"VRRPv3 advertises centiseconds (max 40.95): {centis / 100:g}")
    return plain(centis / 100)


def _routing(inst: _Instance, table: Table, notes: Notes) -> None:
    vips = {vip.address.ip for vip in inst.vips}
    routes, rules = [], []
    for entry in inst.routes:
        try:
            route, dropped = convert_route(entry.words(), vips)
        except Unconvertible as exc:
            notes.drop(entry, str(exc), keyword="virtual_routes")
            continue
        if dropped:
            notes.drop(
                entry,
                f"{', '.join(dropped)}: vrrpd installs the route without it",
                keyword="virtual_routes",
                failover=False,
            )
        routes.append(route)
    for entry in inst.rules:
        try:
            rule, dropped = convert_rule(entry.words())
        except Unconvertible as exc:
            notes.drop(entry, str(exc), keyword="virtual_rules")
            continue
        if dropped:
            notes.drop(
                entry,
                f"{', '.join(dropped)}: vrrpd installs the rule without it",
                keyword="virtual_rules",
                failover=False,
            )
        rules.append(rule)
    if routes:
        table["virtual_routes"] = routes
    if rules:
        table["virtual_rules"] = rules
