"""Outputs of the state machine: what the io/ shell must do, in list order."""

from __future__ import annotations

from dataclasses import dataclass, field

from vrrpd.protocol.vocabulary import DropReason as DropReason  # re-exported: AdvertDropped
from vrrpd.protocol.vocabulary import NoteReason as NoteReason  # re-exported: AdvertNoted
from vrrpd.protocol.vocabulary import State as State  # re-exported: read off StateChanged
from vrrpd.protocol.vocabulary import Timer


@dataclass(frozen=True, slots=True)
class SendAdvert:
    """Send one advertisement with this priority (0 = resigning)."""

    priority: int


@dataclass(frozen=True, slots=True)
class AddVips:
    """Bring the configured virtual addresses up on the interface."""


@dataclass(frozen=True, slots=True)
class RemoveVips:
    """Take the configured virtual addresses off the interface."""


@dataclass(frozen=True, slots=True)
class SendGarp:
    """Announce the VIPs (gratuitous ARP / unsolicited NA).

    `reason` is "became-master" (start the full burst schedule) or "heal" (a master
    heard a lower-priority master: one more burst so the LAN converges on us).
    """

    reason: str = "became-master"


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Arm `timer` to fire at absolute time `deadline`, or cancel it when deadline is None."""

    timer: Timer
    deadline: float | None


@dataclass(frozen=True, slots=True)
class StateChanged:
    old: State
    new: State
    reason: str


@dataclass(frozen=True, slots=True)
class AdvertDropped:
    """The advert was discarded without effect; the driver counts it under `reason`.

    A `detail` means the drop is evidence of a misconfiguration or of a second box on our
    address, worth a (rate-limited) log line; drops without one are routine (INIT/FAULT, other
    VRIDs)."""

    reason: DropReason
    detail: str = field(default="", compare=False)  # words for people, not part of identity


@dataclass(frozen=True, slots=True)
class AdvertNoted:
    """The advert was acted on, but the driver should count it under `reason` and log `detail`
    (rate-limited): e.g. a v3 master whose interval changed, which the backup follows (RFC 5798
    §6.4.2) but which usually means two configs disagree."""

    reason: NoteReason
    detail: str = field(compare=False)


Action = (
    SendAdvert | AddVips | RemoveVips | SendGarp | SetTimer | StateChanged | AdvertDropped
    | AdvertNoted
)
