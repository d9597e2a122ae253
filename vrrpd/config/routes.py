"""Checks for `virtual_routes`, `virtual_rules` and `fallback_routes` of an instance.

Interface names are only checked for spelling: whether `eth1` exists is a run-time
question (the same file is checked on a laptop and used on the router). Tables are
numbers 1..2**32-2 or names from the system's rt_tables files, resolved here so the
daemon only sees numbers. Every route and rule is one address family.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any

from vrrpd.config import rt_tables
from vrrpd.config.addresses import check_interface_name
from vrrpd.config.errors import ConfigProblem
from vrrpd.config.model import Nexthop, VirtualIp, VirtualRoute, VirtualRule
from vrrpd.config.schema import RawInstance, RawNexthop, RawRoute, RawRule

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

MAX_U32 = 2**32 - 1
MAX_WEIGHT = 256
MAIN_TABLE = 254
DEFAULT_METRIC = {4: 0, 6: 1024}
SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254}

Report = Callable[[str, str], None]  # report(path, message)


class Tables:
    """Resolves table names, reading the rt_tables files once per config load."""

    def __init__(self) -> None:
        self._names: dict[str, int] | None = None

    def resolve(self, value: int | str, path: str, report: Report) -> int | None:
        if isinstance(value, str):
            if self._names is None:
                self._names = rt_tables.table_names()
            number = self._names.get(value)
            if number is None:
                report(
                    path,
                    f"unknown routing table {value!r}: use a number 1..{rt_tables.MAX_TABLE} "
                    f"or a name from {rt_tables.search_paths()}",
                )
                return None
            value = number
        if not 1 <= value <= rt_tables.MAX_TABLE:
            report(path, f"must be a table number 1..{rt_tables.MAX_TABLE} or a name, got {value}")
            return None
        return value


def parse_routes(
    raws: tuple[RawRoute, ...],
    vips: tuple[IPAddress, ...] | None,
    family: int | None,
    path: str,
    problems: list[ConfigProblem],
) -> tuple[VirtualRoute, ...]:
    """The virtual routes of an instance whose VIPs are `vips` (of `family`); `vips` None
    = not known (they had problems), so `src` is not checked against them."""

    def report(where: str, message: str) -> None:
        problems.append(ConfigProblem(where, message))

    tables = Tables()
    routes: list[VirtualRoute] = []
    seen: dict[tuple, int] = {}
    for index, raw in enumerate(raws):
        item = f"{path}[{index}]"
        route = _route(raw, vips, family, item, tables, report)
        if route is None:
            continue
        key = route_key(route)
        if key in seen:
            report(
                f"{item}.dst",
                f"same destination, table and metric as [{seen[key]}]: the kernel keeps only "
                "one of them (give one a different metric)",
            )
            continue
        seen[key] = index
        routes.append(route)
    return tuple(routes)


def route_key(route: VirtualRoute) -> tuple[int, int, IPNetwork, int]:
    """What the kernel tells routes apart by: (family, table, dst, metric)."""
    metric = DEFAULT_METRIC[route.family] if route.metric is None else route.metric
    return (route.family, route.table or MAIN_TABLE, route.dst, metric)


def _route(
    raw: RawRoute,
    vips: tuple[IPAddress, ...] | None,
    family: int | None,
    item: str,
    tables: Tables,
    report: Report,
) -> VirtualRoute | None:
    failed = [False]

    def fail(where: str, message: str) -> None:
        failed[0] = True
        report(where, message)

    families: list[tuple[str, int]] = []  # (key, family) of every address written
    dst = None
    if raw.dst != "default":
        dst = _network(raw.dst, f"{item}.dst", fail)
        if dst is not None:
            families.append(("dst", dst.version))
    via = _gateway(raw.via, f"{item}.via", fail, families, "via")
    if via is not None and via.version == 6 and via.is_link_local and raw.dev is None:
        fail(f"{item}.via", f"{via} is link-local: name the interface with dev")
    if raw.dev is not None:
        _interface(raw.dev, f"{item}.dev", fail)
    src = None
    if raw.src is not None:
        src = _address(raw.src, f"{item}.src", fail)
        if src is not None:
            families.append(("src", src.version))
            if vips is not None and src not in vips:
                listed = ", ".join(str(vip) for vip in vips) or "none"
                fail(
                    f"{item}.src",
                    f"{src} is not a virtual address of this instance (virtual_ipaddress: "
                    f"{listed}); the route can only use an address that moves with the VIPs",
                )
    if raw.metric is not None and not 0 <= raw.metric <= MAX_U32:
        fail(f"{item}.metric", f"must be 0..{MAX_U32}, got {raw.metric}")
    table = None if raw.table is None else tables.resolve(raw.table, f"{item}.table", fail)
    scope = None
    if raw.scope is not None:
        scope = SCOPES.get(raw.scope)
        if scope is None:
            choices = ", ".join(repr(name) for name in SCOPES)
            fail(f"{item}.scope", f"must be one of {choices}, got {raw.scope!r}")
    hops = _nexthops(raw, f"{item}.nexthops", fail, families)
    if not raw.nexthops and raw.via is None and raw.dev is None:
        fail(item, "needs via, dev or nexthops (where should the traffic go?)")
    route_family = _one_family(families, family, item, fail)
    if failed[0] or route_family is None:
        return None
    if dst is None:
        dst = ipaddress.ip_network("0.0.0.0/0" if route_family == 4 else "::/0")
    return VirtualRoute(
        dst=dst,
        via=via,
        dev=raw.dev,
        src=src,
        metric=raw.metric,
        table=table,
        scope=scope,
        nexthops=hops,
    )


def _nexthops(
    raw: RawRoute, path: str, fail: Report, families: list[tuple[str, int]]
) -> tuple[Nexthop, ...]:
    if raw.nexthops and (raw.via is not None or raw.dev is not None):
        fail(path, "cannot be combined with via or dev: give each path its own via and dev")
    hops = []
    for index, hop in enumerate(raw.nexthops):
        hop_path = f"{path}[{index}]"
        checked = _nexthop(hop, hop_path, fail, families, index)
        if checked is not None:
            hops.append(checked)
    return tuple(hops)


def _nexthop(
    raw: RawNexthop, path: str, fail: Report, families: list[tuple[str, int]], index: int
) -> Nexthop | None:
    ok = True
    if raw.via is None and raw.dev is None:
        fail(path, "needs via, dev or both")
        ok = False
    via = _gateway(raw.via, f"{path}.via", fail, families, f"nexthops[{index}].via")
    if raw.via is not None and via is None:
        ok = False
    if via is not None and via.version == 6 and via.is_link_local and raw.dev is None:
        fail(f"{path}.via", f"{via} is link-local: name the interface with dev")
        ok = False
    if raw.dev is not None and not _interface(raw.dev, f"{path}.dev", fail):
        ok = False
    if not 1 <= raw.weight <= MAX_WEIGHT:
        fail(f"{path}.weight", f"must be 1..{MAX_WEIGHT}, got {raw.weight}")
        ok = False
    return Nexthop(via=via, dev=raw.dev, weight=raw.weight) if ok else None


def parse_rules(
    raws: tuple[RawRule, ...], path: str, problems: list[ConfigProblem]
) -> tuple[VirtualRule, ...]:
    """The policy rules of an instance, installed while it is master."""

    def report(where: str, message: str) -> None:
        problems.append(ConfigProblem(where, message))

    tables = Tables()
    rules: list[VirtualRule] = []
    seen: dict[VirtualRule, int] = {}
    for index, raw in enumerate(raws):
        item = f"{path}[{index}]"
        rule = _rule(raw, item, tables, report)
        if rule is None:
            continue
        if rule in seen:
            report(item, f"is the same rule as [{seen[rule]}]")
            continue
        seen[rule] = index
        rules.append(rule)
    return tuple(rules)


def _rule(raw: RawRule, item: str, tables: Tables, report: Report) -> VirtualRule | None:
    failed = [False]

    def fail(where: str, message: str) -> None:
        failed[0] = True
        report(where, message)

    families: list[tuple[str, int]] = []
    source = destination = None
    if raw.from_ is not None:
        source = _network(raw.from_, f"{item}.from", fail)
        if source is not None:
            families.append(("from", source.version))
    if raw.to is not None:
        destination = _network(raw.to, f"{item}.to", fail)
        if destination is not None:
            families.append(("to", destination.version))
    if raw.from_ is None and raw.to is None:
        fail(
            item,
            "needs from or to: a rule matching everything would send all traffic "
            "(even to this host's own addresses) to its table",
        )
    table = tables.resolve(raw.table, f"{item}.table", fail)
    if raw.priority is not None and not 1 <= raw.priority <= MAX_U32:
        fail(
            f"{item}.priority",
            f"must be 1..{MAX_U32} (0 is the rule that looks up the local table), "
            f"got {raw.priority}",
        )
    family = _one_family(families, None, item, fail)
    if failed[0] or family is None or table is None:
        return None
    return VirtualRule(
        family=family, src=source, dst=destination, table=table, priority=raw.priority
    )


def check_fallback(
    routes: tuple[VirtualRoute, ...],
    enabled: bool,
    metric: int,
    path: str,
    problems: list[ConfigProblem],
) -> None:
    """`fallback_routes` copies each route that has a src with the primary address as src
    and `fallback_metric` as metric: it must lose to the VIP route and not replace another."""

    def report(key: str, message: str) -> None:
        problems.append(ConfigProblem(f"{path}.{key}", message))

    if not 0 <= metric <= MAX_U32:
        report("fallback_metric", f"must be 0..{MAX_U32}, got {metric}")
        return
    if not enabled:
        return
    with_src = [(index, route) for index, route in enumerate(routes) if route.src is not None]
    if routes and not with_src:
        report("fallback_routes", "is true but no virtual route has a src to fall back from")
    keys = {route_key(route): index for index, route in enumerate(routes)}
    for index, route in with_src:
        own = route_key(route)[3]
        if own >= metric:
            report(
                "fallback_metric",
                f"must be larger than the metric of virtual_routes[{index}] ({own}), so the "
                f"route from the VIP wins while master, got {metric}",
            )
        clash = keys.get((route.family, route.table or MAIN_TABLE, route.dst, metric))
        if clash is not None and clash != index:
            report(
                "fallback_metric",
                f"the fallback of virtual_routes[{index}] would replace virtual_routes[{clash}] "
                f"(same destination, table and metric {metric})",
            )


def _one_family(
    families: list[tuple[str, int]], default: int | None, item: str, fail: Report
) -> int | None:
    if not families:
        return default
    first_key, first = families[0]
    for key, version in families[1:]:
        if version != first:
            fail(
                f"{item}.{key}",
                f"is IPv{version} but {first_key} is IPv{first}: one address family per entry",
            )
            return None
    return first


def _network(text: str, path: str, fail: Report) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text)
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        fail(path, f"{text!r} is not a network like '192.0.2.0/24' or '2001:db8::/64'")
        return None
    fail(path, f"{text!r} has host bits set; did you mean '{loose}'?")
    return None


def _address(text: str, path: str, fail: Report) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        fail(path, f"{text!r} is not an IP address")
        return None


def _gateway(
    text: str | None, path: str, fail: Report, families: list[tuple[str, int]], key: str
) -> IPAddress | None:
    if text is None:
        return None
    address = _address(text, path, fail)
    if address is None:
        return None
    if address.is_multicast or address.is_unspecified or address.is_loopback:
        fail(path, f"{address} cannot be a gateway (multicast, unspecified or loopback)")
        return None
    families.append((key, address.version))
    return address


def _interface(name: str, path: str, fail: Report) -> bool:
    found: list[ConfigProblem] = []
    check_interface_name(name, path, found)
    for problem in found:
        fail(problem.path, problem.message)
    return not found


def instance_routing(
    raw: RawInstance,
    vips: tuple[VirtualIp, ...],
    family: int | None,
    path: str,
    problems: list[ConfigProblem],
) -> dict[str, Any]:
    """The routing fields of an InstanceConfig (keyword arguments), problems appended.

    A `src` is checked against the VIPs only when all of them parsed: a typo in
    virtual_ipaddress is reported there, not again at every route using that address."""
    complete = len(vips) == len(raw.virtual_ipaddress)
    addresses = tuple(vip.address for vip in vips) if complete else None
    routes = parse_routes(raw.virtual_routes, addresses, family, f"{path}.virtual_routes", problems)
    rules = parse_rules(raw.virtual_rules, f"{path}.virtual_rules", problems)
    check_fallback(routes, raw.fallback_routes, raw.fallback_metric, path, problems)
    return {
        "virtual_routes": routes,
        "virtual_rules": rules,
        "fallback_routes": raw.fallback_routes,
        "fallback_metric": raw.fallback_metric,
    }
