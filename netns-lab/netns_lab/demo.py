"""End-to-end proof of the lab: a keepalived pair, a prober, a crashed master, the outage."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from .keepalived import keepalived_conf
from .lab import Lab
from .waiting import wait_until

DEMO_VIP = "192.0.2.100"


def demo_keepalived(
    *,
    advert_int: float = 0.1,
    version: int = 3,
    interval: float = 0.005,
    fault: str = "crash",
    prefix: str | None = None,
    say: Callable[[str], None] = print,
) -> float:
    """Run the demo and return the outage in ms (inf if the VIP never came back).

    fault "crash": SIGKILL keepalived on the master and pull its cable, as when the box dies.
    fault "kill": SIGKILL only; the dead master keeps the VIP (keepalived cannot remove it),
    so the client may keep being answered by it and the outage says little about failover.
    """
    if fault not in ("crash", "kill"):
        raise ValueError(f"fault {fault!r} must be 'crash' or 'kill'")
    with Lab(prefix, hosts=("r1", "r2")) as lab:
        say(f"lab {lab.prefix}: " + ", ".join(f"{h.name} {h.ipv4}" for h in lab.all_hosts))
        daemons = {}
        for name, priority in (("r1", 150), ("r2", 100)):
            conf = keepalived_conf(
                router_id=name,
                vrid=51,
                priority=priority,
                advert_int=advert_int,
                version=version,
                vips=[f"{DEMO_VIP}/24"],
            )
            daemons[name] = lab.start_keepalived(name, conf)
        started = time.monotonic()
        wait_until(lambda: lab.vip_holder(DEMO_VIP) == "r1", 10, message="r1 holds the VIP")
        say(
            f"keepalived v{version} advert_int {advert_int}s: r1 MASTER after "
            f"{time.monotonic() - started:.2f}s"
        )
        prober = lab.probe(DEMO_VIP, interval=interval).start()
        wait_until(lambda: prober.snapshot().received >= 20, 5, message="client reaches VIP")
        say(f"probing {DEMO_VIP} from the client every {interval * 1000:g} ms")
        fault_at = time.monotonic()
        lab.kill(daemons["r1"], signal.SIGKILL)
        if fault == "crash":
            lab.port_down("r1")
        say(f"fault: SIGKILL keepalived on r1{' + port down' if fault == 'crash' else ''}")
        wait_until(lambda: "r2" in lab.vip_holders(DEMO_VIP), 10, message="r2 takes the VIP")
        say(f"r2 holds {DEMO_VIP} {time.monotonic() - fault_at:.3f}s after the fault")
        time.sleep(max(1.0, 3 * advert_int))  # let the client settle on the new master
        result = prober.stop()
        macs = ", ".join(
            f"{lab.host_by_mac(m) or m}: {n}" for m, n in result.replies_by_mac.items()
        )
        say(f"sent {result.sent} received {result.received} lost {result.lost} (replies {macs})")
        say(f"outage_ms {result.outage_ms:.1f}")
        return result.outage_ms
