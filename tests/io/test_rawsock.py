"""VrrpSocket on a real veth pair: each side runs in its own namespace via ns_agent.py."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from ipaddress import IPv4Address, IPv6Address

import pytest

from vrrpd.io.errors import SocketFailed
from vrrpd.io.rawsock import Received, VrrpSocket, _parse_ipv4, _parse_ipv6

pytestmark = pytest.mark.timeout(60)

# A VRRPv3 advert for VRID 51, priority 100, 1 s, with one address; its content is opaque
# to the socket layer, distinct payloads just tell the tests' packets apart.
ADVERT_V4 = "3133640100640000c0000264"
ADVERT_V6 = "31336401006400000000000000000000000000000000ffff"


def listen(agent, side, family: str, *extra: str):
    process = agent.start(side.ns, "listen", "--ifname", side.ifname, "--family", family, *extra)
    process.wait_ready()
    return process


def send(agent, side, family: str, dst, src, payload: str, *extra: str) -> dict:
    return agent.run(
        side.ns,
        "send",
        *extra,
        "--ifname",
        side.ifname,
        "--family",
        family,
        "--dst",
        str(dst),
        "--src",
        str(src),
        "--payload",
        payload,
    )


@pytest.mark.lab
@pytest.mark.parametrize(
    ("family", "group", "payload"),
    [("4", "224.0.0.18", ADVERT_V4), ("6", "ff02::12", ADVERT_V6)],
)
def test_multicast_advert_arrives_with_ttl_255_and_is_not_looped_back(
    netpair, agent, family, group, payload
):
    a, b = netpair.a, netpair.b
    src = a.ipv4.ip if family == "4" else a.link_local
    receiver = listen(agent, b, family)

    sent = send(agent, a, family, group, src, payload)

    assert sent == {"sent": True, "looped": []}, "own multicast must not loop back to us"
    got = receiver.result()["received"]
    assert got == [{"src": str(src), "dst": group, "ttl": 255, "payload": payload}]


@pytest.mark.lab
@pytest.mark.parametrize("family", ["4", "6"])
def test_unicast_ttl_is_set_per_packet(netpair, agent, family):
    """unicast_ttl: a routed peer's advert leaves with the TTL asked for (64 here)."""
    a, b = netpair.a, netpair.b
    src, dst = (a.ipv4.ip, b.ipv4.ip) if family == "4" else (a.ipv6.ip, b.ipv6.ip)
    payload = ADVERT_V4 if family == "4" else ADVERT_V6
    receiver = listen(agent, b, family, "--no-join")

    assert send(agent, a, family, dst, src, payload, "--ttl", "64")["sent"] is True

    got = receiver.result()["received"]
    assert [item["ttl"] for item in got] == [64]


@pytest.mark.lab
@pytest.mark.parametrize(("family", "group"), [("4", "224.0.0.18"), ("6", "ff02::12")])
def test_multicast_ignores_a_lower_ttl_and_sends_255(netpair, agent, family, group):
    a, b = netpair.a, netpair.b
    src = a.ipv4.ip if family == "4" else a.link_local
    payload = ADVERT_V4 if family == "4" else ADVERT_V6
    receiver = listen(agent, b, family)

    assert send(agent, a, family, group, src, payload, "--ttl", "64")["sent"] is True

    assert [item["ttl"] for item in receiver.result()["received"]] == [255]


@pytest.mark.parametrize("ttl", [0, 256, -1, True])
def test_send_with_an_impossible_ttl_is_rejected(ttl):
    with _loopback_socket(socket.AF_INET) as sock, pytest.raises(ValueError, match="ttl"):
        sock.send(b"\x31", "127.0.0.1", "127.0.0.1", ttl=ttl)


@pytest.mark.lab
@pytest.mark.parametrize("family", ["4", "6"])
def test_unicast_advert_reaches_the_peer_with_ttl_255(netpair, agent, family):
    a, b = netpair.a, netpair.b
    src, dst = (a.ipv4.ip, b.ipv4.ip) if family == "4" else (a.ipv6.ip, b.ipv6.ip)
    payload = ADVERT_V4 if family == "4" else ADVERT_V6
    receiver = listen(agent, b, family, "--no-join")

    assert send(agent, a, family, dst, src, payload)["sent"] is True

    got = receiver.result()["received"]
    assert got == [{"src": str(src), "dst": str(dst), "ttl": 255, "payload": payload}]


@pytest.mark.lab
@pytest.mark.parametrize(("family", "group"), [("4", "224.0.0.18"), ("6", "ff02::12")])
def test_unjoined_socket_ignores_multicast_another_socket_subscribed(netpair, agent, family, group):
    a, b = netpair.a, netpair.b
    src = a.ipv4.ip if family == "4" else a.link_local
    payload = ADVERT_V4 if family == "4" else ADVERT_V6
    joined = listen(agent, b, family)
    unicast_only = listen(agent, b, family, "--no-join", "--timeout", "0.5")

    send(agent, a, family, group, src, payload)

    assert len(joined.result()["received"]) == 1
    assert unicast_only.result()["received"] == []


@pytest.mark.lab
def test_send_from_an_address_we_do_not_hold_raises_send_failed(netpair, agent):
    result = send(agent, netpair.a, "4", "224.0.0.18", "192.0.2.99", ADVERT_V4)
    assert result["error"] == "SendFailed"
    assert "192.0.2.99" in result["message"]


