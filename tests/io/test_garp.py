"""GARP / unsolicited NA frames: fields (scapy as the oracle) and delivery in the lab."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_interface

import pytest
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6
from scapy.layers.l2 import ARP, Ether

from vrrpd.io.errors import InterfaceMissing
from vrrpd.io.garp import FrameSender, build_frames

pytestmark = pytest.mark.timeout(60)

MAC = "02:00:5e:00:01:33"
VIP4 = ip_interface("192.0.2.100/24")
VIP6 = ip_interface("2001:db8::100/64")
OTHER_MAC = "02:00:00:00:00:99"


# Frame contents.


def test_ipv4_vip_gets_a_request_form_gratuitous_arp():
    (frame,) = build_frames(MAC, [VIP4])
    ether = Ether(frame)
    arp = ether[ARP]
    assert (ether.dst, ether.src, ether.type) == ("ff:ff:ff:ff:ff:ff", MAC, 0x0806)
    assert arp.op == 1
    assert arp.psrc == arp.pdst == "192.0.2.100"
    assert arp.hwsrc == MAC
    assert arp.hwdst == "ff:ff:ff:ff:ff:ff"
    assert (arp.hwtype, arp.ptype, arp.hwlen, arp.plen) == (1, 0x0800, 6, 4)


def test_ipv6_vip_gets_an_unsolicited_na_from_the_vip_to_all_nodes():
    (frame,) = build_frames(MAC, [VIP6])
    ether = Ether(frame)
    ip6, na, option = ether[IPv6], ether[ICMPv6ND_NA], ether[ICMPv6NDOptDstLLAddr]
    assert (ether.dst, ether.src) == ("33:33:00:00:00:01", MAC)
    assert (ip6.src, ip6.dst, ip6.hlim) == ("2001:db8::100", "ff02::1", 255)
    assert (na.R, na.S, na.O) == (1, 0, 1)
    assert na.tgt == "2001:db8::100"
    assert (option.type, option.len, option.lladdr) == (2, 1, MAC)


def test_na_checksum_is_valid():
    (frame,) = build_frames(MAC, [VIP6])
    parsed = Ether(frame)
    sent_checksum = parsed[ICMPv6ND_NA].cksum
    del parsed[ICMPv6ND_NA].cksum
    assert Ether(bytes(parsed))[ICMPv6ND_NA].cksum == sent_checksum


def test_na_can_come_from_the_link_local_address():
    (frame,) = build_frames(MAC, [VIP6], ll_src=IPv6Address("fe80::1"))
    parsed = Ether(frame)
    assert parsed[IPv6].src == "fe80::1"
    assert parsed[ICMPv6ND_NA].tgt == "2001:db8::100"


def test_one_frame_per_vip_in_order_and_addresses_are_accepted():
    vips = [VIP4, IPv6Address("fe80::12"), IPv4Address("192.0.2.101"), VIP6]
    frames = build_frames(MAC.upper(), vips)
    assert [Ether(f)[ARP].pdst for f in frames if ARP in Ether(f)] == ["192.0.2.100", "192.0.2.101"]
    targets = [Ether(f)[ICMPv6ND_NA].tgt for f in frames if ICMPv6ND_NA in Ether(f)]
    assert targets == ["fe80::12", "2001:db8::100"]
    assert [Ether(f).src for f in frames] == [MAC] * 4
    assert build_frames(MAC, []) == []


@pytest.mark.parametrize(
    "mac",
    ["", "02:00:5e:00:01", "02:00:5e:00:01:33:44", "02-00-5e-00-01-33", "zz:00:5e:00:01:33", None],
)
def test_malformed_mac_is_rejected(mac):
    with pytest.raises(ValueError, match="invalid MAC"):
        build_frames(mac, [VIP4])


@pytest.mark.parametrize("mac", ["01:00:5e:00:00:12", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"])
def test_non_unicast_mac_is_rejected(mac):
    with pytest.raises(ValueError, match="not a unicast"):
        build_frames(mac, [VIP4])


@pytest.mark.parametrize(
    "vip",
    [
        ip_interface("224.0.0.18/32"),
        IPv4Address("0.0.0.0"),
        IPv4Address("255.255.255.255"),
        ip_interface("ff02::1/128"),
        IPv6Address("::"),
    ],
)
def test_vip_that_cannot_be_announced_is_rejected(vip):
    with pytest.raises(ValueError, match="cannot be announced"):
        build_frames(MAC, [vip])


@pytest.mark.parametrize("vip", ["192.0.2.100", 3221226084, None])
def test_vip_of_the_wrong_type_is_rejected(vip):
    with pytest.raises(TypeError, match="VIP"):
        build_frames(MAC, [vip])


@pytest.mark.parametrize(
    "ll_src", [IPv6Address("2001:db8::1"), IPv4Address("192.0.2.1"), "fe80::1"]
)
def test_ll_src_must_be_an_ipv6_link_local_address(ll_src):
    with pytest.raises(ValueError, match="link-local"):
        build_frames(MAC, [VIP6], ll_src=ll_src)


# FrameSender on a real veth pair: the neighbour tables of the other side are the judge.


def send_frames(agent, side, *vips: str, ll_src: str | None = None, **how) -> dict:
    args = ["garp", "--ifname", side.ifname, "--mac", side.mac]
    for vip in vips:
        args += ["--vip", vip]
    if ll_src:
        args += ["--ll-src", ll_src]
    return agent.run(side.ns, *args, **how)


def no_locktime(side) -> None:
    """Older kernels ignore a GARP within `locktime` of the entry's last update (6.x let
    sip == tip override it); locktime 0 keeps the test independent of that."""
    for table in ("arp_cache", "ndisc_cache"):
        side.ip("ntable", "change", "name", table, "dev", side.ifname, "locktime", "0")


@pytest.mark.lab
def test_garp_and_na_override_the_old_masters_mac_in_existing_entries(netpair, agent, neigh):
    a, b = netpair.a, netpair.b
    no_locktime(b)
    for vip in ("192.0.2.100", "2001:db8::100"):
        b.ip("neigh", "replace", vip, "lladdr", OTHER_MAC, "dev", b.ifname, "nud", "stale")

    assert send_frames(agent, a, str(VIP4), str(VIP6)) == {"sent": 2}

    assert neigh(b, "192.0.2.100") == a.mac
    assert neigh(b, "2001:db8::100") == a.mac


@pytest.mark.lab
def test_na_from_the_link_local_address_also_overrides(netpair, agent, neigh):
    a, b = netpair.a, netpair.b
    no_locktime(b)
    b.ip("neigh", "replace", "2001:db8::100", "lladdr", OTHER_MAC, "dev", b.ifname, "nud", "stale")

    assert send_frames(agent, a, str(VIP6), ll_src=str(a.link_local)) == {"sent": 1}

    assert neigh(b, "2001:db8::100") == a.mac


@pytest.mark.lab
def test_garp_creates_an_entry_only_where_arp_accept_is_set(netpair, agent, neigh):
    a, b = netpair.a, netpair.b

    send_frames(agent, a, str(VIP4))
    assert neigh(b, "192.0.2.100") is None

    b.sysctl("net.ipv4.conf.all.arp_accept=1", f"net.ipv4.conf.{b.ifname}.arp_accept=1")
    send_frames(agent, a, str(VIP4))
    assert neigh(b, "192.0.2.100") == a.mac


@pytest.mark.lab
def test_sending_on_a_downed_interface_raises_send_failed_with_count(netpair, agent):
    a = netpair.a
    a.ip("link", "set", a.ifname, "down")
    result = send_frames(agent, a, str(VIP4), str(VIP6))
    assert result["error"] == "SendFailed"
    assert result["sent"] == 0
    assert "(0/2 sent)" in result["message"]


@pytest.mark.lab
def test_frame_sender_without_cap_net_raw_raises_need_privilege(netpair, agent):
    result = send_frames(
        agent, netpair.a, str(VIP4), prefix=("setpriv", "--bounding-set=-all", "--inh-caps=-all")
    )
    assert result["error"] == "NeedPrivilege"
    assert "CAP_NET_RAW" in result["message"]


def test_frame_sender_for_a_missing_interface_raises_interface_missing():
    with pytest.raises(InterfaceMissing, match="4242424"):
        FrameSender(4242424)


@pytest.mark.parametrize("ifindex", [0, -2])
def test_frame_sender_rejects_non_positive_index(ifindex):
    with pytest.raises(ValueError, match="index"):
        FrameSender(ifindex)
