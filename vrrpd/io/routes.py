"""Every pyroute2 call for routes and policy rules: install, remove, and their change stream.

Kept apart from vrrpd.io.netlink (addresses and links) because only instances with
virtual routes or rules need it, and its event stream (every route change of the host)
is only worth reading then. Like netlink.py it translates kernel answers into small typed
values and vrrpd.io.errors, and holds no policy: the caller decides when to install.

Routes are installed with NLM_F_REPLACE after a dump shows them missing or different, so
`ensure_route` is idempotent and also restores what the kernel altered in place (an IPv6
route keeps existing without its `src` when that address leaves, where IPv4 deletes it).
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import AsyncIterator
from ipaddress import ip_address, ip_network

from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl import (
    RTMGRP_IPV4_IFADDR,
    RTMGRP_IPV4_ROUTE,
    RTMGRP_IPV4_RULE,
    RTMGRP_IPV6_IFADDR,
    RTMGRP_IPV6_ROUTE,
    RTMGRP_IPV6_RULE,
    RTMGRP_LINK,
)
from pyroute2.netlink.rtnl.ifinfmsg import IFF_RUNNING, IFF_UP

from vrrpd.io.errors import InterfaceMissing, NeedPrivilege, NetlinkFailure
from vrrpd.io.netlink import IPRouteSession, os_failure
from vrrpd.io.route_types import (
    DEFAULT_METRIC,
    RT_TABLE_MAIN,
    RTPROT_VRRPD,
    AddressAppeared,
    IPAddress,
    IPNetwork,
    LinkUp,
    Nexthop,
    Route,
    RouteEvent,
    RouteRemoved,
    Rule,
    RuleRemoved,
)

__all__ = [
    "RT_TABLE_MAIN",
    "RTPROT_VRRPD",
    "AddressAppeared",
    "LinkUp",
    "Nexthop",
    "Route",
    "RouteEvent",
    "RouteRemoved",
    "RouteTable",
    "Rule",
    "RuleRemoved",
]

RT_SCOPE_UNIVERSE = 0
RT_SCOPE_LINK = 253
FR_ACT_TO_TBL = 1
FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}
_VERSION = {socket.AF_INET: 4, socket.AF_INET6: 6}
_WATCH_GROUPS = (
    RTMGRP_IPV4_ROUTE
    | RTMGRP_IPV6_ROUTE
    | RTMGRP_IPV4_RULE
    | RTMGRP_IPV6_RULE
    | RTMGRP_IPV4_IFADDR
    | RTMGRP_IPV6_IFADDR
    | RTMGRP_LINK
)
_PRIVILEGE = (errno.EPERM, errno.EACCES)


class RouteTable(IPRouteSession):
    """Routes and rules over one AsyncIPRoute socket (see IPRouteSession)."""

    # -- routes --------------------------------------------------------------------------
    async def ensure_route(self, route: Route) -> bool:
        """Make `route` exist exactly as given; True if it was missing or different."""
        arguments = await self._route_arguments(route)
        what = f"installing route {route}"
        try:
            installed = [
                msg
                async for msg in await self._route.route(
                    # only our protocol: a big main table is filtered in the kernel
                    "dump",
                    family=FAMILY[route.family],
                    table=route.table,
                    proto=RTPROT_VRRPD,
                )
            ]
        except (NetlinkError, OSError) as exc:
            raise self._failure(exc, what) from exc
        if any(_same_route(msg, route, arguments) for msg in installed):
            return False
        return await self._request(what, self._route.route("replace", **arguments))

    async def delete_route(self, route: Route) -> bool:
        """Delete `route` (matched on all its attributes); False if it was not there."""
        what = f"removing route {route}"
        try:
            arguments = await self._route_arguments(route)
        except InterfaceMissing:
            return False  # its interface is gone, and the kernel took the route with it
        return await self._request(what, self._route.route("del", **arguments),
                                   absent=errno.ESRCH)

    async def _route_arguments(self, route: Route) -> dict:
        arguments: dict = {
            "family": FAMILY[route.family],
            "dst": str(route.dst),
            "table": route.table,
            "priority": route.effective_metric,
            "proto": RTPROT_VRRPD,
            "scope": _scope(route),
        }
        if route.src is not None:
            arguments["prefsrc"] = str(route.src)
        hops = route.nexthops
        if len(hops) == 1:  # the kernel stores (and dumps) one nexthop as a plain route
            hops = ()
            arguments.update(
                await self._hop_arguments(route.nexthops[0].via, route.nexthops[0].dev)
            )
        elif not hops:
            arguments.update(await self._hop_arguments(route.via, route.dev))
        if hops:
            arguments["multipath"] = [
                {
                    **await self._hop_arguments(hop.via, hop.dev, key="ifindex"),
                    "hops": hop.weight - 1,
                }
                for hop in hops
            ]
        return arguments

    async def _hop_arguments(
        self, via: IPAddress | None, dev: str | None, key: str = "oif"
    ) -> dict:
        arguments: dict = {}
        if via is not None:
            arguments["gateway"] = str(via)
        if dev is not None:
            arguments[key] = await self.index(dev)
        return arguments

    async def index(self, ifname: str) -> int:
        """The interface index of `ifname`; InterfaceMissing when there is none."""
        try:
            found = await self._route.link_lookup(ifname=ifname)
        except NetlinkError as exc:
            raise _translate(exc, f"looking up interface {ifname}", ifname) from exc
        except OSError as exc:
            raise os_failure(exc, f"looking up interface {ifname}", self._netns) from exc
        if not found:
            raise InterfaceMissing(ifname, "needed by a virtual route")
        return found[0]

    # -- rules ---------------------------------------------------------------------------
    async def ensure_rule(self, rule: Rule) -> bool:
        """Add `rule` unless an identical one exists; True if it was added."""
        what = f"adding rule {rule}"
        try:
            existing = [m async for m in await self._route.rule("dump", family=FAMILY[rule.family])]
        except (NetlinkError, OSError) as exc:
            raise self._failure(exc, what) from exc
        if any(_same_rule(msg, rule) for msg in existing):
            return False
        return await self._request(what, self._route.rule("add", **_rule_arguments(rule)),
                                   absent=errno.EEXIST)

    async def delete_rule(self, rule: Rule) -> bool:
        """Delete the first rule matching `rule`; False if there was none."""
        what = f"removing rule {rule}"
        return await self._request(what, self._route.rule("del", **_rule_arguments(rule)),
                                   absent=errno.ENOENT)

    async def _request(self, what: str, request, *, absent: int | None = None) -> bool:
        """Await one change request: True when done, False when the kernel answers `absent`
        (nothing to do: already there, or already gone); any other error is translated."""
        try:
            await request
        except NetlinkError as exc:
            if absent is not None and exc.code == absent:
                return False
            raise self._failure(exc, what) from exc
        except OSError as exc:
            raise self._failure(exc, what) from exc
        return True

    def _failure(self, exc: Exception, what: str) -> Exception:
        if isinstance(exc, NetlinkError):
            return _translate(exc, what)
        return os_failure(exc, what, self._netns)

    # -- events --------------------------------------------------------------------------
    def watch(self, ready: asyncio.Event | None = None) -> AsyncIterator[RouteEvent]:
        """Yield what may call for a repair until cancelled: our routes or any rule deleted,
        an address added, a link up. `ready` is set once subscribed. A lost event stream
        raises NetlinkFailure: re-check everything and watch again."""
        return self._events(_WATCH_GROUPS, "route events", _event_of, ready)


def _scope(route: Route) -> int:
    if route.scope is not None:
        return route.scope
    gateways = route.via is not None or any(hop.via is not None for hop in route.nexthops)
    return RT_SCOPE_LINK if route.family == 4 and not gateways else RT_SCOPE_UNIVERSE


def _same_route(msg, route: Route, arguments: dict) -> bool:
    """Whether a dumped route is `route`: same key, source and next hops."""
    if (
        msg.get("table") != route.table
        or msg.get("dst_len") != route.dst.prefixlen
        or _metric(msg) != route.effective_metric
        or (route.dst.prefixlen and _address(msg.get("dst")) != route.dst.network_address)
        or _address(msg.get("prefsrc")) != route.src
    ):
        return False
    if "multipath" in arguments:
        wanted = [
            (hop.get("gateway"), hop.get("ifindex"), hop["hops"]) for hop in arguments["multipath"]
        ]
        have = [
            (hop.get("gateway"), hop.get("oif"), hop.get("hops", 0))
            for hop in msg.get("multipath") or ()
        ]
        return _same_hops(wanted, have)
    if msg.get("multipath"):
        return False
    have = [(msg.get("gateway"), msg.get("oif"), 0)]
    return _same_hops([(arguments.get("gateway"), arguments.get("oif"), 0)], have)


def _same_hops(wanted: list[tuple], have: list[tuple]) -> bool:
    """Next hops as (gateway, ifindex, hops-1); an ifindex of None in `wanted` (no dev
    configured: the kernel picked one) matches any."""
    left = [(_address(gateway), ifindex, hops) for gateway, ifindex, hops in have]
    if len(left) != len(wanted):
        return False
    for gateway, ifindex, hops in wanted:
        address = _address(gateway)
        match = next(
            (
                h
                for h in left
                if h[0] == address and h[2] == hops and (ifindex is None or h[1] == ifindex)
            ),
            None,
        )
        if match is None:
            return False
        left.remove(match)
    return True


def _metric(msg) -> int:
    metric = msg.get("priority")
    if metric is None:
        return DEFAULT_METRIC[_VERSION[msg["family"]]]
    return metric


def _address(text) -> IPAddress | None:
    return ip_address(text) if text else None


def _rule_arguments(rule: Rule) -> dict:
    arguments: dict = {"family": FAMILY[rule.family], "table": rule.table, "action": FR_ACT_TO_TBL}
    if rule.src is not None:
        arguments.update(src=str(rule.src.network_address), src_len=rule.src.prefixlen)
    if rule.dst is not None:
        arguments.update(dst=str(rule.dst.network_address), dst_len=rule.dst.prefixlen)
    if rule.priority is not None:
        arguments["priority"] = rule.priority
    return arguments


def _rule_network(msg, which: str) -> IPNetwork | None:
    length = msg.get(f"{which}_len") or 0
    address = msg.get(which)
    if not address:
        return None
    return ip_network(f"{address}/{length}")


def _same_rule(msg, rule: Rule) -> bool:
    return (
        msg.get("table") == rule.table
        and msg.get("action") == FR_ACT_TO_TBL
        and _rule_network(msg, "src") == rule.src
        and _rule_network(msg, "dst") == rule.dst
        and (rule.priority is None or (msg.get("priority") or 0) == rule.priority)
    )


def _event_of(msg) -> RouteEvent | None:
    kind = msg.get("event")
    if kind == "RTM_DELROUTE" and msg.get("proto") == RTPROT_VRRPD:
        family = _VERSION.get(msg["family"])
        if family is None:
            return None
        dst = msg.get("dst") or ("0.0.0.0" if family == 4 else "::")
        return RouteRemoved(
            family, msg.get("table"), ip_network(f"{dst}/{msg['dst_len']}"), _metric(msg)
        )
    if kind == "RTM_DELRULE":
        family = _VERSION.get(msg["family"])
        if family is None:
            return None
        return RuleRemoved(
            family,
            msg.get("table"),
            _rule_network(msg, "src"),
            _rule_network(msg, "dst"),
            msg.get("priority") or 0,
        )
    if kind == "RTM_NEWADDR":
        return AddressAppeared(msg["index"])
    if kind == "RTM_NEWLINK" and _is_up(msg["flags"]):
        return LinkUp(msg["index"])
    return None


def _is_up(flags: int) -> bool:
    return bool(flags & IFF_UP) and bool(flags & IFF_RUNNING)


def _translate(exc: NetlinkError, what: str, interface: str | None = None) -> Exception:
    if exc.code == errno.ENODEV and interface is not None:
        return InterfaceMissing(interface, what)
    if exc.code in _PRIVILEGE:
        return NeedPrivilege(what, "CAP_NET_ADMIN")
    detail = {
        errno.EINVAL: "invalid (is its src a local address, its gateway on a connected net?)",
        errno.ENETUNREACH: "gateway unreachable (no connected route to it)",
        errno.ENODEV: "interface not found",
    }.get(exc.code, str(exc))
    return NetlinkFailure(what, exc.code, detail)
