"""A routed lab: two VRRP routers in different subnets, an upstream router, a client.

```
  client 203.0.113.10 ── uc [upstream, FRR AS 65000] u1 ── eth0 r1 198.51.100.2/30  (AS 65001)
                                                     u2 ── eth0 r2 198.51.100.6/30  (AS 65002)
```
The routers speak unicast VRRP to each other through the upstream (their adverts arrive
with TTL 254) and eBGP to the upstream; the VIP 192.0.2.100/32 sits on the master's `lo`
and reaches the client only as a BGP route. Every namespace carries the run prefix (the
lab sweep removes leftovers, FRR daemons included); FRR runs with per-run directories.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import LabError
from .frr import Frr
from .host import Netns
from .plan import new_prefix, validate_prefix
from .probe import Prober
from .processes import STOP_TIMEOUT, LabProcess, ProcessRegistry
from .sweep import remove_netns

VIP = "192.0.2.100"
ANNOUNCE_TABLE = 100
UPSTREAM_AS = 65000
CLIENT_ADDR = "203.0.113.10"
CLIENT_GW = "203.0.113.1"
# zebra batches route work for 10 ms by default; a VIP move is one route, so take it at once
ZEBRA_TUNING = "zebra work-queue 0\n"
BGP_TIMERS = (1, 3)  # keepalive, hold (seconds): a lab value; the bench reports their effect


@dataclass(frozen=True)
class RouterPlan:
    name: str
    asn: int
    address: str  # on eth0, the uplink (/30)
    gateway: str  # the upstream's end of the /30
    upstream_if: str  # the upstream's interface towards this router


ROUTERS = (
    RouterPlan("r1", 65001, "198.51.100.2", "198.51.100.1", "u1"),
    RouterPlan("r2", 65002, "198.51.100.6", "198.51.100.5", "u2"),
)


class Node(Netns):
    """A routed-lab namespace; `interface` is what probes send on."""

    interface = "eth0"


def _neighbor(peer: str, asn: int) -> list[str]:
    keepalive, hold = BGP_TIMERS
    return [
        f" neighbor {peer} remote-as {asn}",
        f" neighbor {peer} timers {keepalive} {hold}",
        f" neighbor {peer} timers connect 1",
        f" neighbor {peer} advertisement-interval 0",
    ]


def upstream_frr_conf() -> dict[str, str]:
    lines = [
        f"router bgp {UPSTREAM_AS}",
        " bgp router-id 198.51.100.1",
        " no bgp ebgp-requires-policy",
    ]
    for plan in ROUTERS:
        lines += _neighbor(plan.address, plan.asn)
    return {"zebra": f"hostname upstream\n{ZEBRA_TUNING}", "bgpd": "\n".join(lines) + "\n"}


def router_frr_conf(plan: RouterPlan, table: int = ANNOUNCE_TABLE) -> dict[str, str]:
    """The FRR side of `announce` (README "Beyond one LAN"): the announce table, plus the
    VIPs on lo as connected routes, which zebra prefers over an imported route of the
    same prefix (so `redistribute table` alone would never carry a VIP that sits on lo)."""
    zebra = f"hostname {plan.name}\n{ZEBRA_TUNING}ip import-table {table}\n"
    return {
        "zebra": zebra,
        "bgpd": "\n".join(
            [
                "ip prefix-list VRRPD-VIPS seq 5 permit 192.0.2.0/24 ge 32",
                "route-map VRRPD-VIPS permit 10",
                " match ip address prefix-list VRRPD-VIPS",
                "exit",
                f"router bgp {plan.asn}",
                f" bgp router-id {plan.address}",
                " no bgp ebgp-requires-policy",
                *_neighbor(plan.gateway, UPSTREAM_AS),
                " address-family ipv4 unicast",
                f"  redistribute table {table}",
                "  redistribute connected route-map VRRPD-VIPS",
                " exit-address-family",
            ]
        )
        + "\n",
    }


def routed_vrrpd_conf(
    plan: RouterPlan,
    *,
    priority: int,
    advert_int: float = 0.1,
    preempt_delay: float = 0.0,
    min_ttl: int = 254,
) -> str:
    """vrrpd on a routed router: unicast to the other router, VIP on lo, announced."""
    peer = next(p for p in ROUTERS if p is not plan)
    return (
        "\n".join(
            [
                "[global]",
                f'router_id = "{plan.name}"',
                'log_level = "debug"',
                "",
                "[instances.VI_1]",
                'interface = "eth0"',
                "virtual_router_id = 51",
                f"priority = {priority}",
                f"advert_int = {advert_int}",
                f"preempt_delay = {preempt_delay}",
                f'unicast_src_ip = "{plan.address}"',
                f'unicast_peer = ["{peer.address}"]',
                f"unicast_min_ttl = {min_ttl}",
                f"announce = {{ table = {ANNOUNCE_TABLE} }}",
                f'virtual_ipaddress = [{{ address = "{VIP}/32", dev = "lo" }}]',
                # egress from the VIP towards the client, as routed-a.toml shows
                f'virtual_routes = [{{ dst = "203.0.113.0/24", via = "{plan.gateway}",'
                f' dev = "eth0", src = "{VIP}" }}]',
            ]
        )
        + "\n"
    )


class RoutedLab:
    """Context manager: builds namespaces, links and FRR on enter; removes all on exit."""

    def __init__(self, prefix: str | None = None, *, keep_files: bool = False) -> None:
        self.prefix = validate_prefix(prefix or new_prefix())
        self.keep_files = keep_files
        self.registry = ProcessRegistry()
        self.dir: Path | None = None
        self.nodes: dict[str, Node] = {}
        self.frr: dict[str, Frr] = {}
        self._owns_namespaces = False

    @property
    def namespaces(self) -> list[str]:
        return [f"{self.prefix}-{name}" for name in ("up", "r1", "r2", "client")]

    def __enter__(self) -> RoutedLab:
        return self.up()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.down()
        except LabError:
            if exc is None:
                raise

    def up(self) -> RoutedLab:
        if os.geteuid() != 0:
            raise LabError("the routed lab needs root (network namespaces, veths)")
        from . import commands

        taken = set(self.namespaces) & set(commands.list_netns())
        if taken:
            raise LabError(f"namespaces {sorted(taken)} already exist")
        self.dir = Path(tempfile.mkdtemp(prefix=f"netns-lab-{self.prefix}-"))
        os.chmod(self.dir, 0o755)  # FRR drops to its own user and needs to reach its dir
        self._owns_namespaces = True
        try:
            commands.ip_batch(f"netns add {name}" for name in self.namespaces)
            for name in ("up", "r1", "r2", "client"):
                self.nodes[name] = Node(f"{self.prefix}-{name}", self.registry, self.dir)
            self._wire(commands)
            self.frr["up"] = Frr(self.nodes["up"], "up", upstream_frr_conf()).start()
            for plan in ROUTERS:
                self.frr[plan.name] = Frr(
                    self.nodes[plan.name], plan.name, router_frr_conf(plan)
                ).start()
        except BaseException:
            self.down()
            raise
        return self

    def _wire(self, commands) -> None:
        up = self.nodes["up"]
        for node in self.nodes.values():
            node.set_sysctls(
                {"net.ipv6.conf.all.accept_dad": 0, "net.ipv6.conf.default.accept_dad": 0}
            )
        up.set_sysctls({"net.ipv4.ip_forward": 1})
        links = [(plan.upstream_if, plan.name) for plan in ROUTERS] + [("uc", "client")]
        commands.ip_batch(
            f"link add {upside} netns {up.netns} type veth peer name eth0 netns "
            f"{self.nodes[name].netns}"
            for upside, name in links
        )
        up_lines = ["link set lo up", f"addr add {CLIENT_GW}/24 dev uc", "link set uc up"]
        for plan in ROUTERS:
            up_lines += [
                f"addr add {plan.gateway}/30 dev {plan.upstream_if}",
                f"link set {plan.upstream_if} up",
            ]
            self.nodes[plan.name].ip_batch(
                [
                    "link set lo up",
                    f"addr add {plan.address}/30 dev eth0",
                    "link set eth0 up",
                    f"route add default via {plan.gateway}",
                ]
            )
        up.ip_batch(up_lines)
        self.nodes["client"].ip_batch(
            [
                "link set lo up",
                f"addr add {CLIENT_ADDR}/24 dev eth0",
                "link set eth0 up",
                f"route add default via {CLIENT_GW}",
            ]
        )

    def down(self, timeout: float = STOP_TIMEOUT) -> None:
        try:
            self.registry.stop_all(timeout)
        finally:
            left = remove_netns(self.namespaces, timeout) if self._owns_namespaces else []
            if self.dir is not None and not self.keep_files:
                shutil.rmtree(self.dir, ignore_errors=True)
        if left:
            raise LabError(f"routed lab {self.prefix}: could not remove namespaces {left}")

    # -- daemons and observations ------------------------------------------------------
    def start_vrrpd(self, router: str, config_text: str) -> LabProcess:
        from .daemons import start_vrrpd

        return start_vrrpd(self.nodes[router], config_text)

    def bgp_next_hops(self, prefix: str = f"{VIP}/32") -> list[str]:
        """Next hops of the upstream's BGP paths for `prefix` (one per announcing router)."""
        found = self.frr["up"].vtysh_json(f"show ip bgp {prefix} json")
        hops = []
        for path in found.get("paths", []):
            for hop in path.get("nexthops", []):
                hops.append(hop.get("ip"))
        return hops

    def announcer(self) -> str | None:
        """The router whose route the upstream holds for the VIP (None: none, or both)."""
        hops = self.bgp_next_hops()
        names = [p.name for p in ROUTERS if p.address in hops]
        return names[0] if len(names) == 1 and len(hops) == 1 else None

    def established(self) -> bool:
        summary = self.frr["up"].vtysh_json("show ip bgp summary json")
        peers = summary.get("ipv4Unicast", {}).get("peers", {})
        return all(peers.get(p.address, {}).get("state") == "Established" for p in ROUTERS)

    def announced_routes(self, router: str) -> list[str]:
        """The host routes vrrpd put in the announce table on `router`."""
        done = self.nodes[router].run(
            ["ip", "route", "show", "table", str(ANNOUNCE_TABLE), "proto", "keepalived"],
            check=False,
        )
        out = done.stdout if done.returncode == 0 else ""  # no table yet: nothing in it
        return [line.split()[0] for line in out.splitlines() if line.strip()]

    def uplink(self, router: str, up: bool) -> None:
        """Pull (or put back) the cable of a router's uplink, from the upstream's side."""
        plan = next(p for p in ROUTERS if p.name == router)
        self.nodes["up"].ip("link", "set", plan.upstream_if, "up" if up else "down")

    def probe(
        self, target: str = VIP, *, interval: float = 0.005, reply_timeout: float = 0.5
    ) -> Prober:
        client = self.nodes["client"]
        name = f"probe-routed-{len(self.registry.processes)}"
        return Prober(
            client,
            target,
            out_path=self._dir() / f"{name}.probe",
            interval=interval,
            reply_timeout=reply_timeout,
            name=name,
        )

    def report(self, lines: int = 20) -> str:
        parts = [f"<RoutedLab {self.prefix} dir={self.dir}>"]
        for proc in self.registry.processes:
            parts.append(f"--- {proc!r} running={proc.running}\n{proc.log_tail(lines)}")
        return "\n".join(parts)

    def _dir(self) -> Path:
        if self.dir is None:
            raise LabError(f"routed lab {self.prefix} is not up")
        return self.dir
