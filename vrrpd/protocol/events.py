"""Inputs to the state machine. Each carries only facts; `now` is passed beside it."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from vrrpd.protocol.packet import Advert
from vrrpd.protocol.vocabulary import State
from vrrpd.protocol.vocabulary import Timer as Timer  # re-exported: named by TimerFired


@dataclass(frozen=True, slots=True)
class Startup:
    """The instance is configured and its interface is usable (RFC 5798 §6.4.1)."""


@dataclass(frozen=True, slots=True)
class Shutdown:
    """Clean stop: a master sends priority 0 and releases its VIPs."""


@dataclass(frozen=True, slots=True)
class AdvertReceived:
    """A decoded, validated advertisement for this VRID (TTL, auth and VRID already checked)."""

    src: IPv4Address | IPv6Address
    advert: Advert


@dataclass(frozen=True, slots=True)
class TimerFired:
    timer: Timer


@dataclass(frozen=True, slots=True)
class PriorityChanged:
    """Effective priority changed at runtime (tracking); 1..254, or 255 for an owner."""

    priority: int


@dataclass(frozen=True, slots=True)
class InterfaceDown:
    """The instance cannot work (link down, tracked object failed): enter FAULT."""

    reason: str = "interface down"


@dataclass(frozen=True, slots=True)
class InterfaceUp:
    """The fault cleared: leave FAULT as a fresh start would."""


@dataclass(frozen=True, slots=True)
class SyncGroupState:
    """The instance's sync group moved to `state` (MASTER, BACKUP or FAULT) because another
    member did; `reason` says which member and why. Members share one state (keepalived's
    vrrp_sync_group): FAULT stops the instance like InterfaceDown, BACKUP makes it a backup that
    does not take over on its own, MASTER makes it master as a Master_Down_Timer expiry would."""

    state: State
    reason: str


Event = (
    Startup
    | Shutdown
    | AdvertReceived
    | TimerFired
    | PriorityChanged
    | InterfaceDown
    | InterfaceUp
    | SyncGroupState
)
