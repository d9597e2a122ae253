"""keepalived `virtual_routes` / `virtual_rules` lines (ip route / ip rule words) as tables.

vrrpd routes carry dst, via (or nexthops), dev, src, metric, table and scope; rules carry
from, to, table and priority. A line whose meaning would change without a part we cannot
express (a route type other than unicast, a src that is not one of the instance's VIPs, a
rule selector such as fwmark) is not converted at all; options that only tune a route (mtu,
protocol, onlink, no_track...) are dropped from it, each noted.
"""

from __future__ import annotations

import ipaddress
from typing import Any

ROUTE_TYPES = (
    "blackhole",
    "unreachable",
    "prohibit",
    "throw",
    "local",
    "broadcast",
    "anycast",
    "multicast",
    "nat",
)
SCOPES = ("global", "universe", "site", "link", "host")
ROUTE_OPTIONS_WITH_VALUE = (
    "protocol",
    "proto",
    "mtu",
    "advmss",
    "rtt",
    "rttvar",
    "reordering",
    "window",
    "cwnd",
    "ssthresh",
    "realms",
    "rto_min",
    "initcwnd",
    "initrwnd",
    "features",
    "congctl",
    "pref",
    "expires",
    "tos",
    "dsfield",
    "hoplimit",
    "fastopen_no_cookie",
    "ttl-propagate",
)
ROUTE_FLAGS = ("onlink", "no_track", "quickack", "lock", "pervasive")
RULE_SELECTORS = (
    "fwmark",
    "iif",
    "oif",
    "tos",
    "dsfield",
    "goto",
    "realms",
    "suppress_prefixlength",
    "suppress_ifgroup",
    "uidrange",
    "sport",
    "dport",
    "ipproto",
    "l3mdev",
    "not",
    "nat",
    "map-to",
)
RULE_ACTIONS = ("blackhole", "unreachable", "prohibit", "nop")


class Unconvertible(Exception):
    """The whole line cannot be converted; str() is the reason."""


def convert_route(words: list[str], vips: set[Any]) -> tuple[dict[str, Any], list[str]]:
    """One route line as a `virtual_routes` table and the options dropped from it."""
    route: dict[str, Any] = {}
    hops: list[dict[str, Any]] = []
    current = route  # where via/dev/weight go: the route, or the last `nexthop`
    dropped: list[str] = []
    index = 0

    def take(what: str) -> str:
        nonlocal index
        if index + 1 >= len(words):
            raise Unconvertible(f"{what} needs a value")
        index += 1
        return words[index]

    while index < len(words):
        word = words[index]
        if word == "src":
            route["src"] = _address(take("src"), "src")
        elif word in ("via", "gw"):
            current["via"] = _address(take(word), word)
        elif word == "or":
            hops.append({"via": _address(take("or"), "or")})
        elif word in ("dev", "oif"):
            current["dev"] = take(word)
        elif word == "nexthop":
            current = {}
            hops.append(current)
        elif word == "weight" and current is not route:
            current["weight"] = _number(take("weight"), "weight")
        elif word == "table":
            route["table"] = _table(take("table"))
        elif word in ("metric", "priority", "preference"):
            route["metric"] = _number(take(word), word)
        elif word == "scope":
            scope = take("scope")
            if scope not in SCOPES:
                raise Unconvertible(f"scope {scope!r}: vrrpd knows {', '.join(SCOPES)}")
            route["scope"] = scope
        elif word in ROUTE_TYPES:
            raise Unconvertible(f"route type {word!r}: vrrpd installs unicast routes only")
        elif word in ROUTE_OPTIONS_WITH_VALUE:
            dropped.append(f"{word} {take(word)}")
        elif word in ROUTE_FLAGS:
            dropped.append(word)
        elif word in ("to", "unicast"):
            pass
        elif "dst" not in route:
            route["dst"] = "default" if word == "default" else _network(word)
        else:
            raise Unconvertible(f"unknown word {word!r}")
        index += 1
    if "dst" not in route:
        raise Unconvertible("no destination")
    if route.get("src") is not None and ipaddress.ip_address(route["src"]) not in vips:
        raise Unconvertible(
            f"src {route['src']} is not a virtual address of the instance; "
            "vrrpd routes take their source from a VIP"
        )
    _nexthops(route, hops)
    return route, dropped


def _nexthops(route: dict[str, Any], hops: list[dict[str, Any]]) -> None:
    """`via A or B` and `nexthop via A dev X weight W ...` become a multipath `nexthops`."""
    if not hops:
        return
    if "via" in route:  # the `via` before the first `or` is the first path
        hops.insert(0, {"via": route.pop("via")})
        if "dev" in route:
            for hop in hops:
                hop.setdefault("dev", route["dev"])
            route.pop("dev")
    route["nexthops"] = hops


def convert_rule(words: list[str]) -> tuple[dict[str, Any], list[str]]:
    """One rule line as a `virtual_rules` table and the options dropped from it."""
    rule: dict[str, Any] = {}
    dropped: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else None
        if word in ("from", "to"):
            if value is None:
                raise Unconvertible(f"{word} needs a value")
            if value != "all":
                rule[word] = _network(value)
            index += 1
        elif word in ("table", "lookup"):
            if value is None:
                raise Unconvertible(f"{word} needs a value")
            rule["table"] = _table(value)
            index += 1
        elif word in ("priority", "preference", "pref", "prio"):
            if value is None:
                raise Unconvertible(f"{word} needs a value")
            rule["priority"] = _number(value, word)
            index += 1
        elif word in ("no_track",):
            dropped.append(word)
        elif word in ("protocol",):
            dropped.append(f"{word} {value}")
            index += 1
        elif word in RULE_SELECTORS or word in RULE_ACTIONS:
            raise Unconvertible(f"{word!r}: vrrpd rules match from/to and look up a table only")
        else:
            raise Unconvertible(f"unknown word {word!r}")
        index += 1
    if "table" not in rule:
        raise Unconvertible("no table to look up")
    return rule, dropped


def _address(text: str, what: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise Unconvertible(f"{what} {text!r} is not an IP address") from None


def _network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise Unconvertible(f"{text!r} is not an address or network") from None


def _number(text: str, what: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise Unconvertible(f"{what} {text!r} is not a number") from None


def _table(text: str) -> int | str:
    return int(text) if text.isdigit() else text
