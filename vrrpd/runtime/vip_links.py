"""Where an instance's addresses go: each VIP's interface (the instance's own, or the one its
`dev` names), resolved once when the instance starts, and one GARP/NA schedule per interface.

keepalived lets a VIP live on another interface than the instance's (`dev eth1`) and lets
addresses be added with the VIPs without being advertised (virtual_ipaddress_excluded, of
either family). Both come down to "this address goes on that interface while master"; the
InstanceRunner asks `VipLinks.index_of` where, and the announcer sends each address's
gratuitous ARP / unsolicited NA on the interface that holds it, from that interface's MAC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vrrpd.config.model import InstanceConfig, VirtualIp
from vrrpd.io.errors import VrrpIoError
from vrrpd.runtime.preflight import StartupError
from vrrpd.runtime.seams import Announcer

if TYPE_CHECKING:
    from vrrpd.io.frames import FrameBook
    from vrrpd.io.garp import FrameSender
    from vrrpd.io.netlink import LinkInfo


class Links(Protocol):
    """What resolving asks netlink (vrrpd.io.netlink.Netlink)."""

    async def link(self, ifname: str) -> LinkInfo: ...


@dataclass(frozen=True)
class VipLinks:
    """The instance's own link and the other interfaces its addresses go on, by name."""

    own: LinkInfo
    others: dict[str, LinkInfo] = field(default_factory=dict)

    def index_of(self, vip: VirtualIp) -> int:
        return self.link_of(vip).index

    def link_of(self, vip: VirtualIp) -> LinkInfo:
        return self.own if vip.dev is None else self.others[vip.dev]

    @property
    def indexes(self) -> tuple[int, ...]:
        """Every interface index addresses go on: the own link first, then the others."""
        others = sorted({link.index for link in self.others.values()} - {self.own.index})
        return (self.own.index, *others)

    def covers(self, cfg: InstanceConfig) -> bool:
        """True when every interface `cfg`'s addresses go on is resolved here (else a
        reload must restart the instance, which resolves them)."""
        return cfg.vip_devs <= set(self.others)


async def resolve(nl: Links, cfg: InstanceConfig, own: LinkInfo) -> VipLinks:
    """Look up every `dev` of `cfg`'s addresses; StartupError (one line) when one is missing."""
    others: dict[str, LinkInfo] = {}
    for dev in sorted(cfg.vip_devs):
        try:
            others[dev] = await nl.link(dev)
        except (VrrpIoError, ValueError) as exc:
            raise StartupError(f"instances.{cfg.name}: dev of a virtual address: {exc}") from None
    return VipLinks(own, others)


class Announcers:
    """Several interfaces' schedules started, burst and stopped together."""

    def __init__(self, schedules: Sequence[Announcer]) -> None:
        self.schedules = tuple(schedules)

    def start(self) -> None:
        for schedule in self.schedules:
            schedule.start()

    def burst(self) -> None:
        for schedule in self.schedules:
            schedule.burst()

    def stop(self) -> None:
        for schedule in self.schedules:
            schedule.stop()


def announcer(
    cfg: InstanceConfig,
    links: VipLinks,
    senders: dict[int, FrameSender],
    on_sent: Callable[[int], None],
    book: FrameBook | None = None,
) -> Announcer:
    """One GarpSchedule per interface holding some of `cfg`'s addresses (advertised and
    excluded), its frames from that interface's MAC (none on an interface without one, such
    as lo); senders are shared per interface and opened here when missing (the daemon
    closes them). With a `book` the frames are built there (vrrpd.io.frames: scapy in a
    short-lived subprocess), else here."""
    from vrrpd.io.garp import FrameSender, GarpSchedule, build_frames

    by_link: dict[int, tuple[LinkInfo, list[VirtualIp]]] = {links.own.index: (links.own, [])}
    for vip in cfg.managed_vips:
        link = links.link_of(vip)
        by_link.setdefault(link.index, (link, []))[1].append(vip)
    schedules = []
    for index, (link, vips) in by_link.items():
        if not vips or link.mac.strip("0:") == "":
            continue  # nothing there, or no link layer to announce on (lo has MAC 00:..:00)
        sender = senders.get(index)
        if sender is None:
            sender = senders[index] = FrameSender(index)
        addresses = [vip.interface for vip in vips]
        frames = (book.source(link.mac, addresses) if book is not None
                  else build_frames(link.mac, addresses))
        schedules.append(
            GarpSchedule(sender, frames, repeat=cfg.garp_master_repeat,
                         interval=cfg.garp_interval, second_delay=cfg.garp_master_delay,
                         refresh=cfg.garp_master_refresh, on_sent=on_sent)  # fmt: skip
        )
    return schedules[0] if len(schedules) == 1 else Announcers(schedules)
