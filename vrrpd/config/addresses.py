"""Checks for the addresses of an instance: virtual addresses, labels and unicast peers.

Everything is parsed with `ipaddress`; each bad entry is reported at its own list index,
so a user sees every wrong address of a long list in one run.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.model import VirtualIp
from vrrpd.config.schema import RawVip
from vrrpd.protocol.packet import MAX_ADDRESSES

IFNAMSIZ = 16  # Linux: interface names and address labels are at most 15 bytes plus NUL

IPAddress = IPv4Address | IPv6Address


def check_interface_name(name: str, path: str, problems: list[ConfigProblem]) -> None:
    """Apply the kernel's dev_valid_name() rules so a typo fails here, not at netlink time."""
    if not name:
        problems.append(ConfigProblem(path, "must not be empty"))
    elif len(name.encode()) >= IFNAMSIZ:
        problems.append(ConfigProblem(path, f"{name!r} is longer than {IFNAMSIZ - 1} bytes"))
    elif name in (".", "..") or any(char in "/:" or char.isspace() for char in name):
        problems.append(
            ConfigProblem(path, f"{name!r} is not a Linux interface name (no '/', ':', spaces)")
        )
    elif not name.isprintable():  # a NUL would cut the name short in every C API
        problems.append(ConfigProblem(path, f"{name!r} contains a NUL or control character"))


def parse_vips(
    items: tuple[str | RawVip, ...], interface: str, path: str, problems: list[ConfigProblem]
) -> tuple[VirtualIp, ...]:
    """The virtual addresses of one instance, all of the first entry's family, no repeats."""
    if not items:
        problems.append(ConfigProblem(path, "needs at least one address"))
        return ()
    if len(items) > MAX_ADDRESSES:
        problems.append(
            ConfigProblem(
                path,
                f"has {len(items)} addresses; an advert carries {MAX_ADDRESSES} (put the "
                f"others in virtual_ipaddress_excluded; entries after [{MAX_ADDRESSES - 1}] "
                "are not checked)",
            )
        )
        items = items[:MAX_ADDRESSES]  # the work stays bounded whatever the file holds
    return _vip_list(items, interface, path, problems, {}, one_family=True)


def parse_excluded_vips(
    items: tuple[str | RawVip, ...],
    vips: tuple[VirtualIp, ...],
    interface: str,
    path: str,
    problems: list[ConfigProblem],
) -> tuple[VirtualIp, ...]:
    """virtual_ipaddress_excluded: any family, no repeats, none of them also in `vips`."""
    listed = {vip.address: f"virtual_ipaddress[{index}]" for index, vip in enumerate(vips)}
    return _vip_list(items, interface, path, problems, listed, one_family=False)


def _vip_list(
    items: tuple[str | RawVip, ...],
    interface: str,
    path: str,
    problems: list[ConfigProblem],
    listed: dict[IPAddress, str],
    *,
    one_family: bool,
) -> tuple[VirtualIp, ...]:
    """Each entry checked at its own index; `listed` names addresses already taken (and is
    filled with these)."""
    vips: list[VirtualIp] = []
    repeats = Repeats(path, problems, listed)
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        if isinstance(item, str):
            text, label, dev = item, None, None
        else:
            text, label, dev = item.address, item.label, item.dev
        address_path = item_path if isinstance(item, str) else f"{item_path}.address"
        interface_address = _parse_vip(text, address_path, problems)
        if interface_address is None:
            continue
        if one_family and vips and interface_address.version != vips[0].interface.version:
            problems.append(
                ConfigProblem(
                    address_path,
                    f"{text!r} is IPv{interface_address.version} but the first address is "
                    f"IPv{vips[0].interface.version}; use one instance per address family "
                    "(or virtual_ipaddress_excluded for the other family)",
                )
            )
            continue
        own = f"[{index}]" if one_family else f"{path.rsplit('.', 1)[-1]}[{index}]"
        if repeats.seen(interface_address.ip, own, address_path):
            continue
        if dev is not None:
            check_interface_name(dev, f"{item_path}.dev", problems)
            dev = None if dev == interface else dev  # the instance's own: same as absent
        if label is not None and not _label_ok(
            label, interface_address, dev or interface, f"{item_path}.label", problems
        ):
            continue
        vips.append(VirtualIp(interface=interface_address, label=label, dev=dev))
    repeats.summarise()
    return tuple(vips)


def parse_unicast_peers(
    texts: tuple[str, ...],
    source: IPAddress | None,
    family: int | None,
    path: str,
    problems: list[ConfigProblem],
) -> tuple[IPAddress, ...]:
    """The unicast peers: unicast addresses of the VIPs' family, no repeats, not our source."""
    peers: list[IPAddress] = []
    repeats = Repeats(path, problems)
    for index, text in enumerate(texts):
        item_path = f"{path}[{index}]"
        peer = parse_unicast_address(text, family, item_path, problems)
        if peer is None:
            continue
        if peer == source:
            problems.append(ConfigProblem(item_path, f"{peer} is unicast_src_ip itself"))
        elif not repeats.seen(peer, f"[{index}]", item_path):
            peers.append(peer)
    repeats.summarise()
    return tuple(peers)


