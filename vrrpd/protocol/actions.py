"""Outputs of the state machine: what the io/ shell must do, in list order."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vrrpd.protocol.events import Timer


class State(enum.StrEnum):
    INIT = "INIT"
    BACKUP = "BACKUP"
    MASTER = "MASTER"
    FAULT = "FAULT"


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


class AdvertDropReason(enum.StrEnum):
    """Why a decoded advertisement was not acted on by the Router (counter keys)."""

    INACTIVE = "inactive"  # the instance is in INIT or FAULT and takes no part
    VRID_MISMATCH = "vrid_mismatch"  # not our virtual router
    VERSION_MISMATCH = "version_mismatch"  # v2 advert to a v3 instance or the reverse
    OWN_ADDRESS = "own_address"  # our own advert looped back (source is our primary address)
    BAD_INTERVAL = "bad_interval"  # v3 Max Adver Int of 0: no timers can be derived from it
    INTERVAL_MISMATCH = "interval_mismatch"  # v2: Adver Int differs from ours (RFC 3768 §7.1)


@dataclass(frozen=True, slots=True)
class AdvertDropped:
    """The advert was discarded without effect; the driver counts it under `reason`."""

    reason: AdvertDropReason


Action = SendAdvert | AddVips | RemoveVips | SendGarp | SetTimer | StateChanged | AdvertDropped
