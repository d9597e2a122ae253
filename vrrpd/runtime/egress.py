"""Egress follows the VIP: an instance's virtual routes, policy rules, fallback routes, and
the host routes `announce` publishes for a routing daemon.

The InstanceRunner calls these from its ordered VIP worker, so routes are installed only
after the VIPs they name as `src` exist, and removed before the VIPs go. While master
the virtual routes and rules are kept: a removal (by an admin, or by the kernel when an
address or link flaps) is repaired when a route event says so. Fallback routes (the src
routes again, with the primary address as src and a higher metric) exist for as long as
the instance runs, so the host keeps a way out while it is not master.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface, ip_network
from typing import Protocol

from vrrpd.config.model import InstanceConfig, VirtualRoute, VirtualRule
from vrrpd.io.errors import VrrpIoError
from vrrpd.io.route_types import (
    RT_TABLE_MAIN,
    AddressAppeared,
    LinkUp,
    Nexthop,
    Route,
    RouteEvent,
    RouteRemoved,
    Rule,
    RuleRemoved,
)
from vrrpd.log import Logger
from vrrpd.runtime.counters import Counters

IPAddress = IPv4Address | IPv6Address
# the addresses now on the interface (interfaces from netlink; plain addresses in tests)
Addresses = Callable[[], Awaitable[Iterable[IPv4Interface | IPv6Interface | IPAddress]]]


class RouteStore(Protocol):
    """What Egress needs of vrrpd.io.routes.RouteTable."""

    async def ensure_route(self, route: Route) -> bool: ...

    async def ensure_rule(self, rule: Rule) -> bool: ...

    async def delete_route(self, route: Route) -> bool: ...

    async def delete_rule(self, rule: Rule) -> bool: ...


def io_route(route: VirtualRoute) -> Route:
    """A config VirtualRoute as the routes adapter takes it."""
    return Route(
        dst=route.dst,
        table=route.table or RT_TABLE_MAIN,
        metric=route.metric,
        src=route.src,
        via=route.via,
        dev=route.dev,
        scope=route.scope,
        nexthops=tuple(Nexthop(hop.via, hop.dev, hop.weight) for hop in route.nexthops),
    )


def io_rule(rule: VirtualRule) -> Rule:
    return Rule(
        family=rule.family, table=rule.table, src=rule.src, dst=rule.dst, priority=rule.priority
    )


def fallback_routes(cfg: InstanceConfig, primary_ip: IPAddress | None) -> tuple[Route, ...]:
    """The src routes again with the primary address as src (IPv4; IPv6 adverts come from
    the link-local address, so there the kernel picks the source) and `fallback_metric`."""
    if not cfg.fallback_routes:
        return ()
    src = primary_ip if primary_ip is not None and primary_ip.version == 4 else None
    return tuple(
        dataclasses.replace(io_route(route), src=src, metric=cfg.fallback_metric)
        for route in cfg.virtual_routes
        if route.src is not None
    )


def announce_routes(cfg: InstanceConfig) -> tuple[Route, ...]:
    """`announce`: each VIP as a host route (/32, /128) through the interface it sits on, in
    the announce table, for FRR (`ip import-table`) or BIRD (`learn`) to pick up."""
    if cfg.announce is None:
        return ()
    return tuple(
        Route(
            dst=ip_network(vip.address),
            table=cfg.announce.table,
            dev=vip.dev or cfg.interface,
        )
        for vip in cfg.vips
    )


class Egress:
    """The routes and rules of one instance and the operations its worker runs on them."""

    def __init__(
        self,
        cfg: InstanceConfig,
        *,
        primary_ip: IPAddress | None,
        table: RouteStore,
        addresses: Addresses,
        counters: Counters,
        log: Logger,
    ) -> None:
        self.announced = announce_routes(cfg)
        self.routes = tuple(io_route(route) for route in cfg.virtual_routes)
        self.rules = tuple(io_rule(rule) for rule in cfg.virtual_rules)
        self.fallbacks = fallback_routes(cfg, primary_ip)
        # every advertised VIP, wherever its `dev` puts it (`addresses` reads all of them)
        self._vips = frozenset(vip.address for vip in cfg.vips)
        self.table = table
        self._addresses = addresses
        self.counters = counters
        self._log = log
        self._failing: dict[Route | Rule, str] = {}  # what failed, with the last error logged

    @property
    def configured(self) -> bool:
        return bool(self.announced or self.routes or self.rules or self.fallbacks)

    def concerns(self, event: RouteEvent) -> bool:
        """Whether a route event may have undone something of ours."""
        if not self.configured:
            return False
        if isinstance(event, RouteRemoved):
            mine = (*self.announced, *self.routes, *self.fallbacks)
            return any(route.key == event.key for route in mine)
        if isinstance(event, RuleRemoved):
            return any(_rule_matches(rule, event) for rule in self.rules)
        return isinstance(event, AddressAppeared | LinkUp)

    # -- worker operations ---------------------------------------------------------------
    async def install(self) -> None:
        """On becoming master, after the VIPs: routes first, then the rules that use them,
        and last the announced host routes (traffic is drawn in once we can send too)."""
        for item in (*self.routes, *self.rules, *self.announced):
            await self._ensure(item, repairing=False)

    async def remove(self) -> int:
        """On leaving master, before the VIPs go: first the announced host routes (the
        routing daemon withdraws while we still answer), then rules, then routes."""
        removed = 0
        for route in self.announced:
            removed += await self._delete(route)
        for rule in self.rules:
            removed += await self._delete(rule)
        for route in self.routes:
            removed += await self._delete(route)
        return removed

    async def start(self) -> None:
        """At instance start: clear what a crashed run left, put the fallbacks in place."""
        stale = await self.remove()
        if stale:
            self._log.warning("removed virtual routes/rules left by an earlier run", count=stale)
        for route in self.fallbacks:
            await self._ensure(route, repairing=False)

    async def stop(self) -> None:
        """At a clean stop: nothing of ours stays behind."""
        await self.remove()
        for route in self.fallbacks:
            await self._delete(route)

    async def repair(self, master: bool) -> int:
        """Restore what is missing: the virtual routes and rules only while master and once
        every VIP is in place (so never ahead of the VIPs); routes whose src is not on the
        interface are left for the event that brings it back."""
        present = {getattr(a, "ip", a) for a in await self._addresses()}
        wanted: list[Route | Rule] = list(self.fallbacks)
        if master and self._vips <= present:
            wanted += [*self.routes, *self.rules, *self.announced]
        restored = 0
        for item in wanted:
            if isinstance(item, Route) and item.src is not None and item.src not in present:
                continue
            restored += await self._ensure(item, repairing=True)
        return restored

    async def _ensure(self, item: Route | Rule, *, repairing: bool) -> bool:
        kind = "route" if isinstance(item, Route) else "rule"
        try:
            if isinstance(item, Route):
                changed = await self.table.ensure_route(item)
            else:
                changed = await self.table.ensure_rule(item)
        except VrrpIoError as exc:
            self.counters.route_errors += 1
            if self._failing.get(item) != str(exc):
                self._failing[item] = str(exc)
                self._log.error(f"{kind} not installed", **{kind: str(item)}, error=str(exc))
            return False
        if self._failing.pop(item, None) is not None:
            self._log.info(f"{kind} installed after earlier failure", **{kind: str(item)})
        if changed and repairing:
            self.counters.routes_readded += 1
            self._log.warning(f"{kind} removed from outside; re-installed", **{kind: str(item)})
        return changed

    async def _delete(self, item: Route | Rule) -> bool:
        self._failing.pop(item, None)
        try:
            if isinstance(item, Route):
                return await self.table.delete_route(item)
            return await self.table.delete_rule(item)
        except VrrpIoError as exc:
            self.counters.route_errors += 1
            self._log.error("could not remove", item=str(item), error=str(exc))
            return False


def _rule_matches(rule: Rule, event: RuleRemoved) -> bool:
    return (
        rule.family == event.family
        and rule.table == event.table
        and rule.src == event.src
        and rule.dst == event.dst
        and (rule.priority is None or rule.priority == event.priority)
    )
