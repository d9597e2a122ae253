"""Network-namespace fixtures for the io/ adapter tests.

`netpair` builds two namespaces joined by a veth pair (192.0.2.1/24 + 2001:db8::1/64 on
side a, .2 / ::2 on side b, DAD off so link-locals are usable at once) and always deletes
them. Namespace names carry a per-run prefix; a session-end sweep removes leftovers of this
run only. `agent` runs tests/io/ns_agent.py inside a namespace (sockets belong to the
namespace of the process that opens them, and Python 3.11 has no os.setns).
"""

from __future__ import annotations

import itertools
import json
import os
import selectors
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Address, IPv6Interface
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AGENT = Path(__file__).with_name("ns_agent.py")
RUN_PREFIX = f"vrrpio-{uuid.uuid4().hex[:6]}-"
COMMAND_TIMEOUT = 10.0
_serial = itertools.count(1)


def sh(*args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT) -> str:
    """Run a command (never through a shell) and return its stdout."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def lab_ready() -> str | None:
    """Why the namespace lab cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, raw sockets)"
    if shutil.which("ip") is None:
        return "needs iproute2"
    return None


@dataclass(frozen=True)
class Side:
    ns: str
    ifname: str
    ifindex: int
    mac: str
    ipv4: IPv4Interface
    ipv6: IPv6Interface
    link_local: IPv6Address

    def ip(self, *args: str, check: bool = True) -> str:
        return sh("ip", "-n", self.ns, *args, check=check)

    def sysctl(self, *settings: str) -> None:
        sh("ip", "netns", "exec", self.ns, "sysctl", "-qw", *settings)


@dataclass(frozen=True)
class NetPair:
    a: Side
    b: Side


def _delete_netns(name: str) -> None:
    sh("ip", "netns", "delete", name, check=False)


@pytest.fixture(scope="session", autouse=True)
def _sweep_run_namespaces():
    """Remove any namespace of this run that a crashed fixture left behind."""
    yield
    if lab_ready() is None:
        for line in sh("ip", "netns", "list", check=False).splitlines():
            name = line.split()[0] if line.split() else ""
            if name.startswith(RUN_PREFIX):
                _delete_netns(name)


@pytest.fixture
def netpair():
    reason = lab_ready()
    if reason:
        pytest.fail(f"io lab tests cannot run: {reason} (make test runs as root)", pytrace=False)
    serial = next(_serial)
    names = (f"{RUN_PREFIX}{serial}a", f"{RUN_PREFIX}{serial}b")
    created: list[str] = []
    try:
        for name in names:
            sh("ip", "netns", "add", name)
            created.append(name)
            sh("ip", "-n", name, "link", "set", "lo", "up")
            # Before the veth exists, so its link-local is born without DAD.
            dad_off = "net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0"
            sh(*f"ip netns exec {name} sysctl -qw {dad_off}".split())
        ns_a, ns_b = names
        sh(*f"ip -n {ns_a} link add va type veth peer name vb netns {ns_b}".split())
        sides = []
        for ns, ifname, host in ((ns_a, "va", 1), (ns_b, "vb", 2)):
            sh("ip", "-n", ns, "addr", "add", f"192.0.2.{host}/24", "dev", ifname)
            sh("ip", "-n", ns, "addr", "add", f"2001:db8::{host}/64", "dev", ifname, "nodad")
            sh("ip", "-n", ns, "link", "set", ifname, "up")
        for ns, ifname, host in ((ns_a, "va", 1), (ns_b, "vb", 2)):
            sides.append(_wait_side(ns, ifname, host))
        yield NetPair(*sides)
    finally:
        for name in created:
            _delete_netns(name)


def _wait_side(ns: str, ifname: str, host: int) -> Side:
    """Poll (bounded) until the link runs and its link-local address is usable."""
    for _ in range(50):
        link = json.loads(sh("ip", "-j", "-n", ns, "link", "show", "dev", ifname))[0]
        addrs = json.loads(sh("ip", "-j", "-n", ns, "addr", "show", "dev", ifname))[0]
        link_locals = [
            a["local"]
            for a in addrs.get("addr_info", [])
            if a["family"] == "inet6" and a["scope"] == "link" and not a.get("tentative")
        ]
        if link.get("operstate") == "UP" and link_locals:
            return Side(
                ns=ns,
                ifname=ifname,
                ifindex=link["ifindex"],
                mac=link["address"],
                ipv4=IPv4Interface(f"192.0.2.{host}/24"),
                ipv6=IPv6Interface(f"2001:db8::{host}/64"),
                link_local=IPv6Address(link_locals[0]),
            )
        time.sleep(0.1)
    raise AssertionError(f"{ifname} in {ns} did not come up with a link-local address")


class AgentProcess:
    """A started ns_agent: wait for its ready line, then for its result."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def wait_ready(self, timeout: float = COMMAND_TIMEOUT) -> None:
        line = self._line(timeout)
        if json.loads(line) != {"ready": True}:
            raise AssertionError(f"agent did not get ready: {line}")

    def _line(self, timeout: float) -> str:
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise AssertionError(f"agent silent for {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            _out, err = self.proc.communicate(timeout=COMMAND_TIMEOUT)
            raise AssertionError(f"agent exited early: {err}")
        return line

    def result(self, timeout: float = COMMAND_TIMEOUT) -> dict:
        out, err = self.proc.communicate(timeout=timeout)
        return _last_json(out, err)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=COMMAND_TIMEOUT)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()


def _last_json(out: str, err: str) -> dict:
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"agent printed nothing; stderr: {err}")
    return json.loads(lines[-1])


class Agent:
    """Runs ns_agent.py commands inside a namespace, optionally as another user."""

    def command(self, ns: str, *args: str, python: str = sys.executable, prefix=()) -> list:
        return ["ip", "netns", "exec", ns, *prefix, python, str(AGENT), *args]

    def run(self, ns: str, *args: str, timeout: float = COMMAND_TIMEOUT, **how) -> dict:
        done = subprocess.run(
            self.command(ns, *args, **how),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_agent_env(),
            check=False,
        )
        return _last_json(done.stdout, done.stderr)

    def start(self, ns: str, *args: str) -> AgentProcess:
        proc = subprocess.Popen(
            self.command(ns, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_agent_env(),
        )
        return AgentProcess(proc)


def _agent_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture
def agent():
    started: list[AgentProcess] = []

    class TrackingAgent(Agent):
        def start(self, ns: str, *args: str) -> AgentProcess:
            process = super().start(ns, *args)
            started.append(process)
            return process

    try:
        yield TrackingAgent()
    finally:
        for process in started:
            process.kill()


def neighbour_mac(side: Side, address: str) -> str | None:
    """The link-layer address `side` holds for `address`, or None without an entry."""
    entries = json.loads(side.ip("-j", "neigh", "show", address, "dev", side.ifname) or "[]")
    return entries[0].get("lladdr") if entries else None


@pytest.fixture
def neigh():
    return neighbour_mac
