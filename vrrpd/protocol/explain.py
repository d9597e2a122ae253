"""Why an instance is in its state, in words: a pure function of a snapshot (`Facts`).

`vrrpd explain` answers the question keepalived users keep asking ("why am I (not) master?",
"why are both master?"). The daemon gathers the facts (state, timers, who it hears, who claims
the VIPs, tracking, split brain) and this module turns them into the sentence of the rule that
decides the state, plus a priority breakdown, one line per peer and per VIP claim. No I/O and
no clock: ages and timer deadlines arrive as seconds, so tests build Facts by hand.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from ipaddress import ip_address

OWNER = 255


@dataclass(frozen=True, slots=True)
class Tracked:
    """One tracked object as vrrpd.protocol.tracking's status shows it."""

    name: str
    kind: str  # "interface", "script" or "file"
    state: str  # "up", "down", "unknown", "ok", "fault"
    weight: int
    effect: int  # what it adds to the base priority now
    fault: bool  # it holds the instance in FAULT


@dataclass(frozen=True, slots=True)
class Peer:
    """Another router heard on the instance's VRID (the receive path's peer table)."""

    address: str
    priority: int | None  # of its last accepted advert; None when only drops were seen
    interval: float | None  # advertised interval, seconds
    age: float | None  # seconds since its last accepted advert
    adverts: int = 0
    dropped: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VipClaim:
    """The last ARP/NA frame from another host claiming one of our VIPs."""

    vip: str
    mac: str
    ip: str | None  # that MAC's address when we learnt it, else None
    kind: str  # "garp", "arp-reply", "na"
    age: float


