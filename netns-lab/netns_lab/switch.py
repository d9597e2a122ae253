"""The lab's switch: one Linux bridge in its own namespace, and the faults injected there.

Faults live on the switch side on purpose: downing a switch port is a cable pull the host
only sees as lost carrier, and nft bridge rules filter VRRP between hosts without touching
anything inside the hosts under test.
"""

from __future__ import annotations

from collections.abc import Sequence

from .host import Netns
from .plan import BRIDGE, HostPlan

NFT_TABLE = "netns_lab"
VRRP_PROTO = 112
_CHAINS = {"partition": 0, "multicast": 1}  # chain -> hook priority


class Switch(Netns):
    def build(self, hosts: Sequence[HostPlan]) -> None:
        """Bridge without multicast snooping (VRRP must flood), no STP, no forward delay."""
        no_ipv6 = {f"net.ipv6.conf.{which}.disable_ipv6": 1 for which in ("all", "default")}
        self.set_sysctls(no_ipv6)  # the switch itself stays silent: no RS, no MLD
        lines = [f"link add {BRIDGE} type bridge mcast_snooping 0 stp_state 0 forward_delay 0"]
        for host in hosts:
            for port, slave in zip(host.ports, host.slaves, strict=True):
                mac = "" if host.bond else f" address {host.mac}"
                lines.append(f"link add {port} type veth peer name {slave}{mac} netns {host.netns}")
                lines += [f"link set {port} master {BRIDGE}", f"link set {port} up"]
        lines.append(f"link set {BRIDGE} up")
        self.ip_batch(lines)
        chains = "".join(
            f"  chain {name} {{ type filter hook forward priority {prio}; policy accept; }}\n"
            for name, prio in _CHAINS.items()
        )
        self._nft_script(f"table bridge {NFT_TABLE} {{\n{chains}}}\n")

    def set_ports(self, ports: Sequence[str], *, up: bool) -> None:
        self.ip_batch(f"link set {port} {'up' if up else 'down'}" for port in ports)

    def port_is_up(self, port: str) -> bool:
        (link,) = self.ip_json("link", "show", "dev", port)
        return "UP" in link.get("flags", [])

    def partition_vrrp(self, a_ports: Sequence[str], b_ports: Sequence[str], *,
                       one_way: bool = False, replace: bool = False) -> None:
        """Drop VRRP (IPv4 and IPv6, multicast and unicast) between two sets of ports; only
        from a to b when `one_way`. `replace` swaps out the current partition in the same
        (atomic) nft transaction, so no advert slips through in between."""
        rules = [f"flush chain bridge {NFT_TABLE} partition"] if replace else []
        pairs = [(a_ports, b_ports)] if one_way else [(a_ports, b_ports), (b_ports, a_ports)]
        for src, dst in pairs:
            rule = f"add rule bridge {NFT_TABLE} partition iifname {_set(src)} oifname {_set(dst)}"
            rules.append(f"{rule} ip protocol {VRRP_PROTO} drop")
            rules.append(f"{rule} ip6 nexthdr {VRRP_PROTO} drop")
        self._nft_script("\n".join(rules) + "\n")

    def heal_vrrp(self) -> None:
        self._nft_script(f"flush chain bridge {NFT_TABLE} partition\n")

    def block_multicast_vrrp(self) -> None:
        """Drop VRRP sent to 224.0.0.18 / ff02::12 anywhere on the bridge (unicast tests)."""
        rule = f"add rule bridge {NFT_TABLE} multicast"
        self._nft_script(
            f"{rule} ip daddr 224.0.0.18 ip protocol {VRRP_PROTO} drop\n"
            f"{rule} ip6 daddr ff02::12 ip6 nexthdr {VRRP_PROTO} drop\n"
        )

    def unblock_multicast_vrrp(self) -> None:
        self._nft_script(f"flush chain bridge {NFT_TABLE} multicast\n")

    def ruleset(self) -> str:
        return self.run(["nft", "list", "table", "bridge", NFT_TABLE]).stdout

    def _nft_script(self, script: str) -> None:
        self.run(["nft", "-f", "-"], input=script)


def _set(ports: Sequence[str]) -> str:
    if not ports:
        raise ValueError("a partition side needs at least one port")
    return "{ " + ", ".join(f'"{p}"' for p in ports) + " }"