class Repeats:
    """Addresses already seen in one list. The first SHOWN repeats are reported at their own
    index; the rest become one summary line, so a list pasted 50 000 times gives a handful of
    lines, not 50 000 (and the dict keeps the check linear)."""

    SHOWN = 5

    def __init__(
        self,
        path: str,
        problems: list[ConfigProblem],
        listed: dict[IPAddress, str] | None = None,
    ) -> None:
        """`listed`: addresses taken elsewhere, by where (`virtual_ipaddress[0]`); filled."""
        self._path = path
        self._problems = problems
        self._listed: dict[IPAddress, str] = {} if listed is None else listed
        self._count = 0

    def seen(self, address: IPAddress, where: str, item_path: str) -> bool:
        """Record `address` as listed at `where` (`[3]`); True (and reported, or counted for
        the summary) when it was listed before."""
        first = self._listed.setdefault(address, where)
        if first == where:
            return False
        self._count += 1
        if self._count <= self.SHOWN:
            self._problems.append(
                ConfigProblem(item_path, f"{address} is already listed at {first}")
            )
        return True

    def summarise(self) -> None:
        """One line for the repeats beyond the first SHOWN."""
        hidden = self._count - self.SHOWN
        if hidden > 0:
            self._problems.append(
                ConfigProblem(self._path, f"{hidden} more entries repeat an earlier address")
            )


def parse_unicast_address(
    text: str, family: int | None, path: str, problems: list[ConfigProblem]
) -> IPAddress | None:
    """One plain unicast address (no prefix length) of `family` (None: not yet known)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        problems.append(ConfigProblem(path, f"{text!r} is not an IP address"))
        return None
    problem = _not_unicast(address)
    if problem is None and family is not None and address.version != family:
        problem = f"{address} is IPv{address.version} but the virtual addresses are IPv{family}"
    if problem is not None:
        problems.append(ConfigProblem(path, problem))
        return None
    return address


def _parse_vip(
    text: str, path: str, problems: list[ConfigProblem]
) -> IPv4Interface | IPv6Interface | None:
    try:
        interface_address = ipaddress.ip_interface(text)
    except ValueError:
        problems.append(
            ConfigProblem(path, f"{text!r} is not an address with an optional /prefix length")
        )
        return None
    problem = _not_unicast(interface_address) or _not_a_host_of_its_prefix(interface_address)
    if problem is not None:
        problems.append(ConfigProblem(path, problem))
        return None
    return interface_address


def _not_a_host_of_its_prefix(interface_address: IPv4Interface | IPv6Interface) -> str | None:
    """The addresses of a prefix that are no host's: IPv4's network and broadcast addresses
    (not on /31 and /32, RFC 3021), IPv6's subnet-router anycast address (RFC 4291 §2.6.1;
    not on /127 and /128, RFC 6164). Taking one would answer for the whole subnet."""
    network = interface_address.network
    address = interface_address.ip
    if isinstance(interface_address, IPv4Interface):
        if network.prefixlen >= 31:
            return None
        if address == network.network_address:
            return f"{address} is the network address of {network}; use a host address"
        if address == network.broadcast_address:
            return f"{address} is the broadcast address of {network}"
        return None
    if network.prefixlen < 127 and address == network.network_address:
        return (
            f"{address} is the subnet-router anycast address of {network}; use a host address"
        )
    return None


def _not_unicast(address_or_interface: IPAddress | IPv4Interface | IPv6Interface) -> str | None:
    """Why an address cannot be a VRRP address or peer, or None when it can."""
    if getattr(address_or_interface, "scope_id", None):
        return f"{address_or_interface} has a scope id; the instance's interface is the scope"
    address = (
        address_or_interface.ip
        if isinstance(address_or_interface, IPv4Interface | IPv6Interface)
        else address_or_interface
    )
    if address.is_multicast:
        return f"{address} is a multicast address"
    if address.is_unspecified:
        return f"{address} is the unspecified address"
    if address.is_loopback:
        return f"{address} is a loopback address"
    if isinstance(address, IPv4Address) and address.is_reserved:
        return f"{address} is in the reserved range 240.0.0.0/4"
    return None


def _label_ok(
    label: str,
    interface_address: IPv4Interface | IPv6Interface,
    interface: str,
    path: str,
    problems: list[ConfigProblem],
) -> bool:
    """Linux rules for an IPv4 address label: `IFNAME:something`, at most 15 bytes."""
    prefix = f"{interface}:"
    if isinstance(interface_address, IPv6Interface):
        problem = "only IPv4 addresses have labels on Linux"
    elif not label.startswith(prefix) or label == prefix:
        problem = f"{label!r} must start with the interface name and a colon, like '{prefix}1'"
    elif len(label.encode()) >= IFNAMSIZ:
        problem = f"{label!r} is longer than {IFNAMSIZ - 1} bytes"
    elif any(char == "/" or char.isspace() for char in label):
        problem = f"{label!r} may not contain '/' or spaces"
    elif not label.isprintable():
        problem = f"{label!r} contains a NUL or control character"
    else:
        return True
    problems.append(ConfigProblem(path, problem))
    return False
