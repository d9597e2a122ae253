"""Outage measurement: ping a target from a lab host every few ms and find the longest gap."""

from __future__ import annotations

import math
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LabError
from .probe_agent import HARD_LIMIT_S, agent_argv
from .waiting import wait_until

if TYPE_CHECKING:
    from .host import Host
    from .processes import LabProcess


@dataclass(frozen=True)
class ProbeRecord:
    seq: int
    sent_at: float
    received_at: float | None  # first reply in time, CLOCK_MONOTONIC seconds
    mac: str | None


@dataclass(frozen=True)
class ProbeResult:
    """What the prober saw. Times are CLOCK_MONOTONIC seconds (same as time.monotonic()).

    outage_ms is the longest run of unanswered probes, measured from the last reply before it
    to the first reply after it (inf if replies never came back); 0.0 if nothing was lost.
    """

    target: str
    sent: int
    received: int
    lost: int
    late: int  # replies that came after reply_timeout (counted as lost)
    duplicates: int  # extra replies to an already answered probe (e.g. two VIP holders)
    outage_ms: float
    gap_start: float | None
    gap_end: float | None
    recovered: bool
    replies_by_mac: dict[str, int] = field(default_factory=dict)
    probes: tuple[ProbeRecord, ...] = ()

    @property
    def first_mac(self) -> str | None:
        return next((p.mac for p in self.probes if p.received_at is not None), None)

    @property
    def last_mac(self) -> str | None:
        return next((p.mac for p in reversed(self.probes) if p.received_at is not None), None)


def parse_agent_log(text: str) -> tuple[dict[int, float], dict[int, list[tuple[float, str]]]]:
    """Send times by seq and replies (time, mac) by seq; malformed lines are an error."""
    sent: dict[int, float] = {}
    replies: dict[int, list[tuple[float, str]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        try:
            if not parts or parts[0] in ("READY", "END", "E"):
                continue
            if parts[0] == "S" and len(parts) == 3:
                sent[int(parts[1])] = float(parts[2])
            elif parts[0] == "R" and len(parts) == 4:
                replies.setdefault(int(parts[1]), []).append((float(parts[2]), parts[3]))
            else:
                raise ValueError("unknown record")
        except ValueError as exc:
            raise LabError(f"probe log line {number} is malformed: {line!r} ({exc})") from None
    return sent, replies


def analyse(text: str, *, target: str, reply_timeout: float) -> ProbeResult:
    """Turn the agent's log into a ProbeResult (pure: testable without a lab)."""
    sent, replies = parse_agent_log(text)
    probes: list[ProbeRecord] = []
    late = duplicates = 0
    by_mac: dict[str, int] = {}
    for seq in sorted(sent):
        got = sorted(replies.get(seq, ()))
        duplicates += max(0, len(got) - 1)
        in_time = [(t, mac) for t, mac in got if t - sent[seq] <= reply_timeout]
        late += bool(got) and not in_time
        first = in_time[0] if in_time else (None, None)
        if first[1] is not None:
            by_mac[first[1]] = by_mac.get(first[1], 0) + 1
        probes.append(ProbeRecord(seq, sent[seq], first[0], first[1]))

    longest = (0.0, None, None)  # (seconds, start, end)
    last_reply: float | None = None
    gap_open = False
    for probe in probes:
        if probe.received_at is None:
            gap_open = True
            continue
        if gap_open:
            start = last_reply if last_reply is not None else probes[0].sent_at
            if probe.received_at - start > longest[0]:
                longest = (probe.received_at - start, start, probe.received_at)
            gap_open = False
        last_reply = max(last_reply or probe.received_at, probe.received_at)
    if gap_open:
        start = last_reply if last_reply is not None else probes[0].sent_at
        longest = (math.inf, start, None)
    received = sum(p.received_at is not None for p in probes)
    return ProbeResult(
        target=target,
        sent=len(probes),
        received=received,
        lost=len(probes) - received,
        late=late,
        duplicates=duplicates,
        outage_ms=longest[0] * 1000.0,
        gap_start=longest[1],
        gap_end=longest[2],
        recovered=not gap_open,
        replies_by_mac=by_mac,
        probes=tuple(probes),
    )


class Prober:
    """Pings target from a lab host (the client by default) until stopped or for `duration`."""

    def __init__(
        self,
        host: Host,
        target: str,
        *,
        out_path: Path,
        interval: float = 0.005,
        duration: float | None = None,
        reply_timeout: float = 0.5,
        name: str | None = None,
    ) -> None:
        if interval <= 0 or reply_timeout < 0 or (duration is not None and duration <= 0):
            raise ValueError(f"bad probe timing: {interval=} {duration=} {reply_timeout=}")
        self.host = host
        self.target = target
        self.interval = interval
        self.duration = duration
        self.reply_timeout = reply_timeout
        self.out_path = out_path
        self.name = name or out_path.stem
        self.process: LabProcess | None = None

    def start(self, timeout: float = 5.0) -> Prober:
        """Start the agent and return once it is sending."""
        if self.process is not None:
            raise LabError(f"prober {self.name} already started")
        argv = agent_argv(
            self.target,
            interval=self.interval,
            duration=self.duration or HARD_LIMIT_S,
            reply_timeout=self.reply_timeout,
            out=str(self.out_path),
            iface=self.host.interface,
        )
        self.process = self.host.popen(argv, name=self.name)
        wait_until(self._ready, timeout, 0.01, message=f"prober {self.name} ready")
        return self

    def _ready(self) -> bool:
        if self.out_path.exists() and self.out_path.read_text().startswith("READY"):
            return True
        if self.process is not None and not self.process.running:
            raise LabError(f"prober {self.name} died:\n{self.process.log_tail()}")
        return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    def snapshot(self) -> ProbeResult:
        """Result so far, without stopping (lines not yet flushed are missing)."""
        text = self.out_path.read_text() if self.out_path.exists() else ""
        return analyse(text, target=self.target, reply_timeout=self.reply_timeout)

    def stop(self, timeout: float = 5.0) -> ProbeResult:
        """Stop sending, let in-flight replies arrive, and return the result."""
        if self.process is None:
            raise LabError(f"prober {self.name} was never started")
        self.process.signal(signal.SIGTERM, group=False)
        return self.wait(timeout + self.reply_timeout)

    def wait(self, timeout: float) -> ProbeResult:
        """Wait for a duration-bounded prober to finish and return the result."""
        if self.process is None:
            raise LabError(f"prober {self.name} was never started")
        self.process.wait(timeout)
        return self.snapshot()
