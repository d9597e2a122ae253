"""keepalived `virtual_ipaddress` and `unicast_peer` entries.

A VIP keeps its address (with prefix length), its label and its `dev`; `brd`, `scope` and the
flags are noted as dropped. What vrrpd cannot hold is left out, each noted: a second address
family among the advertised VIPs, a repeated address (its label goes to the first one if that
has none), a label Linux would refuse. virtual_ipaddress_excluded entries are read the same
way, any family.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from vrrpd.keepalived_import.notes import Notes, Table
from vrrpd.keepalived_import.parser import Node

VIP_OPTIONS_WITH_VALUE = ("brd", "broadcast", "scope", "preferred_lft", "valid_lft", "metric")
VIP_FLAGS = ("no_track", "home", "nodad", "noprefixroute", "autojoin", "mngtmpaddr", "-")
LABEL_MAX = 15


@dataclass
class Vip:
    """One virtual_ipaddress entry: what vrrpd keeps of it, and where it was written."""

    address: Any  # IPv4Interface | IPv6Interface
    node: Node
    label: str | None = None
    dev: str | None = None
    block: str = "virtual_ipaddress"  # or virtual_ipaddress_excluded


def read_vip(entry: Node, notes: Notes, block: str = "virtual_ipaddress") -> Vip | None:
    """`ADDR[/PLEN] [dev IF] [brd X] [scope S] [label L] [flags...]`: address and label kept."""
    words = entry.words()
    try:
        address = ipaddress.ip_interface(words[0])
    except ValueError:
        notes.drop(entry, f"{words[0]!r} is not an address", keyword=block)
        return None
    vip = Vip(address, entry, block=block)
    dropped: list[str] = []
    index = 1
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else ""
        if word in ("label", "dev"):
            setattr(vip, word, value)
            index += 1
        elif word in VIP_OPTIONS_WITH_VALUE:
            dropped.append(f"{word} {value}")
            index += 1
        elif word in VIP_FLAGS:
            dropped.append(word)
        else:
            notes.drop(entry, f"unknown option {word!r} for {address}", keyword=block)
            return None
        index += 1
    if dropped:
        notes.drop(
            entry,
            f"{', '.join(dropped)} of {address}: vrrpd keeps address, label and dev",
            keyword=block,
            failover=False,
        )
    return vip


def check_vips(
    vips: list[Vip], interface: str, notes: Notes, *, one_family: bool = True,
    taken: dict[Any, Vip] | None = None,
) -> list[Vip]:
    """The VIPs vrrpd can hold: one family (unless excluded ones), no repeats (also not of
    the addresses in `taken`, which is filled with these)."""
    kept: list[Vip] = []
    by_ip: dict[Any, Vip] = {} if taken is None else taken  # linear in the number of VIPs
    for vip in vips:
        address, entry = vip.address, vip.node
        if vip.dev == interface:
            vip.dev = None
        if vip.label is not None and not _label_ok(vip.label, address, vip.dev or interface):
            notes.drop(
                entry,
                f"label {vip.label!r} of {address}: Linux labels are IPv4-only, "
                f"'{vip.dev or interface}:NAME', at most {LABEL_MAX} bytes",
                keyword="label",
                failover=False,
            )
            vip.label = None
        same = by_ip.get(address.ip)
        if same is not None:
            notes.drop(
                entry,
                f"{address.ip} is already listed at line {same.node.line}",
                keyword=vip.block,
                failover=False,
            )
            same.label = same.label or vip.label
            continue
        if one_family and kept and kept[0].address.version != address.version:
            notes.drop(
                entry,
                f"{address} is IPv{address.version}, the instance's first VIP is "
                f"IPv{kept[0].address.version}: one family per vrrpd instance",
                keyword="virtual_ipaddress",
            )
            continue
        kept.append(vip)
        by_ip[address.ip] = vip
    return kept


def vip_entry(vip: Vip) -> str | Table:
    """A kept VIP as vrrpd writes it: a string, or a table with its label and dev."""
    if vip.label is None and vip.dev is None:
        return str(vip.address)
    table: Table = {"address": str(vip.address)}
    if vip.label is not None:
        table["label"] = vip.label
    if vip.dev is not None:
        table["dev"] = vip.dev
    return table


def _label_ok(label: str, address: Any, interface: str) -> bool:
    prefix = f"{interface}:"
    return (
        address.version == 4
        and label.startswith(prefix)
        and label != prefix
        and len(label.encode()) <= LABEL_MAX
    )


def read_peers(node: Node, table: Table, notes: Notes) -> None:
    peers = table.setdefault("unicast_peer", [])
    seen = set(peers)
    for entry in node.children or []:
        words = entry.words()
        try:
            peer = str(ipaddress.ip_address(words[0]))
        except ValueError:
            notes.drop(entry, f"{words[0]!r} is not an IP address", keyword="unicast_peer")
            continue
        options = words[1:]
        if len(options) == 2 and options[0] == "min_ttl" and options[1].isdigit() \
                and 1 <= int(options[1]) <= 255:
            lowest = min(int(options[1]), table.get("unicast_min_ttl", 255))
            table["unicast_min_ttl"] = lowest
            notes.remark(entry, f"vrrpd has one unicast_min_ttl for all peers: {lowest}",
                         keyword="unicast_peer")
        elif options:
            notes.drop(
                entry,
                f"{' '.join(options)} of peer {peer}: vrrpd knows only min_ttl, as "
                "unicast_min_ttl for all peers",
                keyword="unicast_peer",
                failover=False,
            )
        if peer not in seen:
            seen.add(peer)
            peers.append(peer)