@dataclass(frozen=True, slots=True)
class SplitBrain:
    other_ip: str | None
    other_mac: str | None
    cause: str
    since: float  # unix time


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the explanation needs, read from one instance at one moment."""

    name: str
    state: str
    interface: str
    base_priority: int
    priority: int
    preempt: bool
    preempt_delay: float
    primary_ip: str
    advert_int: float
    master_advert_int: float
    master_down_interval: float
    since_age: float | None = None  # seconds since the last transition
    since: float | None = None  # unix time of the last transition
    last_reason: str | None = None
    master_ip: str | None = None
    master_priority: int | None = None
    timers: Mapping[str, float] = field(default_factory=dict)  # name -> seconds until it fires
    fault_sources: tuple[str, ...] = ()
    link_up: bool | None = None
    tracked: tuple[Tracked, ...] = ()
    sync_group: str | None = None
    sync_group_state: str | None = None
    sync_group_hold: bool = False
    startup_hold_left: float = 0.0
    peers: tuple[Peer, ...] = ()
    claims: tuple[VipClaim, ...] | None = None  # None: no ARP/NA watch on this instance
    split_brain: SplitBrain | None = None
    vips: tuple[str, ...] = ()


def _s(seconds: float) -> str:
    """Seconds for people: 0.36, 1.5, 12, 95."""
    if seconds < 10:
        return f"{seconds:.2f}".rstrip("0").rstrip(".") or "0"
    return f"{seconds:.0f}"


def _clock(unix: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(unix))


def _outranks(priority: int, address: str, our_priority: int, our_address: str) -> bool:
    """RFC 5798: higher priority wins; equal priority, the higher primary address."""
    if priority != our_priority:
        return priority > our_priority
    return _address_key(address) > _address_key(our_address)


def _address_key(address: str) -> tuple[int, ...]:
    try:
        return (int(ip_address(address)),)
    except ValueError:
        return (0,)


def _live(peer: Peer, facts: Facts) -> bool:
    """Heard recently enough to count as present (within a Master_Down_Interval)."""
    return peer.age is not None and peer.age <= max(facts.master_down_interval, facts.advert_int)


def fault_reasons(facts: Facts) -> list[str]:
    reasons = [
        f"{t.name} {t.state} (tracked {t.kind}, weight {t.weight})"
        for t in facts.tracked
        if t.fault
    ]
    if "interface" in facts.fault_sources and not reasons:
        reasons.append(f"{facts.interface} down (the instance's own interface)")
    if "sync group" in facts.fault_sources:
        reasons.append(f"sync group {facts.sync_group or '?'} is in FAULT (another member failed)")
    if not reasons and facts.last_reason:
        reasons.append(facts.last_reason)
    return reasons or ["fault"]


def priority_sentence(facts: Facts) -> str:
    if facts.base_priority == OWNER:
        return "255: address owner (tracking never lowers it; always master while up)"
    parts = [f"base {facts.base_priority}"]
    for t in facts.tracked:
        if t.effect:
            parts.append(f"{'+' if t.effect > 0 else '-'} {abs(t.effect)} ({t.name} {t.state})")
    total = facts.base_priority + sum(t.effect for t in facts.tracked)
    text = f"{facts.priority} = " + " ".join(parts)
    if total != facts.priority:
        text += f" (clamped to 1..254 from {total})"
    return text


def _also_master(facts: Facts) -> str | None:
    """The two-masters sentence, from a split-brain episode or a lower master still heard."""
    sb = facts.split_brain
    heard = {p.address: p for p in facts.peers if _live(p, facts) and p.priority}
    if sb is not None:
        other = sb.other_ip or sb.other_mac or "another router"
        if sb.other_ip is not None and sb.other_ip in heard:
            how, cause = "heard", "our adverts don't reach it (or it rejects them)"
        else:
            how = "claims our VIP by ARP/NA"
            silent = [p for p in facts.peers if p.priority and p.address not in heard]
            if sb.other_ip is None and silent:  # peers come most recently heard first
                age = "?" if silent[0].age is None else _s(silent[0].age)
                how += f"; probably {silent[0].address}, whose adverts stopped {age} s ago"
            cause = (
                "we don't hear its adverts: VRRP filtered between us, "
                "or it holds the VIP outside VRRP"
            )
        return (
            f"also MASTER: {other} ({how}), likely cause: {cause} "
            f"(split brain since {_clock(sb.since)})"
        )
    lower = [
        p
        for p in heard.values()
        if p.priority is not None
        and p.interval is not None
        and p.age is not None
        and p.age <= 2 * p.interval
        and not _outranks(p.priority, p.address, facts.priority, facts.primary_ip)
    ]
    if lower:
        p = lower[0]
        return (
            f"also MASTER: {p.address} (heard, priority {p.priority} < our {facts.priority}); "
            "it should back off on our adverts; if it keeps on, our adverts don't reach it"
        )
    return None


def _master_rule(facts: Facts) -> str:
    if facts.base_priority == OWNER:
        rule = "MASTER: address owner (priority 255)"
    else:
        better = [
            p
            for p in facts.peers
            if _live(p, facts)
            and p.priority
            and _outranks(p.priority, p.address, facts.priority, facts.primary_ip)
        ]
        if better:
            p = better[0]
            rule = (
                f"MASTER: but {p.address} priority {p.priority} outranks our {facts.priority} "
                f"(heard {_s(p.age or 0)} s ago); the next advert makes us BACKUP"
            )
        else:
            ages = [
                p.age
                for p in facts.peers
                if p.priority and p.age is not None
                and _outranks(p.priority, p.address, facts.priority, facts.primary_ip)
            ]
            quiet = min(ages) if ages else (facts.since_age or 0.0)
            rule = f"MASTER: no advert from a better router for {_s(quiet)} s"
            if facts.last_reason:
                rule += f" (took over on: {facts.last_reason})"
    also = _also_master(facts)
    return f"{rule}; {also}" if also else rule


def _backup_rule(facts: Facts) -> str:
    ours = facts.priority
    if facts.startup_hold_left > 0:
        return (
            f"BACKUP: start-up hold for another {_s(facts.startup_hold_left)} s "
            "(global.startup_delay): listening before taking over"
        )
    if facts.sync_group_hold:
        return (
            f"BACKUP: held by sync group {facts.sync_group}: another member follows a better "
            "master, so this one does not take over on its own"
        )
    down = facts.timers.get("master_down")
    if facts.master_ip is None or facts.master_priority is None:
        text = "BACKUP: no master heard"
        if down is not None:
            text += (
                f"; taking over in {_s(down)} s unless an advert arrives "
                f"(Master_Down_Interval {_s(facts.master_down_interval)} s)"
            )
        return text
    master, theirs = facts.master_ip, facts.master_priority
    if theirs > ours:
        text = f"BACKUP: master {master} priority {theirs} > our {ours}"
        text += "; preempt on but lower" if facts.preempt else "; preempt off"
    elif theirs == ours:
        text = f"BACKUP: master {master} priority {theirs} = our {ours}; equal never preempts"
    elif not facts.preempt and ours != OWNER:  # the address owner always preempts (§6.1)
        text = f"BACKUP: master {master} priority {theirs} < our {ours}, but preempt is off"
    elif "preempt" in facts.timers and facts.preempt_delay > 0:
        text = (
            f"BACKUP: master {master} priority {theirs} < our {ours}; preempt_delay "
            f"{_s(facts.preempt_delay)} s pending, taking over in {_s(facts.timers['preempt'])} s"
        )
    elif "preempt" in facts.timers:  # Skew_Time first, so the best of several backups goes first
        text = (
            f"BACKUP: master {master} priority {theirs} < our {ours}; preempting after "
            f"Skew_Time, taking over in {_s(facts.timers['preempt'])} s"
        )
    else:
        text = f"BACKUP: master {master} priority {theirs} < our {ours}; preempting on next advert"
    if down is not None:
        text += f" (master down in {_s(down)} s without its adverts)"
    return text


def rule(facts: Facts) -> str:
    """The sentence of the rule that decides the current state."""
    if facts.state == "FAULT":
        return "FAULT: " + "; ".join(fault_reasons(facts))
    if facts.state == "MASTER":
        return _master_rule(facts)
    if facts.state == "BACKUP":
        return _backup_rule(facts)
    return f"{facts.state}: not running ({facts.last_reason or 'not started'})"


def peer_line(peer: Peer) -> str:
    if peer.priority is None:
        heard = "no advert accepted"
    else:
        interval = "?" if peer.interval is None else _s(peer.interval)
        age = "?" if peer.age is None else _s(peer.age)
        heard = f"priority {peer.priority}, interval {interval} s, last advert {age} s ago"
    dropped = sum(peer.dropped.values())
    if dropped:
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(peer.dropped.items()))
        heard += f"; dropped {dropped} ({reasons})"
    return f"{peer.address}: {heard}"


def holder_lines(facts: Facts) -> list[str]:
    lines = []
    if facts.state == "MASTER" and facts.vips:
        lines.append(f"we hold {', '.join(facts.vips)}")
    if facts.claims is None:
        lines.append("ARP/NA claims not watched (split_brain_after = 0 or no MAC)")
        return lines
    for claim in facts.claims:
        who = claim.mac + (f" ({claim.ip})" if claim.ip else "")
        lines.append(f"{claim.vip}: claimed by {who} via {claim.kind}, {_s(claim.age)} s ago")
    if not facts.claims:
        lines.append("no other host seen claiming our VIPs")
    return lines


def explain(facts: Facts) -> dict[str, object]:
    """The JSON object `vrrpd explain --json` shows for one instance."""
    return {
        "name": facts.name,
        "state": facts.state,
        "since": facts.since,
        "rule": rule(facts),
        "priority": {
            "effective": facts.priority,
            "base": facts.base_priority,
            "owner": facts.base_priority == OWNER,
            "tracked": [asdict(t) for t in facts.tracked],
            "fault_reasons": fault_reasons(facts) if facts.state == "FAULT" else [],
            "text": priority_sentence(facts),
        },
        "peers": [{**asdict(p), "dropped": dict(p.dropped), "text": peer_line(p)}
                  for p in facts.peers],
        "vip_claims": None if facts.claims is None else [asdict(c) for c in facts.claims],
        "vip_holders": holder_lines(facts),
        "split_brain": None if facts.split_brain is None else asdict(facts.split_brain),
        "timers": dict(facts.timers),
    }