@pytest.mark.lab
@pytest.mark.parametrize("family", ["4", "6"])
def test_missing_interface_raises_interface_missing(netpair, agent, family):
    result = agent.run(
        netpair.a.ns, "open", "--ifname", "nosuch0", "--ifindex", "77", "--family", family
    )
    assert result == {"error": "InterfaceMissing", "message": "interface 'nosuch0' not found"}


@pytest.mark.lab
def test_index_that_does_not_match_the_name_raises_interface_missing(netpair, agent):
    a = netpair.a
    wrong = str(a.ifindex + 40)
    result = agent.run(a.ns, "open", "--ifname", a.ifname, "--ifindex", wrong, "--family", "4")
    assert result["error"] == "InterfaceMissing"
    assert f"expected index {wrong}, kernel has {a.ifindex}" in result["message"]


SYSTEM_PYTHON = "/usr/bin/python3"
NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
NO_CAPABILITIES = ("setpriv", "--bounding-set=-all", "--inh-caps=-all")


def _system_python_fits() -> bool:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    check = [SYSTEM_PYTHON, "-c", "import sys; sys.exit(sys.version_info < (3, 11))"]
    return subprocess.run(check, timeout=10, check=False).returncode == 0


@pytest.mark.lab
@pytest.mark.parametrize("who", ["nobody", "root-without-capabilities"])
def test_unprivileged_open_raises_need_privilege(netpair, agent, who):
    a = netpair.a
    args = ("open", "--ifname", a.ifname, "--ifindex", str(a.ifindex), "--family", "4")
    if who == "nobody":
        # The venv interpreter lives under /root (mode 700): nobody runs the system one.
        if not _system_python_fits():
            pytest.skip(f"{SYSTEM_PYTHON} (>= 3.11) needed to run as nobody")
        result = agent.run(a.ns, *args, python=SYSTEM_PYTHON, prefix=NOBODY)
    else:
        result = agent.run(a.ns, *args, prefix=NO_CAPABILITIES)
    assert result == {
        "error": "NeedPrivilege",
        "message": "opening the raw VRRP socket: permission denied (need root or CAP_NET_RAW)",
    }


# Bad input and parsing, no namespace needed.


@pytest.mark.parametrize("family", [socket.AF_PACKET, 0, 99])
def test_unknown_family_is_rejected(family):
    with pytest.raises(ValueError, match="family"):
        VrrpSocket("lo", 1, family)


@pytest.mark.parametrize("ifname", ["", "x" * 16, "a/b", "a\0b"])
def test_invalid_interface_name_is_rejected(ifname):
    with pytest.raises(ValueError, match="interface name"):
        VrrpSocket(ifname, 1, socket.AF_INET)


@pytest.mark.parametrize("ifindex", [0, -3])
def test_non_positive_index_is_rejected(ifindex):
    with pytest.raises(ValueError, match="index"):
        VrrpSocket("lo", ifindex, socket.AF_INET)


def _loopback_socket(family: int) -> VrrpSocket:
    if os.geteuid() != 0:
        pytest.skip("needs root for a raw socket")
    return VrrpSocket("lo", socket.if_nametoindex("lo"), family, join_multicast=False)


@pytest.mark.parametrize(
    ("family", "dst", "src"),
    [
        (socket.AF_INET, "ff02::12", "::1"),
        (socket.AF_INET, "224.0.0.18", "::1"),
        (socket.AF_INET6, "224.0.0.18", "127.0.0.1"),
        (socket.AF_INET6, "ff02::12", "127.0.0.1"),
    ],
)
def test_send_with_addresses_of_the_other_family_is_rejected(family, dst, src):
    with _loopback_socket(family) as sock, pytest.raises(ValueError, match="do not match"):
        sock.send(b"\x31", dst, src)


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_recv_returns_none_when_nothing_is_queued(family):
    with _loopback_socket(family) as sock:
        assert sock.recv() is None


def test_recv_on_a_closed_socket_raises_socket_failed():
    sock = _loopback_socket(socket.AF_INET)
    sock.close()
    with pytest.raises(SocketFailed, match="receiving on lo"):
        sock.recv()


def test_ipv4_header_is_stripped_and_its_fields_reported():
    header = bytes.fromhex("46000024000040000170") + b"\0\0"
    header += IPv4Address("192.0.2.7").packed + IPv4Address("224.0.0.18").packed
    options = b"\x94\x04\x00\x00"  # router alert: IHL 6, payload starts after 24 bytes
    received = _parse_ipv4(header + options + b"VRRP")
    assert received == Received(IPv4Address("192.0.2.7"), IPv4Address("224.0.0.18"), 1, b"VRRP")


@pytest.mark.parametrize(
    "datagram", [b"", b"\x45" + b"\0" * 10, b"\x44" + b"\0" * 30, b"\x4f" + b"\0" * 40]
)
def test_datagram_shorter_than_its_ipv4_header_is_skipped(datagram):
    assert _parse_ipv4(datagram) is None


def test_ipv6_hop_limit_and_destination_come_from_ancillary_data():
    cmsgs = [
        (socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, IPv6Address("ff02::12").packed + b"\2\0\0\0"),
        (socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack("=i", 255)),
    ]
    received = _parse_ipv6(b"VRRP", cmsgs, ("fe80::1%va", 0, 0, 2))
    assert received == Received(IPv6Address("fe80::1"), IPv6Address("ff02::12"), 255, b"VRRP")


def test_ipv6_without_hop_limit_reports_zero_so_the_ttl_check_drops_it():
    received = _parse_ipv6(b"VRRP", [], ("fe80::1", 0, 0, 2))
    assert received.ttl == 0
    assert received.dst == IPv6Address("::")
