"""FRR daemons (zebra, bgpd, vrrpd) inside a lab namespace, with nothing under /etc/frr.

Each FRR instance gets its own directory in the lab's work dir (owned by the `frr` user,
which the daemons drop to): config file, pid files, the zebra API socket and the vty
sockets. Every path is given explicitly (-f, -i, -z, --vty_socket), so two instances on one
filesystem never meet, and the host's FRR service (kept from starting) is never involved.
The daemons run in the foreground as tracked LabProcesses: lab teardown, and the sweep of
leftover namespaces (which kills every process inside), stop them like keepalived.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path

from .errors import LabError
from .host import Netns
from .processes import LabProcess
from .waiting import wait_until

FRR_LIBEXEC = Path("/usr/lib/frr")
VTYSH = "vtysh"
FRR_USER = "frr"
START_TIMEOUT = 10.0
VTYSH_TIMEOUT = 5.0


def frr_available() -> str | None:
    """None when FRR can run here; else why not (for a clear failure message)."""
    if not (FRR_LIBEXEC / "zebra").is_file() or shutil.which(VTYSH) is None:
        return "FRR is not installed (Debian package `frr`; `make test` installs it)"
    try:
        pwd.getpwnam(FRR_USER)
    except KeyError:
        return f"FRR's user {FRR_USER!r} does not exist (is the frr package installed?)"
    return None


class Frr:
    """One FRR instance (zebra plus the daemons asked for) in one namespace."""

    def __init__(self, netns: Netns, name: str, configs: dict[str, str]) -> None:
        """`configs`: each daemon's own config text (zebra, bgpd, vrrpd); a daemon with
        none starts with an empty one."""
        why = frr_available()
        if why is not None:
            raise LabError(why)
        self.netns = netns
        self.name = name
        self.dir = netns.workdir / f"frr-{name}"
        self.configs = dict(configs)
        self.processes: dict[str, LabProcess] = {}

    def __repr__(self) -> str:
        return f"<Frr {self.name} in {self.netns.netns} {sorted(self.processes)}>"

    @property
    def zserv(self) -> Path:
        return self.dir / "zserv.api"

    def start(self) -> Frr:
        """zebra first (the others need its API socket), then each daemon with a config;
        each is up once its vty socket exists. On any failure the lab's teardown stops
        what started."""
        self.dir.mkdir(parents=True, exist_ok=True)
        parent = self.dir.parent  # the lab's private dir (0700): FRR's user must pass through
        parent.chmod(parent.stat().st_mode | 0o711)
        entry = pwd.getpwnam(FRR_USER)
        os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        for daemon in ("zebra", *(d for d in self.configs if d != "zebra")):
            config = self.dir / f"{daemon}.conf"
            config.write_text(self.configs.get(daemon, ""))
            os.chown(config, entry.pw_uid, entry.pw_gid)
            self._start(daemon, config)
        return self

    def _start(self, daemon: str, config: Path) -> None:
        argv = [
            str(FRR_LIBEXEC / daemon),
            "-f",
            str(config),
            "-i",
            str(self.dir / f"{daemon}.pid"),
            "-z",
            str(self.zserv),
            "--vty_socket",
            str(self.dir),
            "-u",
            FRR_USER,
            "-g",
            FRR_USER,
            "-P",
            "0",  # no TCP vty: vtysh talks over the socket in self.dir
            "--log",
            "stdout",
        ]
        proc = self.netns.popen(argv, name=f"{self.name}-{daemon}")
        self.processes[daemon] = proc
        vty = self.dir / f"{daemon}.vty"

        def up() -> bool:
            if not proc.running:
                raise LabError(f"{daemon} of {self.name} exited:\n{proc.log_tail()}")
            return vty.exists()

        wait_until(up, START_TIMEOUT, 0.02, message=f"{daemon} of {self.name} listening")

    def vtysh(self, *commands: str, timeout: float = VTYSH_TIMEOUT) -> str:
        """Run vtysh commands against this instance (never the host's FRR)."""
        argv = [VTYSH, "--vty_socket", str(self.dir)]
        for command in commands:
            argv += ["-c", command]
        return self.netns.run(argv, timeout=timeout).stdout

    def vtysh_json(self, command: str) -> dict:
        out = self.vtysh(command)
        try:
            return json.loads(out) if out.strip() else {}
        except json.JSONDecodeError as exc:
            raise LabError(f"{self.name}: {command!r} gave no JSON: {out[:200]!r}") from exc

    def stop(self) -> None:
        """Stop the daemons, the others before zebra (it cleans up their routes)."""
        for daemon in [d for d in self.processes if d != "zebra"] + ["zebra"]:
            proc = self.processes.get(daemon)
            if proc is not None:
                proc.stop()

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(
            f"--- {daemon}\n{proc.log_tail(lines)}" for daemon, proc in self.processes.items()
        )


# -- FRR's vrrpd (interop) --------------------------------------------------------------


def vrrp_macvlans(
    netns: Netns,
    vrid: int,
    *,
    parent: str = "eth0",
    ipv4: str | None = None,
    ipv6: str | None = None,
) -> list[str]:
    """FRR's vrrpd needs, per VRID and family, a macvlan (mode bridge) on the interface with
    the virtual MAC (00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6) and the
    VIP on it; it switches the macvlan with protodown. Returns the names made."""
    if not 1 <= vrid <= 255:
        raise ValueError(f"vrid {vrid} outside 1..255")
    made, lines = [], []
    for family, vip, kind in ((4, ipv4, 1), (6, ipv6, 2)):
        if vip is None:
            continue
        name = f"vrrp{family}-{vrid}"
        lines += [
            f"link add {name} link {parent} type macvlan mode bridge",
            f"link set dev {name} addrgenmode random",  # a link-local of its own (IPv6)
            f"link set dev {name} address 00:00:5e:00:{kind:02x}:{vrid:02x}",
            f"addr add {vip} dev {name}" + (" nodad" if family == 6 else ""),
            f"link set dev {name} up",
        ]
        made.append(name)
    netns.ip_batch(lines)
    return made


def frr_vrrp_conf(
    vrid: int,
    *,
    priority: int = 100,
    version: int = 3,
    advert_ms: int = 100,
    ipv4: str | None = None,
    ipv6: str | None = None,
    interface: str = "eth0",
    preempt: bool = True,
) -> str:
    """vrrpd.conf for one FRR virtual router (its advertisement-interval is milliseconds)."""
    lines = [
        f"interface {interface}",
        f" vrrp {vrid} version {version}",
        f" vrrp {vrid} priority {priority}",
        f" vrrp {vrid} advertisement-interval {advert_ms}",
    ]
    if not preempt:
        lines.append(f" no vrrp {vrid} preempt")
    if ipv4:
        lines.append(f" vrrp {vrid} ip {ipv4}")
    if ipv6:
        lines.append(f" vrrp {vrid} ipv6 {ipv6}")
    return "\n".join(lines) + "\n"
