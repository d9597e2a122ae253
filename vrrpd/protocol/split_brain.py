"""Split-brain detection for one instance, sans-I/O: evidence in, one event per episode out.

A split brain: we are MASTER and another host acts as master for our virtual router too.
VRRP alone cannot tell (while adverts are filtered neither master hears the other), but
ARP / neighbour discovery still flows, and the other master holds and announces our VIPs.

Evidence, looked at only while we are MASTER:
  * Claims: another MAC announces or answers for one of our VIPs (gratuitous ARP, ARP reply,
    Neighbor Advertisement). One claim may be a race (the old master's last GARP before it
    heard our advert and stepped down), so it only makes that MAC a suspect: we probe it
    ("who has VIP?", unicast to that MAC, so no client is disturbed) every advert interval,
    and the suspicion becomes a split brain once its claims went on for `after` intervals, time
    in which it would have heard our adverts and stepped down if VRRP reached it.
  * Adverts: another router keeps advertising as master although we outrank it and answer
    it (the Router's heal path), for `after` of its intervals or ours, whichever is longer.
  * One interval after we become master we ask the whole link once who holds our first VIP:
    a master we stopped hearing that still holds it answers. This is how the side that took
    over notices, whatever the other side runs (keepalived does not announce again). It makes
    the detection symmetric without answering a claim with a GARP burst, which would pull the
    clients back and forth between the two masters.
A silent unicast peer is not evidence: only the master advertises, so a healthy backup is
silent too; a silent master is what failover is for.

An episode ends when we leave MASTER, or when the other party's evidence (claims and probe
replies, or its adverts) stops for `after` intervals, e.g. because VRRP got through again
and it stepped down. In that last case we stay master and ask for an Announce (the full GARP
schedule, whose second burst lands after the clients' ARP lock time): clients the other
party pulled over must come back to us. A suspicion that ends without becoming an episode
asks for an Announce too: a claim shorter than the window (the old master's last GARP, or a
partition healed within the window) still pulled clients over, and its author is quiet now,
so announcing cannot start a tug of war. There is one episode at a time, and exactly one
SplitBrainStarted and one SplitBrainHealed per episode: further evidence only keeps it going.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

IPAddress = IPv4Address | IPv6Address
MAX_TRACKED = 8  # suspects and lower masters followed at once; more are ignored until one goes


@dataclass(frozen=True, slots=True)
class Party:
    """The other side: its MAC (from ARP/NA) and/or its IP (from its adverts or ARP)."""

    mac: str | None
    ip: IPAddress | None

    def describe(self) -> str:
        if self.mac and self.ip:
            return f"{self.ip} ({self.mac})"
        return str(self.ip) if self.ip else str(self.mac)

    def as_dict(self) -> dict[str, str | None]:
        return {"mac": self.mac, "ip": None if self.ip is None else str(self.ip)}


@dataclass(frozen=True, slots=True)
class SplitBrainStarted:
    other: Party
    vip: IPAddress | None  # the VIP it claimed (None: seen by its adverts)
    cause: str
    since: float  # `now` of detection


@dataclass(frozen=True, slots=True)
class SplitBrainHealed:
    other: Party
    reason: str
    duration: float  # seconds since the episode was detected


@dataclass(frozen=True, slots=True)
class Probe:
    """Ask who holds `target`: unicast to `mac`, or the whole link when `mac` is None."""

    target: IPAddress
    mac: str | None


@dataclass(frozen=True, slots=True)
class Announce:
    """Announce our VIPs again (the full GARP schedule)."""


Output = SplitBrainStarted | SplitBrainHealed | Probe | Announce


@dataclass(slots=True)
class _Track:
    first: float
    last: float
    vip: IPAddress | None = None
    window: float = 0.0


class SplitBrainDetector:
    """Feed it our mastership, claims, adverts and ticks (at `deadline`); run what it returns.

    `interval` is our advert interval (we are master), `after` the number of intervals evidence
    must last (and must be absent to heal); `transport` names how our adverts travel, for the
    cause text ("multicast 224.0.0.18", "unicast").
    """

    def __init__(self, interval: float, after: int, transport: str) -> None:
        self.configure(interval, after, transport)
        self._master = False
        self._suspects: dict[str, _Track] = {}
        self._masters: dict[IPAddress, _Track] = {}
        self._episode: SplitBrainStarted | None = None
        self._evidence = 0.0
        self._episode_window: float | None = None  # None: the claim window, `after` intervals
        self._vrrp_heard: IPAddress | None = None
        self._takeover: tuple[float, IPAddress] | None = None
        self._next: float | None = None

    def configure(self, interval: float, after: int, transport: str) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be positive, not {interval!r}")
        if isinstance(after, bool) or not isinstance(after, int) or after < 1:
            raise ValueError(f"after must be an integer >= 1, not {after!r}")
        self._interval = float(interval)
        self._after = after
        self._transport = transport

    # -- read-only view ---------------------------------------------------------------------

    @property
    def window(self) -> float:
        """How long claims must go on (and stay away) to start (and end) an episode."""
        return self._after * self._interval

    @property
    def episode(self) -> SplitBrainStarted | None:
        return self._episode

    @property
    def deadline(self) -> float | None:
        """When `tick` must be called next; None while there is nothing to watch."""
        return self._next

    # -- inputs -----------------------------------------------------------------------------

    def became_master(self, now: float, first_vip: IPAddress) -> list[Output]:
        if self._master:
            return []
        self._reset()
        self._master = True
        self._takeover = (now + self._interval, first_vip)
        self._next = self._takeover[0]
        return []

    def left_master(self, now: float, reason: str) -> list[Output]:
        if not self._master:
            return []
        episode = self._episode
        self._reset()
        self._master = False
        if episode is None:
            return []
        return [SplitBrainHealed(episode.other, f"we left MASTER ({reason})", now - episode.since)]

    def claim(
        self, vip: IPAddress, mac: str, now: float, ip: IPAddress | None = None
    ) -> list[Output]:
        """`mac` (whose IP may be known) announced or answered for our `vip`."""
        if not self._master:
            return []
        if self._episode is not None:
            if self._episode.other.mac == mac:
                self._evidence = now
            return []
        track = self._suspects.get(mac)
        if track is None:
            if len(self._suspects) < MAX_TRACKED:
                self._suspects[mac] = _Track(first=now, last=now, vip=vip)
                self._wake(now)
            return []
        track.last = now
        if now - track.first < self.window:
            return []
        other = Party(mac, ip)
        cause = (
            f"{other.describe()} claims {vip} while we are MASTER and no VRRP advert from it "
            f"reaches us: VRRP (IP protocol 112, {self._transport}) is probably filtered "
            f"between us, or it holds {vip} outside VRRP"
        )
        return [self._start(other, vip, cause, now, None)]

    def advert(self, src: IPAddress, priority: int, interval: float, now: float) -> list[Output]:
        """An advert from `src` reached us while we are and stay MASTER (we outrank it)."""
        if not self._master or priority == 0:
            return []
        window = self._after * max(self._interval, interval)
        if self._episode is not None:
            if self._episode.other.ip == src:
                self._evidence = now
            else:
                self._vrrp_heard = src
            return []
        track = self._masters.get(src)
        if track is None or now - track.last > window:
            if track is not None or len(self._masters) < MAX_TRACKED:
                self._masters[src] = _Track(first=now, last=now, window=window)
                self._wake(now)
            return []
        track.last, track.window = now, window
        if now - track.first < window:
            return []
        cause = (
            f"{src} keeps advertising as master with priority {priority}, below ours, although "
            f"we answer it: our adverts do not reach it or it rejects them (VRRP filtered from "
            f"us to it, or a different version, advert_int or authentication)"
        )
        return [self._start(Party(None, src), None, cause, now, window)]

    def tick(self, now: float) -> list[Output]:
        """Probes, expiries and the silence heal that are due at `now`."""
        self._next = None
        if not self._master:
            return []
        actions: list[Output] = []
        if self._takeover is not None and now >= self._takeover[0]:
            actions.append(Probe(self._takeover[1], None))
            self._takeover = None
        window = self.window
        for mac, track in list(self._suspects.items()):
            if now - track.last > window:
                del self._suspects[mac]
                if Announce() not in actions:
                    actions.append(Announce())  # clients its claims pulled over come back
        for src, track in list(self._masters.items()):
            if now - track.last > track.window:
                del self._masters[src]
        episode = self._episode
        if episode is not None:
            quiet = self._episode_window if self._episode_window is not None else window
            if now - self._evidence > quiet:
                actions += [
                    SplitBrainHealed(episode.other, self._silence(quiet), now - episode.since),
                    Announce(),
                ]
                self._episode = None
        for mac, track in self._suspects.items():
            actions.append(Probe(track.vip, mac))
        if self._episode is not None and self._episode.other.mac and self._episode.vip:
            actions.append(Probe(self._episode.vip, self._episode.other.mac))
        if self._suspects or self._masters or self._episode is not None:
            self._next = now + self._interval
        if self._takeover is not None:
            self._next = min(self._next or self._takeover[0], self._takeover[0])
        return actions

    # -- internals ------------------------------------------------------------------------------

    def _start(
        self, other: Party, vip: IPAddress | None, cause: str, now: float, window: float | None
    ) -> SplitBrainStarted:
        self._episode = SplitBrainStarted(other, vip, cause, now)
        self._evidence = now
        self._episode_window = window
        self._vrrp_heard = None
        self._suspects.clear()
        self._masters.clear()
        self._wake(now)
        return self._episode

    def _silence(self, quiet: float) -> str:
        episode = self._episode
        assert episode is not None
        if episode.vip is None:
            return f"{episode.other.describe()} stopped advertising as master for {quiet:g} s"
        reason = f"{episode.other.describe()} stopped claiming {episode.vip} for {quiet:g} s"
        if self._vrrp_heard is not None:
            reason += f" (VRRP from {self._vrrp_heard} reached us again)"
        return reason

    def _wake(self, now: float) -> None:
        due = now + self._interval
        if self._next is None or self._next > due:
            self._next = due

    def _reset(self) -> None:
        self._suspects.clear()
        self._masters.clear()
        self._episode = None
        self._episode_window = None
        self._vrrp_heard = None
        self._takeover = None
        self._next = None
