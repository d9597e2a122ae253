"""What an instance's ordered VIP worker can be asked to do: typed commands, one per step.

The InstanceRunner queues these from its action batches (and from netlink/route events);
the worker runs them one at a time, so "add the VIPs, then announce them, then install the
routes that use them, then run the hooks" can never be reordered by a slow netlink answer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vrrpd.config.model import VirtualIp
from vrrpd.io.hooks import HookJob


class Step(enum.Enum):
    """The commands without arguments."""

    ADD_VIPS = "add"  # AddVips: bring every configured VIP up
    REMOVE_VIPS = "remove"  # RemoveVips: routes and rules first, then the VIPs
    RELEASE_ADVERT = "advert"  # send the held first advert of a new master
    AWAIT_HANDOVER = "handover"  # a stopping master waits (bounded) for the new master
    EGRESS_START = "egress-start"  # clear stale routes/rules, put the fallbacks in place
    EGRESS_INSTALL = "egress-install"  # virtual routes and rules, after the VIPs
    EGRESS_STOP = "egress-stop"  # nothing of ours stays behind
    REPAIR = "repair"  # re-check routes and rules after a route event
    STOP = "stop"  # the worker's last command


@dataclass(frozen=True, slots=True)
class Announce:
    """SendGarp: `heal` sends one more burst, anything else (re)starts the schedule."""

    reason: str


@dataclass(frozen=True, slots=True)
class RunHooks:
    """A transition's notify hooks, handed to the instance's HookRunner."""

    job: HookJob


@dataclass(frozen=True, slots=True)
class Readd:
    """A VIP removed from outside while master: put it back."""

    vip: VirtualIp


Command = Step | Announce | RunHooks | Readd
