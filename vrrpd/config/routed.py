"""Checks for the keys that take an instance beyond one LAN: `announce` (VIPs as host
routes for a routing daemon), VIPs on `lo`, and unicast peers in other subnets
(`unicast_ttl`, `unicast_min_ttl`).

Kept apart from addresses.py and routes.py because the combination rules live here: with
`announce`, a VIP on lo is a VIP on no LAN, reached only through its host route, so it must
be a host address itself; TTL knobs only mean something for unicast adverts (multicast VRRP
is link-local, always TTL 255). A VIP on lo (or any other `dev`) without `announce` is the
keepalived-style address on another interface and is checked in addresses.py only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vrrpd.config import rt_tables
from vrrpd.config.errors import ConfigProblem
from vrrpd.config.model import Announce, VirtualIp
from vrrpd.config.routes import Tables
from vrrpd.config.schema import RawInstance

VRRP_TTL = 255
LOOPBACK = "lo"
# tables the kernel or every Linux box already uses: FRR would import (or BIRD learn)
# far more than the VIPs from them
RESERVED_TABLES = {rt_tables.BUILTIN[name]: name for name in ("default", "main", "local")}


def instance_routed(
    raw: RawInstance,
    vips: tuple[VirtualIp, ...],
    path: str,
    problems: list[ConfigProblem],
) -> dict[str, Any]:
    """The announce and unicast TTL fields of an InstanceConfig, problems appended."""

    def report(key: str, message: str) -> None:
        problems.append(ConfigProblem(f"{path}.{key}", message))

    def fail(where: str, message: str) -> None:
        problems.append(ConfigProblem(where, message))

    announce = None
    if raw.announce is not None:
        table = Tables().resolve(raw.announce.table, f"{path}.announce.table", fail)
        if table in RESERVED_TABLES:
            report(
                "announce.table",
                f"{RESERVED_TABLES[table]!r} ({table}) is shared with the rest of the system; "
                "give the announced VIPs a table of their own (for example 100)",
            )
        elif table is not None:
            announce = Announce(table=table)
        for index, vip in enumerate(vips):  # the announced ones (not the excluded)
            _host_on_lo(vip, f"virtual_ipaddress[{index}].dev", report)
    unicast = raw.unicast_src_ip is not None or bool(raw.unicast_peer)
    ttl = _ttl(raw.unicast_ttl, "unicast_ttl", unicast, report)
    min_ttl = _ttl(raw.unicast_min_ttl, "unicast_min_ttl", unicast, report)
    return {"announce": announce, "unicast_ttl": ttl, "unicast_min_ttl": min_ttl}


def _host_on_lo(vip: VirtualIp, key: str, report: Callable[[str, str], None]) -> None:
    """Announced from lo, a VIP is reached through its /32 or /128 route alone; a wider
    prefix on lo would make the whole network local to this router."""
    iface = vip.interface
    if vip.dev == LOOPBACK and iface.network.prefixlen != iface.max_prefixlen:
        report(
            key,
            f"a VIP on lo with announce must be a host address (/{iface.max_prefixlen}): "
            f"{iface} would make all of {iface.network} local",
        )


def _ttl(value: int | None, key: str, unicast: bool, report: Callable[[str, str], None]) -> int:
    if value is None:
        return VRRP_TTL
    if not 1 <= value <= VRRP_TTL:
        report(key, f"must be 1..255, got {value}")
        return VRRP_TTL
    if not unicast and value != VRRP_TTL:
        report(
            key,
            "applies to unicast adverts only (set unicast_src_ip and unicast_peer); "
            "multicast VRRP never leaves the link and always uses 255",
        )
    return value
