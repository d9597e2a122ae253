"""Per-instance counters shown by `vrrpd status --json` (and later metrics)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Counters:
    adverts_sent: int = 0
    adverts_received: int = 0
    garp_sent: int = 0
    send_errors: int = 0
    vip_readded: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    checksum_forms: Counter[str] = field(default_factory=Counter)

    def drop(self, reason: str) -> None:
        self.dropped[reason] += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "adverts_sent": self.adverts_sent,
            "adverts_received": self.adverts_received,
            "adverts_dropped": sum(self.dropped.values()),
            "dropped": dict(sorted(self.dropped.items())),
            "checksum_forms": dict(sorted(self.checksum_forms.items())),
            "garp_sent": self.garp_sent,
            "send_errors": self.send_errors,
            "vip_readded": self.vip_readded,
        }
