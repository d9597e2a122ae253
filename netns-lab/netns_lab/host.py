"""Handles on the lab's namespaces: run commands in them, start tracked processes, sysctls."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from . import commands
from .plan import HOST_IFACE, HostPlan
from .probe_agent import agent_argv
from .processes import LabProcess, ProcessRegistry


class Netns:
    """A named network namespace: everything runs through `ip netns exec` / `ip -n`."""

    def __init__(self, name: str, registry: ProcessRegistry, workdir: Path) -> None:
        self.netns = name
        self._registry = registry
        self.workdir = workdir

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.netns}>"

    @property
    def name(self) -> str:
        return self.netns

    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        """The argv that runs argv inside this namespace."""
        return ["ip", "netns", "exec", self.netns, *argv]

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float = commands.DEFAULT_TIMEOUT,
        check: bool = True,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run argv in the namespace to completion, capturing text output."""
        return commands.run(
            self.exec_argv(argv), timeout=timeout, check=check, input=input, env=env
        )

    def ip(self, *args: str, timeout: float = commands.DEFAULT_TIMEOUT) -> str:
        """Run one `ip -n NS ...` command and return its stdout."""
        return commands.run(["ip", "-n", self.netns, *args], timeout=timeout).stdout

    def ip_json(self, *args: str) -> list[dict]:
        out = self.ip("-j", *args)
        return json.loads(out) if out.strip() else []

    def ip_batch(self, lines: Iterable[str]) -> None:
        commands.ip_batch(lines, netns=self.netns)

    def set_sysctl(self, key: str, value: str | int) -> None:
        """Set a (per-namespace) sysctl such as net.ipv4.conf.eth0.arp_accept."""
        self.set_sysctls({key: value})

    def set_sysctls(self, values: Mapping[str, str | int]) -> None:
        if values:
            self.run(["sysctl", "-q", "-w", *(f"{k}={v}" for k, v in values.items())])

    def get_sysctl(self, key: str) -> str:
        return self.run(["sysctl", "-n", key]).stdout.strip()

    def pids(self) -> list[int]:
        return commands.netns_pids(self.netns)

    def popen(
        self,
        argv: Sequence[str],
        *,
        name: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        log_path: Path | None = None,
    ) -> LabProcess:
        """Start argv in this namespace, tracked so lab teardown stops it."""
        name = name or f"{self.name}-{Path(argv[0]).name}-{len(self._registry.processes)}"
        log_path = log_path or self.workdir / f"{name}.log"
        return self._registry.start(
            self.netns, argv, log_path=log_path, name=name, env=env, cwd=cwd
        )


class Host(Netns):
    """A lab host (router or client): its namespace plus its planned addresses and ports."""

    def __init__(self, plan: HostPlan, registry: ProcessRegistry, workdir: Path) -> None:
        super().__init__(plan.netns, registry, workdir)
        self.plan = plan

    ipv4 = property(lambda self: self.plan.ipv4)
    ipv6 = property(lambda self: self.plan.ipv6)
    mac = property(lambda self: self.plan.mac)
    interface = HOST_IFACE

    @property
    def name(self) -> str:
        return self.plan.name

    def __repr__(self) -> str:
        return f"<Host {self.name} netns={self.netns} {self.ipv4}>"

    def addresses(self, interface: str = HOST_IFACE) -> list[str]:
        """Addresses (without prefix length) currently on the interface, both families."""
        out = self.ip("-o", "addr", "show", "dev", interface)
        return [line.split()[3].split("/")[0] for line in out.splitlines() if len(line.split()) > 3]

    def addresses_all(self) -> list[str]:
        """Addresses (without prefix length) on every interface of the namespace."""
        out = self.ip("-o", "addr", "show")
        return [line.split()[3].split("/")[0] for line in out.splitlines() if len(line.split()) > 3]

    def has_address(self, address: str, interface: str = HOST_IFACE) -> bool:
        return address in self.addresses(interface)

    def ping(self, target: str, *, count: int = 3, interval: float = 0.2) -> bool:
        """One-shot reachability check: True as soon as target answers an ICMP echo.

        Uses the lab's stdlib agent (this image has no ping binary).
        """
        argv = agent_argv(
            target,
            interval=interval,
            duration=count * interval + 1,
            reply_timeout=interval,
            out="-",
            count=count,
            stop_on_reply=True,
            iface=self.interface,
        )
        return self.run(argv, check=False, timeout=count * interval + 10).returncode == 0
