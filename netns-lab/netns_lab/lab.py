"""The Lab: a throwaway L2 segment of namespaces (switch, VRRP hosts, client) and its faults."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import daemons, iface_faults, topology
from .capture import VRRP_FILTER, Capture, start_capture
from .errors import LabError
from .host import Host
from .plan import HOST_IFACE, LabPlan, make_plan, new_prefix
from .probe import Prober
from .processes import STOP_TIMEOUT, LabProcess, ProcessRegistry
from .sweep import remove_netns
from .switch import Switch

HostRef = Host | str


class Lab:
    """Context manager: builds on enter, always tears down (processes, then namespaces) on exit."""

    def __init__(
        self,
        prefix: str | None = None,
        *,
        hosts: Sequence[str] = ("r1", "r2"),
        client: bool = True,
        ipv6: bool = True,
        bond_hosts: Sequence[str] = (),
        keep_files: bool = False,
    ) -> None:
        self.plan: LabPlan = make_plan(
            prefix or new_prefix(), hosts, client=client, ipv6=ipv6, bond_hosts=bond_hosts
        )
        self.keep_files = keep_files
        self.registry = ProcessRegistry()
        self.dir: Path | None = None
        self.switch: Switch | None = None
        self.hosts: dict[str, Host] = {}
        self.client: Host | None = None
        self._owns_namespaces = False  # never delete namespaces another lab created

    @property
    def prefix(self) -> str:
        return self.plan.prefix

    @property
    def processes(self) -> list[LabProcess]:
        return list(self.registry.processes)

    def __repr__(self) -> str:
        return f"<Lab {self.prefix} hosts={list(self.hosts)} dir={self.dir}>"

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Lab:
        return self.up()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.down()
        except LabError:
            if exc is None:
                raise  # a failed teardown must not hide the body's own exception

    def up(self) -> Lab:
        """Create everything; on any failure, remove what was created and re-raise."""
        if os.geteuid() != 0:
            raise LabError("the netns lab needs root (network namespaces, veths, nft)")
        if self.dir is not None:
            raise LabError(f"lab {self.prefix} is already up")
        topology.check_can_build(self.plan)
        self.dir = Path(tempfile.mkdtemp(prefix=f"netns-lab-{self.prefix}-"))
        self._owns_namespaces = True
        try:
            topology.create_namespaces(self.plan)
            self.switch = Switch(self.plan.switch_netns, self.registry, self.dir)
            for plan in self.plan.all_hosts:
                host = Host(plan, self.registry, self.dir)
                topology.prepare_host(host)
                if plan is self.plan.client:
                    self.client = host
                else:
                    self.hosts[plan.name] = host
            self.switch.build(self.plan.all_hosts)
            for host in self.all_hosts:
                topology.configure_host(host, host.plan)
        except BaseException:
            self.down()
            raise
        return self

    def down(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop every process the lab started, then every process in and every namespace of
        the lab; raise LabError if a namespace survives."""
        try:
            self.registry.stop_all(timeout)
        finally:
            left = remove_netns(self.plan.namespaces, timeout) if self._owns_namespaces else []
            if self.dir is not None and not self.keep_files:
                shutil.rmtree(self.dir, ignore_errors=True)
        if left:
            raise LabError(f"lab {self.prefix}: could not remove namespaces {left}")

    # -- hosts -----------------------------------------------------------------------------

    @property
    def all_hosts(self) -> list[Host]:
        return [*self.hosts.values(), *([self.client] if self.client else [])]

    def host(self, ref: HostRef) -> Host:
        """A host by name ("r1", "client") or the Host itself."""
        if isinstance(ref, Host):
            return ref
        found = {h.name: h for h in self.all_hosts}.get(ref)
        if found is None:
            raise LabError(f"no host {ref!r} in lab {self.prefix} (have {list(self.hosts)})")
        return found

    __getitem__ = host

    def vip_holders(self, vip: str) -> list[str]:
        """Names of the VRRP hosts that have vip on eth0 right now."""
        return [h.name for h in self.hosts.values() if h.has_address(vip)]

    def vip_holder(self, vip: str) -> str | None:
        """The one host holding vip; None if nobody or several do (see vip_holders)."""
        holders = self.vip_holders(vip)
        return holders[0] if len(holders) == 1 else None

    def host_by_mac(self, mac: str | None) -> str | None:
        return next((h.name for h in self.all_hosts if h.mac == (mac or "").lower()), None)

    # -- processes -------------------------------------------------------------------------

    def start(
        self,
        host: HostRef,
        argv: Sequence[str],
        *,
        name: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        log_path: Path | None = None,
    ) -> LabProcess:
        """Start any program in a host's namespace (stdout+stderr to its log file)."""
        return self.host(host).popen(argv, name=name, env=env, cwd=cwd, log_path=log_path)

    def start_keepalived(self, host: HostRef, config_text: str, **kwargs) -> LabProcess:
        return daemons.start_keepalived(self.host(host), config_text, **kwargs)

    def start_vrrpd(self, host: HostRef, config_text: str, **kwargs) -> LabProcess:
        return daemons.start_vrrpd(self.host(host), config_text, **kwargs)

    def kill(self, proc: LabProcess, sig: int = signal.SIGKILL) -> None:
        """Signal a lab process and all its children (SIGKILL by default: a crash)."""
        proc.signal(sig)

    def probe(
        self,
        target: str,
        *,
        interval: float = 0.005,
        duration: float | None = None,
        reply_timeout: float = 0.5,
        host: HostRef = "client",
    ) -> Prober:
        """A Prober (not yet started) pinging target from the client (or another host)."""
        source = self.host(host)
        name = daemons.unique_name(source, f"probe-{source.name}-{target.replace(':', '_')}")
        return Prober(
            source,
            target,
            out_path=self._dir() / f"{name}.probe",
            interval=interval,
            duration=duration,
            reply_timeout=reply_timeout,
            name=name,
        )

    def capture(
        self, host: HostRef, *, bpf: str = VRRP_FILTER, interface: str = HOST_IFACE
    ) -> Capture:
        """Start tcpdump in a host's namespace (VRRP only by default)."""
        source = self.host(host)
        name = daemons.unique_name(source, f"tcpdump-{source.name}")
        return start_capture(
            source, pcap_path=self._dir() / f"{name}.pcap", name=name, bpf=bpf, interface=interface
        )

    def report(self, log_lines: int = 20) -> str:
        """Every process's status and log tail: print it when a test fails."""
        parts = [repr(self)]
        for proc in self.registry.processes:
            parts.append(f"--- {proc!r} running={proc.running}\n{proc.log_tail(log_lines)}")
        return "\n".join(parts)

    # -- faults ----------------------------------------------------------------------------

    def port_down(self, host: HostRef) -> None:
        """Take the host's switch port(s) down: a pulled cable, seen as lost carrier."""
        self._switch().set_ports(self.host(host).plan.ports, up=False)

    def port_up(self, host: HostRef) -> None:
        self._switch().set_ports(self.host(host).plan.ports, up=True)

    def link_flap(self, host: HostRef, down_s: float) -> None:
        """Port down for down_s seconds, then up again (blocks for down_s)."""
        if not 0 <= down_s <= 60:
            raise ValueError(f"down_s {down_s} outside 0..60 s")
        self.port_down(host)
        try:
            time.sleep(down_s)
        finally:
            self.port_up(host)

    def delete_interface(self, host: HostRef) -> None:
        """Delete the host's eth0 (its switch port goes with it): a NIC unplugged."""
        iface_faults.delete_interface(self.host(host))

    def create_interface(self, host: HostRef, mac: str | None = None) -> str:
        """Re-create the host's eth0 with a new MAC (random unless given) and its addresses."""
        return iface_faults.create_interface(self.host(host), self._switch(), mac)

    def rename_interface(self, host: HostRef, old: str, new: str) -> None:
        iface_faults.rename_interface(self.host(host), old, new)

    def partition_vrrp(self, a: HostRef, b: HostRef, *, one_way: bool = False,
                       replace: bool = False) -> None:
        """Drop VRRP between two hosts on the switch (other traffic still flows); only from
        a to b when `one_way`; `replace` swaps out the current partition atomically."""
        ports_a, ports_b = self.host(a).plan.ports, self.host(b).plan.ports
        if ports_a == ports_b:
            raise ValueError("cannot partition a host from itself")
        self._switch().partition_vrrp(ports_a, ports_b, one_way=one_way, replace=replace)

    def heal_vrrp(self) -> None:
        self._switch().heal_vrrp()

    def block_multicast_vrrp(self) -> None:
        self._switch().block_multicast_vrrp()

    def unblock_multicast_vrrp(self) -> None:
        self._switch().unblock_multicast_vrrp()

    def bond_slave_down(self, host: HostRef, idx: int) -> None:
        """Pull the cable of one bond slave (its switch port)."""
        self._switch().set_ports([self._bond_port(host, idx)], up=False)

    def bond_slave_up(self, host: HostRef, idx: int) -> None:
        self._switch().set_ports([self._bond_port(host, idx)], up=True)

    def bond_active_slave(self, host: HostRef) -> int | None:
        """Index of the bond's active slave, or None if it has none."""
        target = self.host(host)
        if not target.plan.bond:
            raise LabError(f"{target.name} is not a bond host")
        (link,) = target.ip_json("-d", "link", "show", "dev", HOST_IFACE)
        active = link.get("linkinfo", {}).get("info_data", {}).get("active_slave")
        return target.plan.slaves.index(active) if active in target.plan.slaves else None

    def _bond_port(self, host: HostRef, idx: int) -> str:
        target = self.host(host)
        if not target.plan.bond:
            raise LabError(f"{target.name} is not a bond host")
        if not 0 <= idx < len(target.plan.ports):
            raise ValueError(f"bond slave index {idx} outside 0..{len(target.plan.ports) - 1}")
        return target.plan.ports[idx]

    def _switch(self) -> Switch:
        if self.switch is None:
            raise LabError(f"lab {self.prefix} is not up")
        return self.switch

    def _dir(self) -> Path:
        if self.dir is None:
            raise LabError(f"lab {self.prefix} is not up")
        return self.dir
