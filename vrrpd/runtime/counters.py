"""Per-instance counters shown by `vrrpd status --json` (and later metrics)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from vrrpd.protocol.vocabulary import DropReason


@dataclass
class Counters:
    adverts_sent: int = 0
    adverts_received: int = 0
    garp_sent: int = 0
    send_errors: int = 0
    vip_readded: int = 0
    routes_readded: int = 0  # virtual/fallback routes and rules restored after a removal
    route_errors: int = 0  # route or rule installs the kernel refused
    hooks_run: int = 0
    hooks_failed: int = 0  # non-zero exit, killed by a signal, or could not start
    hooks_timed_out: int = 0  # killed (with their process group) at notify_timeout
    hooks_dropped: int = 0  # transitions whose hooks never ran (queue full, or at stop)
    split_brain_events: int = 0  # split-brain episodes detected (vrrpd.protocol.split_brain)
    dropped: Counter[str] = field(default_factory=Counter)
    checksum_forms: Counter[str] = field(default_factory=Counter)
    noted: Counter[str] = field(default_factory=Counter)  # adverts acted on but worth a look

    def drop(self, reason: DropReason) -> None:
        self.dropped[reason.value] += 1  # plain str keys: the status JSON's counter names

    def note(self, reason: str) -> None:
        self.noted[reason] += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "adverts_sent": self.adverts_sent,
            "adverts_received": self.adverts_received,
            "adverts_dropped": sum(self.dropped.values()),
            "dropped": dict(sorted(self.dropped.items())),
            "checksum_forms": dict(sorted(self.checksum_forms.items())),
            "noted": dict(sorted(self.noted.items())),
            "garp_sent": self.garp_sent,
            "send_errors": self.send_errors,
            "vip_readded": self.vip_readded,
            "routes_readded": self.routes_readded,
            "route_errors": self.route_errors,
            "hooks_run": self.hooks_run,
            "hooks_failed": self.hooks_failed,
            "hooks_timed_out": self.hooks_timed_out,
            "hooks_dropped": self.hooks_dropped,
            "split_brain_events": self.split_brain_events,
        }
